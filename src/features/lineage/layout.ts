import type { GraphEdge } from '@contracts/lineage';

export interface LayoutRequest {
  id: number;
  nodes: { id: string; w: number; h: number }[];
  edges: GraphEdge[];
}

export interface LayoutResponse {
  id: number;
  positions: Record<string, { x: number; y: number }>;
  error?: string;
  /** Time ELK took in the worker. */
  ms?: number;
}

/** A layout worker for one page; `dispose()` terminates it (call on unmount). */
export function createLayouter() {
  let worker: Worker | null = null;
  let seq = 0;
  const waiting = new Map<number, (response: LayoutResponse) => void>();

  function ensure(): Worker {
    if (worker) return worker;
    worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<LayoutResponse>) => {
      waiting.get(event.data.id)?.(event.data);
      waiting.delete(event.data.id);
    };
    return worker;
  }

  return {
    /** Starts the worker (and its ELK bundle's parse) early, e.g. while the graph is being fetched. */
    warm() {
      ensure();
    },
    layout(nodes: LayoutRequest['nodes'], edges: GraphEdge[]): Promise<LayoutResponse['positions']> {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        waiting.set(id, (response) => {
          if (response.ms !== undefined)
            performance.measure('lineage:elk', { duration: response.ms, end: performance.now() });
          response.error ? reject(new Error(response.error)) : resolve(response.positions);
        });
        ensure().postMessage({ id, nodes, edges } satisfies LayoutRequest);
      });
    },
    dispose() {
      worker?.terminate();
      worker = null;
      waiting.clear();
    },
  };
}
