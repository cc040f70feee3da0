/**
 * A minimal typed event emitter: listeners that throw are ignored, never break delivery. Used
 * by the adapters' and the shared limits' connection events (`disconnected`, `reconnected`).
 */
export interface Emitter<Events extends { [E in keyof Events]: unknown[] }> {
  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): () => void;
  emit<E extends keyof Events>(event: E, ...args: Events[E]): void;
}

export function createEmitter<
  Events extends { [E in keyof Events]: unknown[] },
>(): Emitter<Events> {
  // Keyed by event, so each set only ever holds listeners of that event's signature.
  const listeners = new Map<keyof Events, Set<unknown>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (set === undefined) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => void set.delete(listener);
    },
    emit(event, ...args) {
      for (const listener of listeners.get(event) ?? []) {
        try {
          (listener as (...a: typeof args) => void)(...args);
        } catch {
          // a listener's bug must not stop acking or reconnecting
        }
      }
    },
  };
}
