/**
 * The UI's only way to the server: typed calls over the HTTP API contract and its event
 * stream. Same origin, so the browser resends HTTP Basic credentials (the access token) on
 * every fetch and on the EventSource by itself.
 */
import type {
  ApiError,
  AuditRequest,
  QuotaGauge,
  RateSeries,
  RowsPage,
  RunRecord,
  RunView,
  ServerEvent,
  SourceAudit,
  SourceDetail,
  SourcePlan,
  SourceView,
  SyncRequest,
  TaskRecord,
  TaskStatus,
} from '../src/api/contract.js';

/** An answer that was not 2xx, or no answer at all. */
export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

const isApiError = (value: unknown): value is ApiError =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ApiError).error === 'string' &&
  typeof (value as ApiError).message === 'string';

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (error) {
    throw new ApiFailure(
      'E_NETWORK',
      `The server did not answer ${method} ${path}: ${error instanceof Error ? error.message : String(error)}`,
      0,
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    if (isApiError(parsed)) throw new ApiFailure(parsed.error, parsed.message, response.status);
    throw new ApiFailure(
      `HTTP_${response.status}`,
      `${method} ${path} answered ${response.status} ${response.statusText}`.trim(),
      response.status,
    );
  }
  return parsed as T;
}

const query = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};

export interface TaskFilter {
  readonly source?: string;
  readonly status?: TaskStatus | '';
  readonly run?: string;
  readonly limit?: number;
}

export const api = {
  sources: () => call<SourceView[]>('GET', '/api/sources'),
  source: (id: string) => call<SourceDetail>('GET', `/api/sources/${encodeURIComponent(id)}`),
  rows: (id: string, offset: number, limit: number) =>
    call<RowsPage>('GET', `/api/sources/${encodeURIComponent(id)}/rows${query({ offset, limit })}`),
  runs: (limit = 50) => call<RunRecord[]>('GET', `/api/runs${query({ limit })}`),
  tasks: (filter: TaskFilter) =>
    call<TaskRecord[]>(
      'GET',
      `/api/tasks${query({ source: filter.source, status: filter.status, run: filter.run, limit: filter.limit })}`,
    ),
  quota: () => call<QuotaGauge[]>('GET', '/api/quota'),
  run: () => call<RunView | null>('GET', '/api/run'),
  series: () => call<RateSeries>('GET', '/api/series'),
  plan: (request: SyncRequest) => call<SourcePlan[]>('POST', '/api/plan', request),
  sync: (request: SyncRequest) => call<{ runId: string }>('POST', '/api/sync', request),
  cancel: () => call<{ cancelled: string }>('POST', '/api/cancel', {}),
  audit: (request: AuditRequest) => call<SourceAudit[]>('POST', '/api/audit', request),
};

const EVENT_TYPES = ['run', 'quota', 'sources'] as const;

/** Turns one server-sent message into a `ServerEvent`, whether it is named or not. */
function toEvent(name: string, data: string): ServerEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value === 'object' && value !== null && 'type' in value) {
    const { type } = value;
    if (EVENT_TYPES.includes(type as (typeof EVENT_TYPES)[number])) return value as ServerEvent;
  }
  if (name === 'run') return { type: 'run', run: value as RunView | null };
  if (name === 'quota') return { type: 'quota', quota: value as QuotaGauge[] };
  if (name === 'sources') return { type: 'sources', sources: value as SourceView[] };
  return undefined;
}

export type StreamState = 'connecting' | 'open' | 'closed';

/** Listens to /api/events; EventSource reconnects by itself. Returns the unsubscribe. */
export function subscribe(
  onEvent: (event: ServerEvent) => void,
  onState: (state: StreamState) => void,
): () => void {
  const source = new EventSource('/api/events');
  const handle = (event: MessageEvent<string>) => {
    const parsed = toEvent(event.type, event.data);
    if (parsed !== undefined) onEvent(parsed);
  };
  source.addEventListener('message', handle);
  for (const type of EVENT_TYPES) source.addEventListener(type, handle);
  source.addEventListener('open', () => onState('open'));
  source.addEventListener('error', () =>
    onState(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting'),
  );
  return () => source.close();
}
