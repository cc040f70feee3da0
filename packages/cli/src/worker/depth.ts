/**
 * How long a report line or a scrape waits for a queue's depth: a broker out of reach must
 * hold up neither (the task queue tries to reconnect for up to 30 s when asked).
 */
const DEPTH_TIMEOUT_MS = 2_000;

/** The queue's depth, or undefined when the broker does not tell it in time. */
export async function depthWithin(depth: () => Promise<number>): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), DEPTH_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([depth().catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `87 waiting`, or why there is no number. */
export const waitingOf = (depth: number | undefined): string =>
  depth === undefined
    ? 'depth unknown (broker out of reach)'
    : `${depth.toLocaleString('en-US')} waiting`;
