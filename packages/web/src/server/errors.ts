import { DsyncError } from '@dsync/datasource';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../api/contract.js';

/** A failure with the HTTP status and the stable code an API client branches on. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

/**
 * Domain codes that mean the request asked for something that cannot be (400, 404), or not
 * yet (409: a run is in progress, the calendar an audit reads is not stored yet).
 */
const DOMAIN_STATUS: Readonly<Record<string, number>> = {
  E_UNKNOWN_SOURCE: 404,
  E_BAD_RANGE: 400,
  E_AUDIT: 400,
  E_BUSY: 409,
  E_CALENDAR: 409,
  E_MISSING_DEPENDENCY: 409,
};

/** The status and `ApiError` body of anything a route threw. */
export function toApiError(error: unknown): { status: number; body: ApiError } {
  if (error instanceof HttpError)
    return { status: error.status, body: { error: error.code, message: error.message } };
  if (error instanceof DsyncError)
    return {
      status: DOMAIN_STATUS[error.code] ?? 500,
      body: { error: error.code, message: error.message },
    };
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  // Fastify's own refusals (a body that is not JSON, too large, a bad content type).
  if (status !== undefined && status >= 400 && status < 500)
    return {
      status,
      body: { error: 'E_BAD_REQUEST', message: fastifyError.message ?? 'Bad request.' },
    };
  return {
    status: 500,
    body: { error: 'E_INTERNAL', message: (error as Error).message ?? String(error) },
  };
}

/** Fastify's error handler: every failure answers as `ApiError` JSON (scrubbed on its way out). */
export async function sendApiError(
  error: unknown,
  _request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { status, body } = toApiError(error);
  await reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** No route: JSON for API clients as for anything else. */
export async function sendNotFound(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const path = request.url.split('?')[0] ?? '';
  await reply
    .code(404)
    .send({ error: 'E_NOT_FOUND', message: `No such route: ${request.method} ${path}.` });
}
