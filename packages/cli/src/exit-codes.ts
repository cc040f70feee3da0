/** What `dsync` exit codes mean; printed in `--help` and kept stable for scripts. */
export const EXIT_CODES = Object.freeze({
  /** Done; for daemon, worker, sandbox and serve, which run until stopped, also stopped by Ctrl-C. */
  ok: 0,
  /** Any other error, an API or a database that does not answer included. */
  failure: 1,
  /**
   * Bad usage or configuration: an unknown command or flag, a bad argument, a broken config
   * file, a source whose requests the API refuses as misconfigured (a wrong base URL or code).
   */
  usage: 2,
  /** Stopped at a limit (daily quota, a cool-down past the maximum wait); a later run resumes. */
  stoppedAtLimit: 3,
  /**
   * Distributed mode: fetched, but the batches were not stored in time (no storing worker, or
   * one stuck); the cursors stay, and a later sync moves them once the batches are stored.
   */
  notStored: 4,
  /** A sync or the demo interrupted (Ctrl-C, SIGTERM) after checkpointing; a later run resumes. */
  interrupted: 130,
});

/**
 * When a run's sources end differently, the exit code is the first of these any of them has:
 * what a person must do something about (a Ctrl-C, then the config) before what waits.
 */
export const EXIT_PRECEDENCE: readonly number[] = Object.freeze([
  EXIT_CODES.interrupted,
  EXIT_CODES.usage,
  EXIT_CODES.failure,
  EXIT_CODES.notStored,
  EXIT_CODES.stoppedAtLimit,
  EXIT_CODES.ok,
]);

export const EXIT_CODES_HELP = `
Exit codes:
  0    done (daemon, worker, sandbox and serve: stopped with Ctrl-C)
  1    error (an API, a database or a broker out of reach; an answer dsync cannot use)
  2    bad usage or config (unknown command, flag or source id; a broken config file; a missing
       token; a source the API refuses as misconfigured: a wrong baseUrl, dataset or api code)
  3    stopped at a limit (daily quota, a long cool-down); run again later to resume
  4    distributed mode: fetched, but not stored within --store-timeout (no dsync worker took
       the batches); start one, then run again to move the cursors
  130  a sync interrupted (Ctrl-C); what was fetched is stored, run again to resume

A sync runs its sources side by side; each source that does not finish stops alone (and what
reads it). When they end differently, the exit code is the first that applies of:
130, 2, 1, 4, 3, 0.`;
