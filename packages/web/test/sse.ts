import type { RunView, ServerEvent } from '../src/index.js';

/** An open /api/events stream read with fetch, message by message. */
export interface EventStream {
  readonly response: Response;
  /** The next message (comments and `retry:` lines skipped). */
  next(): Promise<ServerEvent>;
  /** Messages until one satisfies `until` (included). */
  collect(until: (event: ServerEvent) => boolean): Promise<ServerEvent[]>;
  close(): void;
}

export async function openEvents(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(`${url}/api/events`, { headers, signal: abort.signal });
  if (response.body === null) throw new Error('no body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (): Promise<ServerEvent> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data !== '') return JSON.parse(data) as ServerEvent;
        continue;
      }
      const chunk = await reader.read();
      if (chunk.done) throw new Error('the event stream ended');
      buffer += decoder.decode(chunk.value as Uint8Array, { stream: true });
    }
  };
  return {
    response,
    next,
    async collect(until) {
      const events: ServerEvent[] = [];
      for (;;) {
        const event = await next();
        events.push(event);
        if (until(event)) return events;
      }
    },
    close: () => abort.abort(),
  };
}

/** The run of a `run` message that has ended. */
export const isRunEnd = (event: ServerEvent): boolean =>
  event.type === 'run' && event.run !== null && event.run.status !== 'running';

export const runsOf = (events: readonly ServerEvent[]): RunView[] =>
  events.flatMap((e) => (e.type === 'run' && e.run !== null ? [e.run] : []));
