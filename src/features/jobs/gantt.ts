import type { ChildRunView, RunState, TaskView } from '@contracts/jobs';
import { defineAsyncComponent } from 'vue';
import { isActive } from './states';

/** One bar of the run Gantt: a task, or an OpenLineage run nested (depth > 0) under the task that started it. */
export interface GanttRow {
  key: string;
  label: string;
  depth: number;
  state: RunState;
  nativeState: string;
  /** Epoch ms; null for a task that has not started (a row without a bar). */
  start: number | null;
  end: number | null;
  /** Still running: the bar ends at "now" and grows. */
  open: boolean;
}

export interface Gantt {
  rows: GanttRow[];
  /** The time axis: first start to last end (or now while something runs). */
  from: number | null;
  to: number | null;
}

const time = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

function span(
  state: RunState,
  startedAt: string | null,
  endedAt: string | null,
  durationMs: number | null,
  now: number,
) {
  const start = time(startedAt);
  if (start === null) return { start: null, end: null, open: false };
  const end = time(endedAt);
  if (end !== null) return { start, end, open: false };
  if (isActive(state)) return { start, end: Math.max(start, now), open: true };
  // Finished without an end time (some sources): its duration if known, else a sliver.
  return { start, end: start + (durationMs ?? 0), open: false };
}

const taskLabel = (task: TaskView) =>
  task.mapIndex !== null && task.mapIndex >= 0 ? `${task.id} [${task.mapIndex}]` : task.id;

function childRows(children: ChildRunView[], depth: number, parent: string, now: number): GanttRow[] {
  return children.flatMap((child) => [
    {
      key: `${parent}/${child.runId}`,
      label: child.name,
      depth,
      state: child.state,
      nativeState: child.state,
      ...span(child.state, child.startedAt, child.endedAt, null, now),
    },
    ...childRows(child.children, depth + 1, `${parent}/${child.runId}`, now),
  ]);
}

const byStart = (a: TaskView, b: TaskView) =>
  (time(a.startedAt) ?? Number.POSITIVE_INFINITY) - (time(b.startedAt) ?? Number.POSITIVE_INFINITY) ||
  a.id.localeCompare(b.id) ||
  (a.mapIndex ?? -1) - (b.mapIndex ?? -1);

/** The Gantt's rows at `now`: tasks by start time, each followed by the OpenLineage runs it started. */
export function buildGantt(tasks: readonly TaskView[], now: number): Gantt {
  const rows = [...tasks].sort(byStart).flatMap((task) => {
    const key = `${task.id}#${task.mapIndex ?? -1}`;
    const row: GanttRow = {
      key,
      label: taskLabel(task),
      depth: 0,
      state: task.state,
      nativeState: task.nativeState,
      ...span(task.state, task.startedAt, task.endedAt, task.durationMs, now),
    };
    return [row, ...childRows(task.children, 1, key, now)];
  });
  const starts = rows.flatMap((row) => (row.start === null ? [] : [row.start]));
  const ends = rows.flatMap((row) => (row.end === null ? [] : [row.end]));
  return {
    rows,
    from: starts.length ? Math.min(...starts) : null,
    to: ends.length ? Math.max(...ends) : null,
  };
}

// echarts loads the first time a run page draws a Gantt, never with the other routes.
export const GanttChart = defineAsyncComponent(() => import('./components/GanttChart.vue'));
