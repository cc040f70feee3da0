import type { DataSource, LedgerError } from '@dsync/datasource';
import type { Outcome, Suspect } from '../outcome.js';

/**
 * A source whose requests cannot succeed as its definition or its account stand (a wrong
 * base URL, a dataset code that does not exist, a parameter its definition leaves out) is
 * stopped, not left to drop every request: dropped requests would let its cursor pass days
 * that were never fetched. These are the codes it fails with, one per suspect.
 */
export const MISCONFIGURED_CODES = Object.freeze({
  address: 'E_MISCONFIGURED_ADDRESS',
  api: 'E_MISCONFIGURED_API',
  params: 'E_MISCONFIGURED_PARAMS',
  unknown: 'E_MISCONFIGURED',
} satisfies Record<Suspect | 'unknown', string>);

export type Misconfiguration = keyof typeof MISCONFIGURED_CODES;

/** What a run's or a source's failure blames, when the source was misconfigured. */
export function misconfigurationOf(reason: LedgerError | undefined): Misconfiguration | undefined {
  if (reason === undefined) return undefined;
  const entry = Object.entries(MISCONFIGURED_CODES).find(([, code]) => code === reason.code);
  return entry?.[0] as Misconfiguration | undefined;
}

const LIKELY_CAUSE: Readonly<Record<Misconfiguration, (source: DataSource) => string>> = {
  address: (s) =>
    `the ${s.provider} account's base URL is wrong: no request of the account can succeed until it is fixed`,
  api: (s) => `the interface or dataset code ${JSON.stringify(s.api)} is likely wrong`,
  params: () => 'a parameter the definition sends (or leaves out) is likely wrong',
  unknown: (s) =>
    `the definition (api ${JSON.stringify(s.api)}, its params) or the ${s.provider} account's base URL is likely wrong`,
};

/** The error a misconfigured source fails with: what was answered, how often, the likely cause. */
export function misconfigurationError(
  source: DataSource,
  outcome: Extract<Outcome, { kind: 'bad-argument' }>,
  refusals: number,
): LedgerError {
  const kind: Misconfiguration = outcome.suspect ?? 'unknown';
  const how =
    refusals === 1
      ? `its request was refused (${outcome.message})`
      : `its first ${refusals} requests were all refused the same way (${outcome.message})`;
  return {
    code: MISCONFIGURED_CODES[kind],
    message: `${source.id} stopped: ${how}; ${LIKELY_CAUSE[kind](source)}. Nothing was dropped: the next sync after the fix asks again.`,
  };
}

/**
 * A source's first answers, watched for the pattern of a wrong configuration: requests
 * refused the same way one after another before any is answered. The error policy reads the
 * count; the engine holds requests back while the pattern may still form.
 */
export class LeadingDrops {
  #watching = true;
  #reason: string | undefined;
  readonly #keys: string[] = [];
  #refailed = 0;

  /** Whether no request has been answered and every refusal so far said the same. */
  get watching(): boolean {
    return this.#watching;
  }

  /** The requests dropped while watching: refused for the configuration, not for themselves. */
  get keys(): readonly string[] {
    return this.#keys;
  }

  /** Refusals like this one before it, while watching (what `PolicyContext.leadingDrops` says). */
  before(reason: string): number | undefined {
    if (!this.#watching || (this.#reason !== undefined && this.#reason !== reason))
      return undefined;
    return this.#keys.length;
  }

  /**
   * The source turned out misconfigured: the requests dropped while watching are failed with
   * it instead. Returns their keys.
   */
  misconfigured(): readonly string[] {
    const keys = [...this.#keys];
    this.#refailed += keys.length;
    this.#stopWatching();
    return keys;
  }

  /** How many requests counted as dropped were failed by `misconfigured` since. */
  get refailed(): number {
    return this.#refailed;
  }

  /** A request was answered, with rows or without: the configuration works. */
  answered(): void {
    this.#stopWatching();
  }

  /** A request was dropped for `reason`: one more of the pattern, or the end of it. */
  dropped(key: string, reason: string): void {
    if (!this.#watching) return;
    if (this.#reason !== undefined && this.#reason !== reason) return this.#stopWatching();
    this.#reason = reason;
    this.#keys.push(key);
  }

  #stopWatching(): void {
    this.#watching = false;
    this.#keys.length = 0;
  }
}
