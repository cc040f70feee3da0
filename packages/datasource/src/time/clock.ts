/**
 * dsync's one clock: milliseconds since the epoch, shaped as `Date.now`. Everything that
 * judges time (what is published and settled, a quota's day, a cool-down, the ledger's
 * times) reads it from the clock it was given, so a test or a simulation moves one clock.
 */
export type Clock = () => number;

/** The system clock, for callers that were given none. */
export const systemClock: Clock = () => Date.now();
