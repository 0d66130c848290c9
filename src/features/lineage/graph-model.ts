// The graph on screen: nodes with positions, edges, column expansion. Pure TypeScript (no Vue), so
// merging a fetched walk or a live change is testable; the page wraps it in a shallowRef.
import type { GraphEdge, GraphNode, LineageGraph, RunState } from '@contracts/lineage';

export const NODE_WIDTH = 232;
export const NODE_HEIGHT = 48;
export const FIELD_HEIGHT = 22;
export const LAYER_GAP = 72;
export const NODE_GAP = 18;

export interface ViewNode extends GraphNode {
  x: number;
  y: number;
  w: number;
  h: number;
  /** Field names shown when the dataset's columns are expanded. */
  fields?: string[];
  /** Until when (ms epoch) the node is highlighted as new or changed. */
  flashUntil?: number;
}

export interface Positions {
  [id: string]: { x: number; y: number };
}

const edgeKey = (e: GraphEdge) => `${e.source}\u0000${e.target}`;

export class GraphModel {
  nodes = new Map<string, ViewNode>();
  edges = new Map<string, GraphEdge>();

  get nodeList(): ViewNode[] {
    return [...this.nodes.values()];
  }

  get edgeList(): GraphEdge[] {
    return [...this.edges.values()];
  }

  /** Replaces everything with a fetched graph; positions come later from the layout. */
  reset(graph: LineageGraph): void {
    this.nodes = new Map(graph.nodes.map((n) => [n.id, { ...n, x: 0, y: 0, w: NODE_WIDTH, h: NODE_HEIGHT }]));
    this.edges = new Map(
      graph.edges
        .filter((e) => this.nodes.has(e.source) && this.nodes.has(e.target))
        .map((e) => [edgeKey(e), e]),
    );
  }

  applyLayout(positions: Positions): void {
    for (const [id, p] of Object.entries(positions)) {
      const node = this.nodes.get(id);
      if (node) this.nodes.set(id, { ...node, x: p.x, y: p.y });
    }
  }

  /**
   * Adds what `graph` has and the screen lacks, keeping every existing position; new nodes go
   * beside a neighbour already placed (right of it when downstream, left when upstream).
   * With `replace`, nodes and edges absent from `graph` are removed (time travel).
   * Returns the ids of added nodes.
   */
  merge(graph: LineageGraph, options: { replace?: boolean; flashMs?: number; now?: number } = {}): string[] {
    const now = options.now ?? Date.now();
    const incoming = new Map(graph.nodes.map((n) => [n.id, n]));
    if (options.replace) {
      for (const id of [...this.nodes.keys()]) if (!incoming.has(id)) this.nodes.delete(id);
      this.edges.clear();
    }
    for (const node of graph.nodes) {
      const existing = this.nodes.get(node.id);
      if (!existing) continue;
      // A walk fetched before a live change arrived must not undo it (unless the time itself moved).
      const stale =
        !options.replace && existing.stateTime && (!node.stateTime || node.stateTime < existing.stateTime);
      const state = stale
        ? { state: existing.state, runId: existing.runId, stateTime: existing.stateTime }
        : { state: node.state, runId: node.runId, stateTime: node.stateTime };
      const versions = options.replace ? node.versions : Math.max(existing.versions ?? 0, node.versions ?? 0);
      this.nodes.set(node.id, { ...existing, ...node, ...state, versions });
    }
    const added: string[] = [];
    const pending = graph.nodes.filter((n) => !this.nodes.has(n.id));
    // Place in waves: a node whose neighbour is placed goes next to it.
    for (let guard = 0; pending.length && guard < 50; guard++) {
      for (let i = pending.length - 1; i >= 0; i--) {
        const node = pending[i]!;
        const anchor = this.#anchorOf(node.id, graph.edges);
        if (!anchor && this.nodes.size > 0) continue;
        const x = anchor
          ? anchor.side === 'down'
            ? anchor.node.x + anchor.node.w + LAYER_GAP
            : anchor.node.x - NODE_WIDTH - LAYER_GAP
          : 0;
        const y = this.#freeY(x, anchor?.node.y ?? 0, NODE_HEIGHT);
        const flash = options.flashMs ? { flashUntil: now + options.flashMs } : {};
        this.nodes.set(node.id, { ...node, x, y, w: NODE_WIDTH, h: NODE_HEIGHT, ...flash });
        added.push(node.id);
        pending.splice(i, 1);
      }
    }
    for (const node of pending) {
      const y = this.#freeY(0, 0, NODE_HEIGHT);
      this.nodes.set(node.id, { ...node, x: 0, y, w: NODE_WIDTH, h: NODE_HEIGHT });
      added.push(node.id);
    }
    for (const edge of graph.edges)
      if (this.nodes.has(edge.source) && this.nodes.has(edge.target)) this.edges.set(edgeKey(edge), edge);
    return added;
  }

  removeEdge(source: string, target: string): void {
    this.edges.delete(edgeKey({ source, target }));
  }

  removeNode(id: string): void {
    this.nodes.delete(id);
    for (const [key, edge] of this.edges)
      if (edge.source === id || edge.target === id) this.edges.delete(key);
  }

  setState(jobId: string, state: RunState, runId: string, at: string, flashUntil?: number): boolean {
    const node = this.nodes.get(jobId);
    if (!node || (node.stateTime && at < node.stateTime)) return false;
    this.nodes.set(jobId, {
      ...node,
      state,
      runId,
      stateTime: at,
      flashUntil: flashUntil ?? node.flashUntil,
    });
    return true;
  }

  setVersions(datasetId: string, versions: number, flashUntil?: number): boolean {
    const node = this.nodes.get(datasetId);
    if (!node) return false;
    this.nodes.set(datasetId, {
      ...node,
      versions: Math.max(node.versions ?? 0, versions),
      flashUntil: flashUntil ?? node.flashUntil,
    });
    return true;
  }

  /** Ends highlights whose time is over; true when any ended. */
  clearFlashes(now: number): boolean {
    let changed = false;
    for (const node of this.nodes.values()) {
      if (node.flashUntil && node.flashUntil <= now) {
        this.nodes.set(node.id, { ...node, flashUntil: undefined });
        changed = true;
      }
    }
    return changed;
  }

  moveNode(id: string, x: number, y: number): void {
    const node = this.nodes.get(id);
    if (node) this.nodes.set(id, { ...node, x, y });
  }

  /** Shows or hides a dataset's columns; nodes below it in its column move to make room. */
  setFields(id: string, fields: string[] | undefined): void {
    const node = this.nodes.get(id);
    if (!node) return;
    const h = fields?.length ? NODE_HEIGHT + FIELD_HEIGHT * fields.length + 6 : NODE_HEIGHT;
    const delta = h - node.h;
    this.nodes.set(id, { ...node, fields: fields?.length ? fields : undefined, h });
    if (delta === 0) return;
    for (const other of this.nodes.values()) {
      if (other.id !== id && other.y > node.y && Math.abs(other.x - node.x) < NODE_WIDTH)
        this.nodes.set(other.id, { ...other, y: other.y + delta });
    }
  }

  upstreamOf(id: string): string[] {
    return this.edgeList.filter((e) => e.target === id).map((e) => e.source);
  }

  downstreamOf(id: string): string[] {
    return this.edgeList.filter((e) => e.source === id).map((e) => e.target);
  }

  /** The node above or below `id` in roughly the same column, for keyboard navigation. */
  verticalNeighbour(id: string, step: 1 | -1): string | null {
    const node = this.nodes.get(id);
    if (!node) return null;
    const column = this.nodeList
      .filter((n) => Math.abs(n.x - node.x) < NODE_WIDTH / 2)
      .sort((a, b) => a.y - b.y);
    const at = column.findIndex((n) => n.id === id);
    return column[at + step]?.id ?? null;
  }

  bounds(): { x: number; y: number; w: number; h: number } {
    if (this.nodes.size === 0) return { x: 0, y: 0, w: 800, h: 400 };
    let minX = Number.POSITIVE_INFINITY;
    let minY = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    for (const n of this.nodes.values()) {
      minX = Math.min(minX, n.x);
      minY = Math.min(minY, n.y);
      maxX = Math.max(maxX, n.x + n.w);
      maxY = Math.max(maxY, n.y + n.h);
    }
    return { x: minX, y: minY, w: maxX - minX, h: maxY - minY };
  }

  #anchorOf(id: string, edges: GraphEdge[]): { node: ViewNode; side: 'up' | 'down' } | null {
    for (const e of edges) {
      if (e.target === id && this.nodes.has(e.source))
        return { node: this.nodes.get(e.source)!, side: 'down' };
      if (e.source === id && this.nodes.has(e.target)) return { node: this.nodes.get(e.target)!, side: 'up' };
    }
    return null;
  }

  /** The first y at or below `y` where a node at `x` overlaps nothing. */
  #freeY(x: number, y: number, h: number): number {
    const overlapping = (top: number) =>
      this.nodeList.find(
        (n) =>
          n.x < x + NODE_WIDTH && n.x + n.w > x && n.y < top + h + NODE_GAP && n.y + n.h + NODE_GAP > top,
      );
    let top = y;
    for (let hit = overlapping(top); hit; hit = overlapping(top)) top = hit.y + hit.h + NODE_GAP;
    return top;
  }
}
