import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counters } from '../http/counters.js';
import { FaultPlan } from '../http/faults.js';
import { answerWithFault, listen, readBody, send } from '../http/server.js';
import { marketOf, type Sandbox, type SandboxOptions } from '../options.js';
import { CODES, failure, MESSAGES, success } from './answers.js';
import { TushareLimits, type LimitHit, type TushareLimitOptions } from './limits.js';
import { BadParamError, MissingParamError, Params } from './params.js';
import { TUSHARE_TABLES, type TushareTable } from './tables.js';
import { mayCall, TUSHARE_TIERS, type TushareTier, type TushareTierName } from './tiers.js';

export interface TushareAccount {
  readonly token: string;
  /** How the account shows in counters and logs; never the token. @default "account-N" */
  readonly label?: string;
  /** A tier by its points, or limits of its own. @default "2000" */
  readonly tier?: TushareTierName | TushareTier;
}

export interface TushareSandboxOptions extends SandboxOptions, TushareLimitOptions {
  /** @default one account, token "sandbox-tushare-token", label "default", tier "2000" */
  readonly accounts?: readonly TushareAccount[];
  /**
   * The per-minute message: `newer` (`…频率超限(N次/分钟)…`), `older` (`…每分钟最多访问该接口N次…`),
   * or `alternate` (each throttled answer takes the other one). @default "newer"
   */
  readonly rateLimitWording?: 'newer' | 'older' | 'alternate';
  /** The code of an unknown interface; sources disagree. @default 40101 */
  readonly unknownApiCode?: number;
  /** The code of a missing required parameter; sources disagree (50101, 40002). @default 50101 */
  readonly missingParamCode?: number;
  /** Whether `has_more` tells the truth; the real service was seen answering false on a cut page. @default false */
  readonly truthfulHasMore?: boolean;
}

export interface TushareSandbox extends Sandbox {
  /** The first account's token, for a client to use. */
  readonly token: string;
}

export const DEFAULT_TUSHARE_TOKEN = 'sandbox-tushare-token';

interface ResolvedAccount {
  readonly label: string;
  readonly tier: TushareTier;
}

interface TushareRequest {
  readonly api_name?: unknown;
  readonly token?: unknown;
  readonly params?: unknown;
  readonly fields?: unknown;
}

/** The requested fields (a comma string or a list) that the interface has, in the interface's order; all when none. */
function chooseFields(table: TushareTable, fields: unknown): readonly string[] {
  const asked = Array.isArray(fields)
    ? fields.map(String)
    : typeof fields === 'string'
      ? fields.split(',')
      : [];
  const wanted = new Set(asked.map((f) => f.trim()).filter((f) => f !== ''));
  return wanted.size === 0 ? table.fields : table.fields.filter((f) => wanted.has(f));
}

/** Starts the Tushare Pro replica: POST JSON on `/` and on `/dataapi/{api_name}`. */
export async function startTushareSandbox(
  options: TushareSandboxOptions = {},
): Promise<TushareSandbox> {
  const market = marketOf(options.market);
  const accounts = new Map<string, ResolvedAccount>(
    (options.accounts ?? [{ token: DEFAULT_TUSHARE_TOKEN, label: 'default' }]).map((a, i) => [
      a.token,
      {
        label: a.label ?? `account-${i + 1}`,
        tier: typeof a.tier === 'object' ? a.tier : TUSHARE_TIERS[a.tier ?? '2000'],
      },
    ]),
  );
  const limits = new TushareLimits(options);
  const faults = new FaultPlan(options.faults ?? {}, market.options.seed);
  const counters = new Counters();
  const now = options.now ?? Date.now;
  let throttles = 0;

  const throttleMessage = (api: string, hit: LimitHit): string => {
    if (hit.window === 'day') return MESSAGES.perDay(hit.limit);
    if (hit.window === 'hour') return MESSAGES.perHour(hit.limit);
    const wording = options.rateLimitWording ?? 'newer';
    const older = wording === 'older' || (wording === 'alternate' && throttles++ % 2 === 1);
    return older ? MESSAGES.perMinuteOlder(hit.limit) : MESSAGES.perMinuteNewer(api, hit.limit);
  };

  /** The answer to one call, and how it counts. */
  const answer = (
    body: TushareRequest,
    pathApi: string | undefined,
  ): {
    text: string;
    outcome: 'served' | 'throttled' | 'rejected';
    account: string;
    api: string;
  } => {
    const api =
      typeof body.api_name === 'string' && body.api_name !== '' ? body.api_name : (pathApi ?? '');
    const account = typeof body.token === 'string' ? accounts.get(body.token) : undefined;
    if (account === undefined)
      return {
        text: failure(CODES.badToken, MESSAGES.badToken),
        outcome: 'rejected',
        account: 'unknown',
        api,
      };
    const reject = (code: number, msg: string) => ({
      text: failure(code, msg),
      outcome: 'rejected' as const,
      account: account.label,
      api,
    });
    const table = TUSHARE_TABLES.get(api);
    if (table === undefined)
      return reject(options.unknownApiCode ?? CODES.unknownApi, MESSAGES.unknownApi);
    if (!mayCall(account.tier, api))
      return reject(CODES.limitOrPermission, MESSAGES.permission(api));
    // One instant per call: the limits count it, and the data served is the data out by then.
    const at = now();
    const hit = limits.take(account.label, account.tier, api, at);
    if (hit !== undefined) {
      return {
        text: failure(CODES.limitOrPermission, throttleMessage(api, hit)),
        outcome: 'throttled',
        account: account.label,
        api,
      };
    }
    const params = new Params(
      typeof body.params === 'object' && body.params !== null
        ? (body.params as Record<string, unknown>)
        : {},
    );
    try {
      for (const name of table.required) params.required(name);
      const fields = chooseFields(table, body.fields);
      const limit = Math.min(params.count('limit') ?? table.rowCap, table.rowCap);
      const offset = params.count('offset') ?? 0;
      const items: unknown[][] = [];
      let seen = 0;
      let more = false;
      for (const row of table.rows(market, params, at)) {
        if (seen++ < offset) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(fields.map((f) => row[f] ?? null));
      }
      const hasMore = (options.truthfulHasMore ?? false) && more;
      return {
        text: success({ fields, items, has_more: hasMore, count: 0 }),
        outcome: 'served',
        account: account.label,
        api,
      };
    } catch (error) {
      if (error instanceof MissingParamError)
        return reject(options.missingParamCode ?? CODES.missingParam, error.message);
      if (error instanceof BadParamError) return reject(CODES.badRequest, error.message);
      throw error;
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const match = /^\/(?:dataapi(?:\/([A-Za-z0-9_]+))?\/?)?$/.exec(path);
    if (match === null) return send(response, 404, 'text/plain', 'Not Found');
    if (request.method !== 'POST') return send(response, 405, 'text/plain', 'Method Not Allowed');
    const raw = await readBody(request);
    let body: TushareRequest;
    try {
      body = JSON.parse(raw) as TushareRequest;
    } catch {
      counters.record('rejected', 'unknown', match[1] ?? '');
      return send(response, 200, 'application/json', failure(CODES.badRequest, MESSAGES.badJson));
    }
    const result = answer(body, match[1]);
    // A fault spoils the delivery of the real answer (the call itself was made and counted).
    const fault = faults.next();
    counters.record(fault === undefined ? result.outcome : 'faulted', result.account, result.api);
    if (fault === 'busy')
      return send(response, 200, 'application/json', failure(CODES.busy, MESSAGES.busy));
    if (fault !== undefined) return void answerWithFault(fault, request, response, result.text);
    send(response, 200, 'application/json', result.text);
  };

  const server = await listen(handle, options);
  return {
    url: server.url,
    baseUrl: server.url,
    market,
    token: options.accounts?.[0]?.token ?? DEFAULT_TUSHARE_TOKEN,
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    close: () => server.close(),
  };
}
