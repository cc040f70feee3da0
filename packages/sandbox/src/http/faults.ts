import { seedOf, unit } from '../market/random.js';

/**
 * Faults on demand, the ways real answers go wrong (provider-protocols.md §1.3, §6):
 * - `html-5xx`: a 502 with an HTML page (a proxy or WAF in the way);
 * - `non-json-403`: a 403 whose body is not JSON;
 * - `reset`: the connection is closed without an answer;
 * - `hang`: no answer ever comes (the client's timeout must fire);
 * - `malformed-json`: a 200 whose body is broken JSON;
 * - `truncated-json`: a 200 whose body stops half-way;
 * - `leading-whitespace`: a valid answer with whitespace before the JSON (a client must accept it);
 * - `busy`: the provider's own "server busy" answer.
 */
export const FAULT_KINDS = [
  'html-5xx',
  'non-json-403',
  'reset',
  'hang',
  'malformed-json',
  'truncated-json',
  'leading-whitespace',
  'busy',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultOptions {
  /** The share of requests that fail, 0 to 1. @default 0 */
  readonly rate?: number;
  /** Which faults to draw from, evenly. @default every kind */
  readonly kinds?: readonly FaultKind[];
  /** @default the market's seed */
  readonly seed?: string | number;
}

/**
 * Which request gets which fault: drawn from the seed and the request's sequence number,
 * so the same seed and the same order of requests give the same faults.
 */
export class FaultPlan {
  readonly #rate: number;
  readonly #kinds: readonly FaultKind[];
  readonly #seed: number;
  #sequence = 0;

  constructor(options: FaultOptions, fallbackSeed: string | number) {
    this.#rate = options.rate ?? 0;
    this.#kinds = options.kinds ?? FAULT_KINDS;
    if (!(this.#rate >= 0 && this.#rate <= 1))
      throw new RangeError(`fault rate must be between 0 and 1, got ${this.#rate}`);
    for (const kind of this.#kinds) {
      if (!FAULT_KINDS.includes(kind))
        throw new RangeError(`unknown fault kind "${kind}"; known: ${FAULT_KINDS.join(', ')}`);
    }
    this.#seed = seedOf(options.seed ?? fallbackSeed);
  }

  /** The fault for the next request, if it gets one. */
  next(): FaultKind | undefined {
    const n = this.#sequence++;
    if (this.#rate === 0 || this.#kinds.length === 0 || unit(this.#seed, 'fault?', n) >= this.#rate)
      return undefined;
    return this.#kinds[Math.floor(unit(this.#seed, 'fault', n) * this.#kinds.length)];
  }
}
