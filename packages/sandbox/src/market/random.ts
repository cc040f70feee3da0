/**
 * Stateless randomness: every value is a hash of the seed and the value's coordinates
 * (symbol, date, field), so any row can be recomputed alone, in any order, without
 * holding the market in memory.
 */

/**
 * 32-bit multiply. Not `Math.imul`: under jest's vm contexts that builtin runs ~15x slower
 * (measured), and these hashes run a dozen times per generated row.
 */
const mul32 = (a: number, b: number): number =>
  ((((a >>> 16) * b) & 0xffff) * 65536 + (a & 0xffff) * b) >>> 0;

/** FNV-1a over a string, 32 bits. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = mul32(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's finaliser: spreads every input bit over the output. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = mul32(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = mul32(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export type Coordinate = string | number;

/** A seed turned into a number once. */
export const seedOf = (seed: Coordinate): number =>
  typeof seed === 'number' ? seed >>> 0 : fnv1a(seed);

/** A uniform number in [0, 1) fixed by the seed and the coordinates. */
export function unit(seed: number, ...coordinates: Coordinate[]): number {
  let h = mix(seed ^ 0x9e3779b9);
  for (const c of coordinates)
    h = mix(h ^ (typeof c === 'number' ? mix(c >>> 0) ^ Math.floor(c / 2 ** 32) : fnv1a(c)));
  return h / 2 ** 32;
}

/** An integer in [min, max] fixed by the seed and the coordinates. */
export const intBetween = (
  seed: number,
  min: number,
  max: number,
  ...coordinates: Coordinate[]
): number => min + Math.floor(unit(seed, ...coordinates) * (max - min + 1));

/** Picks one item of a list, fixed by the seed and the coordinates. */
export const pick = <T>(seed: number, items: readonly T[], ...coordinates: Coordinate[]): T =>
  items[Math.floor(unit(seed, ...coordinates) * items.length)] as T;

/** Rounds to `places` decimals, the way the APIs print prices and amounts. */
export const round = (value: number, places: number): number => {
  const f = 10 ** places;
  return Math.round(value * f) / f;
};
