// The in-memory adjacency index of the current lineage graph: built at start from the current-edge
// table, updated from every stored change. PostgreSQL stays the source of truth; this only answers walks.
import type {
  ChangedNode,
  Direction,
  GraphEdge,
  GraphNode,
  LineageChange,
  LineageGraph,
  NodeKind,
  RunState,
} from './contract.ts';

/** What the index knows of a node: its row id and, for jobs, the latest run's state. */
export interface NodeInfo extends ChangedNode {
  state?: RunState;
  runId?: string;
  stateTime?: string;
  versions?: number;
}

/** A walk's answer, before the route says as of when. */
export type Graph = Omit<LineageGraph, 'asOf'>;

export interface WalkOptions {
  depth: number;
  direction: Direction;
  /** Neighbours listed per node and direction before a "+N more" node stands for the rest. */
  pageSize: number;
  /** Skip this many neighbours of the start node (paging through a wide node). */
  offset?: number;
  /** Stop adding nodes past this many (a screen cannot show more anyway). */
  maxNodes?: number;
}

/** Neighbour lookups, so the same walk runs over the live index or over edges loaded for a past time. */
export interface Adjacency {
  node(id: string): NodeInfo | undefined;
  up(id: string): readonly string[];
  down(id: string): readonly string[];
}

export class GraphIndex implements Adjacency {
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #byDbId = new Map<string, string>();
  readonly #up = new Map<string, Set<string>>();
  readonly #down = new Map<string, Set<string>>();
  readonly #sorted = new Map<string, string[]>();
  #edgeCount = 0;

  get size() {
    return { nodes: this.#nodes.size, edges: this.#edgeCount };
  }

  addNode(node: NodeInfo): void {
    const existing = this.#nodes.get(node.id);
    if (existing) Object.assign(existing, node);
    else this.#nodes.set(node.id, { ...node });
    this.#byDbId.set(`${node.kind}:${node.dbId}`, node.id);
  }

  node(id: string): NodeInfo | undefined {
    return this.#nodes.get(id);
  }

  idOf(kind: NodeKind, dbId: number): string | undefined {
    return this.#byDbId.get(`${kind}:${dbId}`);
  }

  /** `from` is upstream of `to` (dataset -> job for an input, job -> dataset for an output). */
  addEdge(from: string, to: string): void {
    const down = this.#set(this.#down, from);
    if (down.has(to)) return;
    down.add(to);
    this.#set(this.#up, to).add(from);
    this.#sorted.delete(`d${from}`);
    this.#sorted.delete(`u${to}`);
    this.#edgeCount++;
  }

  removeEdge(from: string, to: string): void {
    if (!this.#down.get(from)?.delete(to)) return;
    this.#up.get(to)?.delete(from);
    this.#sorted.delete(`d${from}`);
    this.#sorted.delete(`u${to}`);
    this.#edgeCount--;
  }

  up(id: string): readonly string[] {
    return this.#list('u', this.#up, id);
  }

  down(id: string): readonly string[] {
    return this.#list('d', this.#down, id);
  }

  /** Applies a committed change (from this replica or, through the bus, from another). */
  apply(change: LineageChange): void {
    for (const node of change.nodes) this.addNode(node);
    for (const [from, to] of change.edgesAdded) this.addEdge(from, to);
    for (const [from, to] of change.edgesRemoved) this.removeEdge(from, to);
    for (const run of change.runs) {
      const job = this.#nodes.get(run.job);
      if (!job || run.state === 'NEW') continue;
      if (!job.stateTime || run.at >= job.stateTime)
        Object.assign(job, { state: run.state, runId: run.runId, stateTime: run.at });
    }
    for (const { dataset, count } of change.versions) {
      const node = this.#nodes.get(dataset);
      if (node) node.versions = Math.max(node.versions ?? 0, count);
    }
  }

  /** Jobs and datasets whose name or namespace contains every word of `query`, best matches first. */
  search(query: string, limit: number, kind?: NodeKind): NodeInfo[] {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    const scored: { node: NodeInfo; score: number }[] = [];
    for (const node of this.#nodes.values()) {
      if (kind && node.kind !== kind) continue;
      const name = node.name.toLowerCase();
      const hay = `${name} ${node.namespace.toLowerCase()}`;
      if (!words.every((w) => hay.includes(w))) continue;
      const first = words[0]!;
      const score =
        name === first
          ? 0
          : name.endsWith(first) || name.endsWith(`.${first}`)
            ? 1
            : name.includes(first)
              ? 2
              : 3;
      scored.push({ node, score: score * 10_000 + Math.min(name.length, 9_999) });
    }
    scored.sort((a, b) => a.score - b.score || (a.node.name < b.node.name ? -1 : 1));
    return scored.slice(0, limit).map((s) => s.node);
  }

  /** The `limit` jobs whose latest run changed state last, latest first (one pass, no sort of every job). */
  recentJobs(limit: number): (NodeInfo & { stateTime: string })[] {
    const top: (NodeInfo & { stateTime: string })[] = [];
    for (const node of this.#nodes.values()) {
      if (node.kind !== 'job' || !node.stateTime) continue;
      if (top.length === limit && node.stateTime <= top[limit - 1]!.stateTime) continue;
      const at = top.findIndex((other) => node.stateTime! > other.stateTime);
      top.splice(at < 0 ? top.length : at, 0, node as NodeInfo & { stateTime: string });
      if (top.length > limit) top.pop();
    }
    return top;
  }

  #set(map: Map<string, Set<string>>, id: string): Set<string> {
    let set = map.get(id);
    if (!set) {
      set = new Set();
      map.set(id, set);
    }
    return set;
  }

  #list(prefix: string, map: Map<string, Set<string>>, id: string): readonly string[] {
    const set = map.get(id);
    if (!set || set.size === 0) return [];
    const key = `${prefix}${id}`;
    let sorted = this.#sorted.get(key);
    if (!sorted) {
      sorted = [...set].sort();
      this.#sorted.set(key, sorted);
    }
    return sorted;
  }
}

/**
 * Breadth-first walk from `start`: upstream along `up`, downstream along `down` (never sideways),
 * at most `depth` hops, with wide nodes cut to `pageSize` neighbours plus a "+N more" node.
 */
export function walk(adj: Adjacency, start: string, options: WalkOptions): Graph {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const first = adj.node(start);
  if (!first) return { nodes: [], edges: [] };
  nodes.set(start, toGraphNode(first));
  const maxNodes = options.maxNodes ?? Number.POSITIVE_INFINITY;
  let truncated = false;
  const sides: ('up' | 'down')[] = options.direction === 'both' ? ['up', 'down'] : [options.direction];
  for (const side of sides) {
    const seen = new Set([start]);
    let frontier = [start];
    for (let depth = 0; depth < options.depth && frontier.length; depth++) {
      const next: string[] = [];
      for (const id of frontier) {
        const all = side === 'up' ? adj.up(id) : adj.down(id);
        const offset = id === start ? (options.offset ?? 0) : 0;
        const page = all.slice(offset, offset + options.pageSize);
        for (const other of page) {
          const info = adj.node(other);
          if (!info) continue;
          if (!nodes.has(other)) {
            if (nodes.size >= maxNodes) {
              truncated = true;
              continue;
            }
            nodes.set(other, toGraphNode(info));
          }
          const [source, target] = side === 'up' ? [other, id] : [id, other];
          edges.set(`${source}\u0000${target}`, { source, target });
          if (!seen.has(other)) {
            seen.add(other);
            next.push(other);
          }
        }
        const rest = all.length - offset - page.length;
        if (rest > 0) {
          const moreId = `more:${side}:${id}`;
          nodes.set(moreId, {
            id: moreId,
            kind: 'more',
            namespace: '',
            name: `+${rest} more`,
            more: { of: id, direction: side, count: rest, offset: offset + page.length },
          });
          const [source, target] = side === 'up' ? [moreId, id] : [id, moreId];
          edges.set(`${source}\u0000${target}`, { source, target });
        }
      }
      frontier = next;
    }
  }
  const graph: Graph = { nodes: [...nodes.values()], edges: [...edges.values()] };
  if (truncated) graph.truncated = true;
  return graph;
}

function toGraphNode(info: NodeInfo): GraphNode {
  const node: GraphNode = { id: info.id, kind: info.kind, namespace: info.namespace, name: info.name };
  if (info.state) node.state = info.state;
  if (info.runId) node.runId = info.runId;
  if (info.stateTime) node.stateTime = info.stateTime;
  if (info.versions !== undefined) node.versions = info.versions;
  return node;
}
