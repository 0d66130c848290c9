import { randomUUID } from 'node:crypto';
import type { Db } from '../../platform/db/pool.ts';
import { notFound } from '../../platform/errors.ts';
import type { EventBus } from '../../platform/events/bus.ts';
import type { Logger } from '../../platform/log.ts';
import {
  type ColumnGraph,
  type EventResult,
  type GraphQuery,
  type IngestResult,
  LINEAGE_TOPIC,
  type LineageChange,
  type LineageGraph,
  type LineageLiveEvent,
  type NodeDetail,
  type NodeKind,
  type RecentJob,
  type SearchResult,
  type TimeRange,
} from './contract.ts';
import { type Keyed, keyOf } from './derive.ts';
import { validateEvent } from './event-schema.ts';
import { GraphIndex, walk } from './graph-index.ts';
import { columnLineage, datasetDetail, jobDetail, loadIndex, pastAdjacency } from './queries.ts';
import { storeBatch } from './store.ts';

/** Changes bigger than this reach browsers as a "refetch" hint instead of in full. */
const LIVE_DETAIL_LIMIT = 500;

/** Events stored per transaction at most when requests are grouped. */
const GROUP_COMMIT_EVENTS = 5_000;
/** Transactions writing at once: PostgreSQL runs each on one core, Node prepares the next meanwhile. */
const WRITERS = 2;

/** The writer of an event: by job for run and job events, by dataset for dataset events. */
function writerOf(event: Keyed): number {
  const { parsed } = event;
  const node = parsed.kind === 'dataset' ? parsed.event.dataset : parsed.event.job;
  let h = 0;
  for (let i = 0; i < node.name.length; i++) h = (h * 31 + node.name.charCodeAt(i)) | 0;
  for (let i = 0; i < node.namespace.length; i++) h = (h * 31 + node.namespace.charCodeAt(i)) | 0;
  return (h >>> 0) % WRITERS;
}

interface PendingWrite {
  events: Keyed[];
  resolve: (stored: boolean[]) => void;
  reject: (error: unknown) => void;
}

export type { EventResult, IngestResult };

export interface LineageQuery extends GraphQuery {
  maxNodes: number;
}

export class LineageService {
  index = new GraphIndex();
  /** Tells this replica's own changes apart on a bus shared by replicas. */
  readonly #origin = randomUUID();
  #reload: NodeJS.Timeout | undefined;
  readonly #db: Db;
  readonly #bus: EventBus;
  readonly #log: Logger;
  readonly #queues: PendingWrite[][] = Array.from({ length: WRITERS }, () => []);
  readonly #busy: boolean[] = Array.from({ length: WRITERS }, () => false);
  #storedHere = 0;
  #nextAnalyze = 1_000;

  constructor(db: Db, bus: EventBus, log: Logger) {
    this.#db = db;
    this.#bus = bus;
    this.#log = log;
  }

  async start(): Promise<void> {
    const started = performance.now();
    await loadIndex(this.#db, this.index);
    this.#log.info(
      { ...this.index.size, ms: Math.round(performance.now() - started) },
      'lineage index loaded',
    );
    // Changes stored by other replicas (when the bus spans replicas) keep this index current too.
    this.#bus.subscribe((event) => {
      if (event.topic !== LINEAGE_TOPIC) return;
      const lineage = event as LineageLiveEvent;
      if (!lineage.data.origin || lineage.data.origin === this.#origin) return;
      if (lineage.type === 'change') this.index.apply(lineage.data);
      else this.#reloadSoon();
    });
  }

  /** Rebuilds the index from PostgreSQL after a change too big to travel on the bus. */
  #reloadSoon() {
    if (this.#reload) return;
    this.#reload = setTimeout(async () => {
      this.#reload = undefined;
      const fresh = new GraphIndex();
      try {
        await loadIndex(this.#db, fresh);
        this.index = fresh;
      } catch (error) {
        this.#log.error({ err: error }, 'reloading the lineage index failed');
      }
    }, 1_000);
    this.#reload.unref();
  }

  /** Validates every event, stores the valid ones in one transaction, and returns per-event results. */
  async ingest(bodies: unknown[], source: string): Promise<IngestResult> {
    const results: EventResult[] = [];
    const valid: { index: number; keyed: Keyed }[] = [];
    bodies.forEach((body, index) => {
      const check = validateEvent(body);
      if (!check.ok) results[index] = { index, status: 'rejected', problems: check.problems };
      else valid.push({ index, keyed: keyOf({ parsed: check.parsed, raw: body, source }) });
    });
    const stored = valid.length ? await this.#write(valid.map((v) => v.keyed)) : [];
    valid.forEach(({ index }, i) => {
      results[index] = { index, status: stored[i] ? 'stored' : 'duplicate' };
    });
    const count = (status: EventResult['status']) => results.filter((r) => r.status === status).length;
    return { stored: count('stored'), duplicates: count('duplicate'), rejected: count('rejected'), results };
  }

  /**
   * Group commit per writer: requests that arrive while a writer's transaction runs are stored
   * together in its next one, and each is answered only after its commit. Events are routed to a
   * writer by their job (or dataset), so concurrent transactions touch different job, run and output
   * rows and do not queue on each other's row locks. Resolves, per event, whether this call stored it
   * (false: it was already stored, a duplicate).
   */
  async #write(events: Keyed[]): Promise<boolean[]> {
    const parts = Array.from({ length: WRITERS }, () => ({ events: [] as Keyed[], at: [] as number[] }));
    events.forEach((event, i) => {
      const part = parts[writerOf(event)]!;
      part.events.push(event);
      part.at.push(i);
    });
    const stored: boolean[] = [];
    await Promise.all(
      parts.map(async (part, writer) => {
        if (!part.events.length) return;
        const answers = await new Promise<boolean[]>((resolve, reject) => {
          this.#queues[writer]!.push({ events: part.events, resolve, reject });
          this.#drain(writer);
        });
        answers.forEach((answer, j) => {
          stored[part.at[j]!] = answer;
        });
      }),
    );
    return stored;
  }

  #drain(writer: number): void {
    const queue = this.#queues[writer]!;
    if (this.#busy[writer] || !queue.length) return;
    const group = [queue.shift()!];
    let size = group[0]!.events.length;
    while (queue.length && size + queue[0]!.events.length <= GROUP_COMMIT_EVENTS) {
      const next = queue.shift()!;
      size += next.events.length;
      group.push(next);
    }
    this.#busy[writer] = true;
    void this.#commit(group).finally(() => {
      this.#busy[writer] = false;
      this.#drain(writer);
    });
  }

  async #commit(group: PendingWrite[]): Promise<void> {
    let result: Awaited<ReturnType<typeof storeBatch>>;
    try {
      result = await storeBatch(
        this.#db,
        group.flatMap((g) => g.events),
      );
    } catch (error) {
      // One request's data must not fail the others: retry them one by one.
      if (group.length > 1) {
        for (const one of group) await this.#commit([one]);
        return;
      }
      group[0]!.reject(error);
      return;
    }
    const claimed = new Set<string>();
    for (const pending of group) {
      pending.resolve(
        pending.events.map((e) => {
          const first = result.stored.has(e.dedupKey) && !claimed.has(e.dedupKey);
          if (first) claimed.add(e.dedupKey);
          return first;
        }),
      );
    }
    try {
      if (claimed.size) this.#publish(result.change);
    } catch (error) {
      // Stored and answered already: a failure here must not become an unhandled rejection (which
      // ends the process). The index is rebuilt from what was committed.
      this.#log.error({ err: error }, 'publishing a stored lineage change failed; reloading the index');
      this.#reloadSoon();
    }
    this.#analyzeWhenGrown(claimed.size);
  }

  /**
   * ANALYZE the derived tables each time this process has doubled what it stored (1k, 2k, 4k...
   * events): statistics of fast-growing tables otherwise lag and plans degrade badly.
   */
  #analyzeWhenGrown(stored: number) {
    this.#storedHere += stored;
    if (this.#storedHere < this.#nextAnalyze) return;
    this.#nextAnalyze *= 2;
    this.#db
      .query(
        'ANALYZE lineage_edges, lineage_run_io, lineage_column_edges, lineage_datasets, lineage_jobs, lineage_runs, lineage_dataset_versions',
      )
      .catch((error) => this.#log.warn({ err: error }, 'ANALYZE of lineage tables failed'));
  }

  #publish(change: LineageChange) {
    this.index.apply(change);
    const size =
      change.runs.length + change.edgesAdded.length + change.edgesRemoved.length + change.nodes.length;
    const event: LineageLiveEvent =
      size > LIVE_DETAIL_LIMIT
        ? {
            topic: LINEAGE_TOPIC,
            type: 'bulk',
            data: { origin: this.#origin, runs: change.runs.length, nodes: change.nodes.length },
          }
        : { topic: LINEAGE_TOPIC, type: 'change', data: { ...change, origin: this.#origin } };
    this.#bus.publish(event);
  }

  async lineage(query: LineageQuery): Promise<LineageGraph> {
    if (!this.index.node(query.nodeId)) throw notFound(`No lineage node ${query.nodeId}`);
    const options = {
      depth: query.depth,
      direction: query.direction,
      pageSize: query.pageSize,
      offset: query.offset,
      maxNodes: query.maxNodes,
    };
    if (!query.asOf) return { ...walk(this.index, query.nodeId, options), asOf: null };
    const sides: ('up' | 'down')[] = query.direction === 'both' ? ['up', 'down'] : [query.direction];
    const past = await pastAdjacency(
      this.#db,
      this.index,
      query.nodeId,
      query.depth,
      sides,
      query.asOf,
      query.maxNodes,
    );
    return { ...walk(past, query.nodeId, options), asOf: query.asOf.toISOString() };
  }

  async columns(nodeId: string, field: string, depth: number, asOf: Date | null): Promise<ColumnGraph> {
    const node = this.index.node(nodeId);
    if (node?.kind !== 'dataset') throw notFound(`No dataset ${nodeId}`);
    return columnLineage(this.#db, this.index, node, field, depth, asOf);
  }

  search(query: string, limit: number, kind?: NodeKind): SearchResult[] {
    return this.index
      .search(query, limit, kind)
      .map(({ id, kind: k, namespace, name, state }) => ({ id, kind: k, namespace, name, state }));
  }

  recentJobs(limit: number): RecentJob[] {
    return this.index.recentJobs(limit).map(({ id, namespace, name, state, stateTime }) => ({
      id,
      kind: 'job',
      namespace,
      name,
      state,
      stateTime,
    }));
  }

  async detail(nodeId: string, asOf: Date | null): Promise<NodeDetail> {
    const node = this.index.node(nodeId);
    if (!node) throw notFound(`No lineage node ${nodeId}`);
    return node.kind === 'dataset'
      ? datasetDetail(this.#db, this.index, node, asOf)
      : jobDetail(this.#db, this.index, node, asOf);
  }

  async timeRange(): Promise<TimeRange> {
    const { rows } = await this.#db.query<{ first: Date | null; last: Date | null }>(
      'SELECT min(event_time) AS first, max(event_time) AS last FROM lineage_events',
    );
    return { first: rows[0]?.first?.toISOString() ?? null, last: rows[0]?.last?.toISOString() ?? null };
  }
}
