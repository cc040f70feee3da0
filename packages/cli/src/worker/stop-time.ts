/**
 * How long a worker takes, at most, from SIGTERM (or Ctrl-C) to its exit: what
 * docs/deployment.md promises and its systemd units' `TimeoutStopSec=30` allows. Within it,
 * the work in hand is cut off and handed back to the queue (requests in flight aborted), the
 * connections close, and the process exits even if one of them hangs.
 */
export const WORKER_STOP_MS = 30_000;

/**
 * What the work in hand gets of the stop time: a storing worker's writes in progress, a fetch
 * worker's rows being sent; whatever is still in hand after it is handed back. The rest of the
 * stop time is for closing the connections.
 */
export const WORKER_HANDOVER_MS = WORKER_STOP_MS / 2;

/**
 * How long before the stop time the process exits whatever still hangs: systemd kills it at
 * 30 s, and a loaded machine fires a timer late.
 */
const EXIT_MARGIN_MS = 2_500;

/**
 * Arms the last resort of a stop: at the stop time, less a margin, `exit` is called if the
 * process is still there (a connection that does not close, a socket nobody ends). The timer
 * does not keep the process alive: a stop that ends in time exits on its own before it.
 * @param onExpiry told just before, to say why
 */
export function armStopDeadline(exit: () => void, onExpiry: () => void): void {
  const timer = setTimeout(() => {
    onExpiry();
    exit();
  }, WORKER_STOP_MS - EXIT_MARGIN_MS);
  timer.unref();
}
