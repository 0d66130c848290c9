// The lineage page's state: the graph on screen (GraphModel), its fetches, the layout worker,
// column highlighting and the live channel.

import type { ColumnGraph, LineageChange, LineageLiveEvent } from '@contracts/lineage';
import { computed, onBeforeUnmount, type Ref, ref, shallowRef } from 'vue';
import { toFailure } from '@/shared/api/client';
import { useLive, useLiveStore } from '@/shared/api/live';
import { fetchColumns, fetchFields, fetchGraph } from './api';
import { GraphModel, type ViewNode } from './graph-model';
import { createLayouter } from './layout';

export interface Activity {
  key: string;
  job: string;
  name: string;
  eventType: string;
  at: string;
}

const FLASH_MS = 4_000;

export function useLineage(rootId: Ref<string | null>, depth: Ref<number>, asOf: Ref<string | null>) {
  const model = new GraphModel();
  const version = ref(0);
  let flashTimer: ReturnType<typeof setTimeout> | undefined;
  const bump = () => {
    version.value++;
    // One timer ends every highlight that is over (nodes do not each keep a clock).
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => {
      if (model.clearFlashes(Date.now() + 50)) version.value++;
    }, FLASH_MS + 100);
  };
  onBeforeUnmount(() => clearTimeout(flashTimer));
  const nodes = computed(() => {
    void version.value;
    return model.nodeList;
  });
  const edges = computed(() => {
    void version.value;
    return model.edgeList;
  });
  const loading = ref(false);
  const error = ref<Error | null>(null);
  const columns = shallowRef<ColumnGraph | null>(null);
  const activity = ref<Activity[]>([]);
  /** Bumped whenever stored lineage changed (details and the time range refetch on it). */
  const dataVersion = ref(0);
  const fitRequests = ref(0);
  const layouter = createLayouter();
  onBeforeUnmount(() => layouter.dispose());

  const guard = async (work: () => Promise<void>) => {
    try {
      error.value = null;
      await work();
    } catch (e) {
      error.value = toFailure(e);
    }
  };

  /** Fetches the walk around the root and lays it out from scratch. */
  async function load() {
    const root = rootId.value;
    if (!root) return;
    loading.value = true;
    layouter.warm();
    await guard(async () => {
      const graph = await fetchGraph({ nodeId: root, depth: depth.value, asOf: asOf.value });
      performance.mark('lineage:fetched');
      model.reset(graph);
      columns.value = null;
      const positions = await layouter.layout(
        model.nodeList.map((n) => ({ id: n.id, w: n.w, h: n.h })),
        model.edgeList,
      );
      performance.mark('lineage:laid-out');
      model.applyLayout(positions);
      bump();
      fitRequests.value++;
    });
    loading.value = false;
  }

  /** Time travel and live refreshes: same root, positions of known nodes kept. */
  async function refresh(replace: boolean) {
    const root = rootId.value;
    if (!root) return;
    await guard(async () => {
      const graph = await fetchGraph({ nodeId: root, depth: depth.value, asOf: asOf.value });
      model.merge(graph, { replace, flashMs: replace ? 0 : FLASH_MS });
      if (columns.value)
        await highlightColumns(columns.value.columns[0]!.dataset, columns.value.columns[0]!.field);
      bump();
    });
  }

  async function expand(id: string, direction: 'up' | 'down', offset = 0) {
    await guard(async () => {
      const graph = await fetchGraph({ nodeId: id, depth: 1, direction, asOf: asOf.value, offset });
      model.merge(graph, { flashMs: FLASH_MS });
      bump();
    });
  }

  async function expandMore(node: ViewNode) {
    if (!node.more) return;
    model.removeNode(node.id);
    await expand(node.more.of, node.more.direction, node.more.offset);
  }

  async function toggleColumns(id: string) {
    const node = model.nodes.get(id);
    if (node?.kind !== 'dataset') return;
    if (node.fields) model.setFields(id, undefined);
    else await guard(async () => model.setFields(id, await fetchFields(id, asOf.value)));
    bump();
  }

  /** Highlights a column and its upstream and downstream columns, expanding the datasets involved. */
  async function highlightColumns(id: string, field: string) {
    await guard(async () => {
      const graph = await fetchColumns(id, field, asOf.value);
      for (const [dataset, fields] of Object.entries(graph.fields)) {
        const node = model.nodes.get(dataset);
        if (!node) continue;
        const merged = [...new Set([...(node.fields ?? []), ...fields])];
        if (merged.length !== (node.fields?.length ?? 0)) model.setFields(dataset, merged);
      }
      columns.value = graph;
      bump();
    });
  }

  function clearColumns() {
    columns.value = null;
  }

  function move(id: string, x: number, y: number) {
    model.moveNode(id, x, y);
    bump();
  }

  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const refreshSoon = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void refresh(false), 150);
  };
  onBeforeUnmount(() => clearTimeout(refreshTimer));

  function applyChange(change: LineageChange) {
    dataVersion.value++;
    const feed = change.runs.map((run) => ({
      key: `${run.runId}:${run.eventType}:${run.at}`,
      job: run.job,
      name: run.name,
      eventType: run.eventType,
      at: run.at,
    }));
    activity.value = [...feed.reverse(), ...activity.value].slice(0, 50);
    if (asOf.value) return; // the past does not change
    const flash = Date.now() + FLASH_MS;
    for (const run of change.runs)
      if (run.state !== 'NEW') model.setState(run.job, run.state, run.runId, run.at, flash);
    for (const v of change.versions) model.setVersions(v.dataset, v.count, flash);
    for (const [source, target] of change.edgesRemoved) model.removeEdge(source, target);
    const touching = change.edgesAdded.filter(([s, t]) => model.nodes.has(s) || model.nodes.has(t));
    const reach = new Map<string, 'up' | 'down'>();
    for (const [source, target] of touching) {
      if (model.nodes.has(source) && model.nodes.has(target))
        model.merge({ nodes: [], edges: [{ source, target }], asOf: null });
      else if (model.nodes.has(source)) reach.set(source, 'down');
      else reach.set(target, 'up');
    }
    bump();
    for (const [id, direction] of reach) void expand(id, direction);
    if (rootId.value && (touching.length || change.nodes.length)) refreshSoon();
  }

  useLive<LineageLiveEvent>('lineage', (message) => {
    if (message.type === 'change') applyChange(message.data);
    else {
      dataVersion.value++;
      if (!asOf.value) refreshSoon();
    }
  });
  const offReset = useLiveStore().onReset(() => {
    dataVersion.value++;
    if (!asOf.value) refreshSoon();
  });
  onBeforeUnmount(offReset);

  return {
    model,
    version,
    nodes,
    edges,
    loading,
    error,
    columns,
    activity,
    dataVersion,
    fitRequests,
    load,
    refresh,
    expand,
    expandMore,
    toggleColumns,
    highlightColumns,
    clearColumns,
    move,
  };
}
