import type { RunState, RunView } from '@contracts/jobs';
import type { RouteLocationRaw } from 'vue-router';

/** The job page, its runs filtered by `state` when given (a matrix cell). */
export const jobRoute = (source: string, job: string, state?: RunState): RouteLocationRaw => ({
  name: 'jobs-job',
  params: { source, job },
  query: state ? { state } : {},
});

export const runRoute = (run: Pick<RunView, 'source' | 'jobId' | 'runId'>): RouteLocationRaw => ({
  name: 'jobs-run',
  params: { source: run.source, job: run.jobId, run: run.runId },
});

/** A dataset (lineage node id `dataset:<ns>:<name>`) in the Lineage graph. */
export const lineageRoute = (nodeId: string): RouteLocationRaw => ({
  path: '/lineage',
  query: { node: nodeId },
});
