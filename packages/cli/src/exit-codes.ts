/** What `dsync` exit codes mean; printed in `--help` and kept stable for scripts. */
export const EXIT_CODES = Object.freeze({
  /** Done. */
  ok: 0,
  /** Any other error. */
  failure: 1,
  /** Bad usage: an unknown command or flag, a bad argument. */
  usage: 2,
  /** Stopped at a limit (daily quota, a cool-down past the maximum wait); a later run resumes. */
  stoppedAtLimit: 3,
});

export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  error
  2  bad usage (unknown command or flag, bad argument)
  3  stopped at a limit; run again later to resume`;
