import type { LiveMessage } from '../contract.ts';

/** One live change, published by a capability and delivered to browsers that subscribed to its topic. */
export interface LiveEvent<T = unknown> extends LiveMessage<T> {
  /** Only users holding one of these roles receive the event (admins always do); absent means everyone. */
  roles?: string[];
  /** For the replicas only (a cache to drop, say): never sent to browsers. */
  internal?: boolean;
}

export type LiveListener = (event: LiveEvent) => void;

/**
 * In-process fan-out today; a Postgres LISTEN/NOTIFY implementation of the same interface carries events
 * across replicas later, so publishers and the SSE hub never change.
 */
export interface EventBus {
  publish(event: LiveEvent): void;
  subscribe(listener: LiveListener): () => void;
  close(): Promise<void>;
}

export function createMemoryBus(onListenerError: (error: unknown) => void = () => {}): EventBus {
  const listeners = new Set<LiveListener>();
  return {
    publish(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
}
