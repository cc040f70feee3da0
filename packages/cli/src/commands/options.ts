import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../errors.js';

/** `--since`/`--until`: a calendar date, checked here so a typo exits 2 before anything runs. */
export function isoDate(flag: string) {
  return (value: string): string => {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
    const date = m === null ? undefined : `${m[1]}-${m[2]}-${m[3]}`;
    if (
      date === undefined ||
      Number.isNaN(Date.parse(`${date}T00:00:00Z`)) ||
      new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date
    )
      throw new InvalidArgumentError(`${flag} takes a date as YYYY-MM-DD, got "${value}"`);
    return date;
  };
}

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag} takes a whole number ≥ 1, got "${value}"`);
    return n;
  };
}

/** The range flags `sync`, `plan` and `audit` share. */
export function withRange(command: Command): Command {
  return command
    .option(
      '--since <date>',
      'first date to fetch when nothing is stored yet (YYYY-MM-DD)',
      isoDate('--since'),
    )
    .option(
      '--until <date>',
      'last date to fetch (default: the latest published)',
      isoDate('--until'),
    );
}

export interface RangeFlags {
  readonly since?: string;
  readonly until?: string;
}

/**
 * The range as the controller takes it.
 * @throws UsageError naming both flags when --since is after --until (before any source names it)
 */
export function rangeOf(flags: RangeFlags): { since?: string; until?: string } {
  if (flags.since !== undefined && flags.until !== undefined && flags.since > flags.until)
    throw new UsageError(`--since ${flags.since} is after --until ${flags.until}`);
  return {
    ...(flags.since === undefined ? {} : { since: flags.since }),
    ...(flags.until === undefined ? {} : { until: flags.until }),
  };
}
