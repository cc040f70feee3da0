import { answered, failed, refused, type Classified } from './classified.js';
import type { HttpAnswer } from './http-exchange.js';
import { isRecord, readJsonBody, rowsFit, snippet } from './json-body.js';
import { nextMidnight, TUSHARE_TIME_ZONE } from './reset-time.js';
import { retryAfterMs } from './retry-after.js';

/**
 * Tushare's answers → outcomes (provider-protocols.md §1–§2). Pure, and the only place that
 * reads Tushare's message text: 40203 alone means a missing permission, a per-minute, an
 * hourly or a daily limit, so the message decides.
 */

/** The wait after a per-minute refusal: the messages give the limit, never the reset, and the window is the minute. */
export const TUSHARE_MINUTE_MS = 60_000;
/** The wait after an hourly refusal; longer than the policy's default max wait, so the run stops resumably. */
export const TUSHARE_HOUR_MS = 3_600_000;

/** A non-zero `code` and its `msg`. */
export interface TushareApiError {
  readonly code: number;
  readonly msg: string;
}

interface Rule {
  readonly matches: (error: TushareApiError) => boolean;
  readonly classify: (error: TushareApiError, detail: string, now: Date) => Classified;
}

/** ` [limit: 200/minute]` when the message gives the number. */
function limitNote(msg: string, per: string): string {
  const limit = /(\d+)\s*次/.exec(msg)?.[1];
  return limit === undefined ? '' : ` [limit: ${limit}/${per}]`;
}

const tooFrequent =
  (retryAfter: number, per: string): Rule['classify'] =>
  (error, detail) => ({
    outcome: { kind: 'too-frequent', retryAfterMs: retryAfter },
    detail: `${detail}${limitNote(error.msg, per)}`,
  });

/** Codes of a request the server will never accept as it is. 40002: a fake's missing-parameter code; 40001: a malformed parameter. */
const BAD_ARGUMENT_CODES: ReadonlySet<number> = new Set([50101, 40002, 40001]);

/** First match wins; the order matters where messages overlap (see each comment). */
const RULES: readonly Rule[] = [
  // An unknown api_name is also recorded with 40101, the token's code: the message first.
  {
    matches: ({ msg }) => msg.includes('请指定正确的接口名'),
    classify: (_error, detail) => refused('api', `${detail} [unknown api_name]`),
  },
  {
    matches: ({ code, msg }) => code === 40101 || /token/i.test(msg),
    classify: (_error, detail) => failed('auth', detail),
  },
  // Limits come before permission: every limit message also says "权限的具体详情". The
  // daily one is seen with 40203 and with 40103, so the code is not checked.
  {
    matches: ({ msg }) => /每天|每日|次\/天/.test(msg),
    classify: (error, detail, now) => ({
      outcome: {
        kind: 'daily-limit',
        resetsAt: nextMidnight(TUSHARE_TIME_ZONE, now).toISOString(),
      },
      detail: `${detail}${limitNote(error.msg, 'day')}`,
    }),
  },
  {
    matches: ({ msg }) => /每小时|次\/小时/.test(msg),
    classify: tooFrequent(TUSHARE_HOUR_MS, 'hour'),
  },
  // 每分钟 (older), 每分 (2019), N次/分钟 (newer, also seen with code -2002).
  {
    matches: ({ msg }) => /每分|次\/分钟/.test(msg),
    classify: tooFrequent(TUSHARE_MINUTE_MS, 'minute'),
  },
  // A limit whose window the message does not name: the policy's default wait applies.
  {
    matches: ({ msg }) => /频率超限|最多访问/.test(msg),
    classify: (_error, detail) => ({ outcome: { kind: 'too-frequent' }, detail }),
  },
  {
    matches: ({ code, msg }) => code === 40209 || code === 2002 || /没有.*权限/.test(msg),
    classify: (_error, detail) => failed('permission', detail),
  },
  {
    matches: ({ code, msg }) => BAD_ARGUMENT_CODES.has(code) || /必填参数|参数.*错误/.test(msg),
    classify: (_error, detail) => refused('params', detail),
  },
  // 系统内部错误 is the doc's example message (a guess that it passes).
  {
    matches: ({ code, msg }) => code === 9999 || /服务器拥挤|稍后再试|系统内部错误/.test(msg),
    classify: (_error, detail) => failed('transient', detail),
  },
];

/** A non-zero code and message → outcome; `unknown` (with both in the detail) when no rule knows it. */
export function classifyTushareError(error: TushareApiError, now: Date): Classified {
  const detail = error.msg === '' ? String(error.code) : `${error.code} ${error.msg}`;
  const rule = RULES.find((candidate) => candidate.matches(error));
  return rule === undefined ? failed('unknown', detail) : rule.classify(error, detail, now);
}

/**
 * The `data` of a code-0 answer: `fields` and `items` (rows as arrays). An empty result still
 * has both (`items: []`); a code 0 without `data` is not an empty day but a broken answer, and
 * taking it for one would mark the day done with no rows, for good.
 */
function classifyData(data: unknown): Classified {
  if (data === null || data === undefined) return failed('transient', 'code 0 without data');
  if (!isRecord(data) || !Array.isArray(data.fields) || !Array.isArray(data.items)) {
    return failed('transient', 'code 0 without data.fields and data.items');
  }
  const fields: unknown[] = data.fields;
  if (!fields.every((field): field is string => typeof field === 'string')) {
    return failed('transient', 'code 0 with data.fields that are not names');
  }
  if (!rowsFit(data.items, fields.length)) {
    return failed('transient', `code 0 with rows that do not have the ${fields.length} fields`);
  }
  return answered(fields, data.items);
}

function codeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

/** The message: `msg`, or `message` in an older body. */
function messageOf(body: Readonly<Record<string, unknown>>): string {
  if (typeof body.msg === 'string' && body.msg !== '') return body.msg;
  return typeof body.message === 'string' ? body.message : '';
}

/** An answer that is not Tushare's envelope, by HTTP status. */
function classifyOther(answer: HttpAnswer, problem: string, now: Date): Classified {
  const detail = `HTTP ${answer.status}: ${problem}`;
  if (answer.status === 429) {
    const wait = retryAfterMs(answer.headers['retry-after'], now);
    return {
      outcome:
        wait === undefined
          ? { kind: 'too-frequent' }
          : { kind: 'too-frequent', retryAfterMs: wait },
      detail,
    };
  }
  // 5xx, a 2xx body that is not the API's, and the intermittent non-JSON 403 (§1.3) pass.
  if (
    answer.status >= 500 ||
    answer.status === 403 ||
    (answer.status >= 200 && answer.status < 300)
  ) {
    return failed('transient', detail);
  }
  // A 404, 405 or redirect: no such route, the base URL's fault; retrying will not help.
  const { status } = answer;
  if (status === 404 || status === 405 || (status >= 300 && status < 400))
    return refused('address', `${detail} (is baseUrl Tushare's API?)`);
  return failed('unknown', detail);
}

/** One HTTP answer → outcome. The envelope's code wins over the HTTP status when there is one. */
export function classifyTushareAnswer(answer: HttpAnswer, now: Date): Classified {
  const reading = readJsonBody(answer.body);
  if (!reading.ok) return classifyOther(answer, reading.problem, now);
  const body = reading.value;
  const code = isRecord(body) ? codeOf(body.code) : undefined;
  if (!isRecord(body) || code === undefined) {
    return classifyOther(answer, `JSON without a Tushare code: ${snippet(answer.body)}`, now);
  }
  if (code === 0) return classifyData(body.data);
  return classifyTushareError({ code, msg: messageOf(body) }, now);
}
