import type { Outcome } from '../outcome.js';
import { answered, failed, refused, type Classified } from './classified.js';
import type { HttpAnswer } from './http-exchange.js';
import { isRecord, readJsonBody, rowsFit, snippet } from './json-body.js';
import { nextMidnight, NDL_TIME_ZONE } from './reset-time.js';
import { retryAfterMs } from './retry-after.js';

/**
 * Nasdaq Data Link answers → outcomes (provider-protocols.md §4–§6). Pure, and the only
 * place that reads NDL's error codes. An error is `{"quandl_error":{code,message}}`, or
 * `code,message` CSV; its code's letter (`QE{letter}x{NN}`) names the class, as in the
 * official client, and for the limit class (L) the number tells the window.
 */

/** The wait after a 10-minute limit when no Retry-After says otherwise. */
export const NDL_WINDOW_MS = 600_000;

export interface NdlApiError {
  readonly code: string;
  readonly message: string;
}

export interface NdlContext {
  readonly now: Date;
  /** From a `Retry-After` header, when the answer had one. */
  readonly retryAfterMs?: number;
}

type LimitKind = 'daily' | 'ten-minutes' | 'too-big';

/** QELx01–03: daily (anonymous, registered, subscriber); 04–05: 10-minute; 06–08: the query is too big. */
const LIMIT_KINDS: Readonly<Record<string, LimitKind>> = {
  '01': 'daily',
  '02': 'daily',
  '03': 'daily',
  '04': 'ten-minutes',
  '05': 'ten-minutes',
  '06': 'too-big',
  '07': 'too-big',
  '08': 'too-big',
};

type LetterKind = 'auth' | 'permission' | 'transient';

/** A authentication, P permission, M internal, X unavailable; S and C are refusals (below). */
const LETTER_KINDS: Readonly<Record<string, LetterKind>> = {
  A: 'auth',
  P: 'permission',
  M: 'transient',
  X: 'transient',
};

/**
 * C (not found): QECx01 and QECx05 say the URL is not one of the API's routes, the base URL's
 * fault (a missing `/api/v3`); the others, a database or dataset code that does not exist.
 * S: an invalid query parameter.
 */
function classifyRefusal(letter: 'C' | 'S', number: string, detail: string): Classified {
  if (letter === 'S') return refused('params', detail);
  return refused(number === '01' || number === '05' ? 'address' : 'api', detail);
}

function classifyLimit(
  kind: LimitKind | undefined,
  detail: string,
  context: NdlContext,
): Classified {
  const { now, retryAfterMs: told } = context;
  const note = told === undefined ? '' : ` [Retry-After: ${Math.round(told / 1000)} s]`;
  if (kind === 'too-big') return refused('params', detail);
  if (kind === 'daily') {
    // The server's word wins; else the quota day's end, taken to be New York's midnight.
    const resetsAt =
      told === undefined ? nextMidnight(NDL_TIME_ZONE, now) : new Date(now.getTime() + told);
    return {
      outcome: { kind: 'daily-limit', resetsAt: resetsAt.toISOString() },
      detail: `${detail}${note}`,
    };
  }
  const wait = told ?? (kind === 'ten-minutes' ? NDL_WINDOW_MS : undefined);
  const outcome: Outcome =
    wait === undefined ? { kind: 'too-frequent' } : { kind: 'too-frequent', retryAfterMs: wait };
  return { outcome, detail: `${detail}${note}` };
}

/** An NDL error code and message → outcome; `unknown` for a code outside the `QE?x??` scheme. */
export function classifyNdlError(error: NdlApiError, context: NdlContext): Classified {
  const detail = `${error.code} ${error.message}`.trim();
  const match = /^QE([A-Za-z])x(\d+)$/.exec(error.code);
  const letter = match?.[1]?.toUpperCase();
  const number = match?.[2]?.padStart(2, '0');
  if (letter === undefined || number === undefined) return failed('unknown', detail);
  if (letter === 'L') return classifyLimit(LIMIT_KINDS[number], detail, context);
  if (letter === 'C' || letter === 'S') return classifyRefusal(letter, number, detail);
  const kind = LETTER_KINDS[letter];
  return failed(kind ?? 'unknown', detail);
}

const unquote = (field: string): string => {
  const quoted = /^"([\s\S]*)"$/.exec(field);
  return quoted?.[1] === undefined ? field : quoted[1].replaceAll('""', '"');
};

/** A CSV error body, `code,message\nQECx02,You have…`, or undefined when the body is not one. */
export function parseNdlCsvError(body: string): NdlApiError | undefined {
  const [header, ...rest] = body
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/);
  if (header?.trim().toLowerCase() !== 'code,message') return undefined;
  const record = rest.join('\n');
  const comma = record.indexOf(',');
  if (comma < 0) return undefined;
  const code = unquote(record.slice(0, comma).trim());
  return /^QE/i.test(code) ? { code, message: unquote(record.slice(comma + 1).trim()) } : undefined;
}

function envelopeError(body: unknown): NdlApiError | undefined {
  const error = isRecord(body) ? body.quandl_error : undefined;
  if (!isRecord(error) || typeof error.code !== 'string') return undefined;
  return { code: error.code, message: typeof error.message === 'string' ? error.message : '' };
}

const isNames = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((name) => typeof name === 'string');

/** `dataset_data` (or `dataset`, from `{code}.json`) or `datatable` with `meta`; undefined for another shape. */
function classifySuccess(body: unknown): Classified | undefined {
  if (!isRecord(body)) return undefined;
  const series = isRecord(body.dataset_data) ? body.dataset_data : body.dataset;
  if (isRecord(series) && isNames(series.column_names) && Array.isArray(series.data)) {
    const columns = series.column_names;
    return rowsFit(series.data, columns.length)
      ? answered(columns, series.data)
      : failed('transient', `rows that do not have the ${columns.length} column_names`);
  }
  const table = body.datatable;
  if (!isRecord(table) || !Array.isArray(table.columns) || !Array.isArray(table.data))
    return undefined;
  const columns = table.columns.map((column) => (isRecord(column) ? column.name : undefined));
  if (!isNames(columns)) return failed('transient', 'datatable.columns without names');
  if (!rowsFit(table.data, columns.length)) {
    return failed('transient', `rows that do not have the ${columns.length} columns`);
  }
  const cursor = isRecord(body.meta) ? body.meta.next_cursor_id : undefined;
  const next = typeof cursor === 'string' || typeof cursor === 'number' ? String(cursor) : null;
  return answered(columns, table.data, next === '' ? null : next);
}

/** An answer without NDL's error envelope, by HTTP status. */
function classifyOther(answer: HttpAnswer, problem: string, context: NdlContext): Classified {
  const detail = `HTTP ${answer.status}: ${problem}`;
  const { status } = answer;
  if (status === 429) return classifyLimit(undefined, detail, context);
  // A dataset withdrawn in 2024 answered 410 (data-link-python#48): it will not come back.
  if (status === 410) return refused('api', `${detail} (the dataset is gone)`);
  if (status >= 500 || (status >= 200 && status < 300)) return failed('transient', detail);
  // A bare 403 or a WAF's HTML 400: nothing says retrying helps.
  return failed('unknown', detail);
}

/** One HTTP answer → outcome. The error code wins over the HTTP status when there is one. */
export function classifyNdlAnswer(answer: HttpAnswer, now: Date): Classified {
  const told = retryAfterMs(answer.headers['retry-after'], now);
  const context: NdlContext = told === undefined ? { now } : { now, retryAfterMs: told };
  const reading = readJsonBody(answer.body);
  if (!reading.ok) {
    const csv = parseNdlCsvError(answer.body);
    return csv === undefined
      ? classifyOther(answer, reading.problem, context)
      : classifyNdlError(csv, context);
  }
  const error = envelopeError(reading.value);
  if (error !== undefined) return classifyNdlError(error, context);
  const success =
    answer.status >= 200 && answer.status < 300 ? classifySuccess(reading.value) : undefined;
  return (
    success ??
    classifyOther(answer, `JSON that is not an NDL answer: ${snippet(answer.body)}`, context)
  );
}
