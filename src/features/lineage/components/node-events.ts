/** The node events a graph component passes on to its parent unchanged (GraphNodeView → GraphLayer → GraphCanvas). */
export interface NodeEventEmit {
  (event: 'expand', id: string, direction: 'up' | 'down'): void;
  (event: 'columns', id: string): void;
  (event: 'column', id: string, field: string): void;
}

/** Listeners (`v-on="relay"`) that re-emit a child's node events from the component that owns `emit`. */
export const relayNodeEvents = (emit: NodeEventEmit) => ({
  expand: (id: string, direction: 'up' | 'down') => emit('expand', id, direction),
  columns: (id: string) => emit('columns', id),
  column: (id: string, field: string) => emit('column', id, field),
});
