import { DsyncError } from '@dsync/datasource';

/**
 * Arg generation cannot start for a source: the reason names what is wrong and what to do.
 * Thrown before the first args value is produced, so nothing is generated from half-valid
 * input.
 */
export class ArgGenerationError extends DsyncError {
  readonly sourceId: string;

  constructor(code: ArgGenerationErrorCode, sourceId: string, reason: string) {
    super(code, `Cannot generate requests for "${sourceId}": ${reason}`);
    this.sourceId = sourceId;
  }
}

export type ArgGenerationErrorCode =
  /** `since` after `until`, a bad date, no start date at all. */
  | 'E_BAD_RANGE'
  /** The stored calendar is missing, or does not cover the range. */
  | 'E_CALENDAR'
  /** A source this one reads (fan-out keys) has nothing stored. */
  | 'E_MISSING_DEPENDENCY'
  /** A date window cannot fit under the per-call row cap. */
  | 'E_WINDOW'
  /** The source has no grid to audit against (no coverage, or a strategy without one). */
  | 'E_AUDIT';
