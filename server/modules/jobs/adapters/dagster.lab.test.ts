// The Dagster source against a real Dagster (`dagster dev`, lab/dagster). Needs `bash lab/dagster/install.sh`;
// without it every test FAILS (never skips).
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DagsterServer, startDagster } from '../../../../lab/dagster/server.ts';
import { createDagsterSource } from './dagster.ts';
import type { JobSource, SourceRun } from './types.ts';

let dagster: DagsterServer;
let source: JobSource;
let jobId: (job: string) => string;
const signal = () => AbortSignal.timeout(20_000);

beforeAll(async () => {
  dagster = await startDagster();
  source = createDagsterSource({ kind: 'dagster', url: dagster.url, headers: {} });
  jobId = (job) => `${dagster.location}/${dagster.repository}/${job}`;
}, 240_000);
afterAll(() => dagster?.stop(), 60_000);

/** Polls listRuns from `cursor` (as the module does) until `runId` reaches one of `states`. */
async function pollUntil(cursor: string | null, runId: string, states: string[], timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  let seen: SourceRun | undefined;
  while (Date.now() < deadline) {
    const changes = await source.listRuns({ since: cursor, signal: signal() });
    cursor = changes.cursor;
    seen = changes.runs.find((r) => r.runId === runId) ?? seen;
    if (seen && states.includes(seen.state)) return { run: seen, cursor };
    await sleep(2_000);
  }
  throw new Error(`run ${runId} stayed ${seen?.nativeState ?? 'unseen'}`);
}

describe('Dagster source on a real Dagster 1.13', { timeout: 400_000 }, () => {
  it('lists the lab jobs with the schedule, owner and next tick', async () => {
    const jobs = await source.listJobs(signal());
    expect(jobs.map((j) => j.jobId).sort()).toEqual(
      ['lab_fails', 'lab_slow', 'lab_succeeds'].map((j) => jobId(j)),
    );
    const scheduled = jobs.find((j) => j.name === 'lab_succeeds');
    expect(scheduled).toMatchObject({ owner: 'lab', schedule: '*/15 * * * * (UTC)', paused: false });
    expect(scheduled?.nextRunAt?.getTime()).toBeGreaterThan(Date.now());
    expect(jobs.find((j) => j.name === 'lab_fails')).toMatchObject({ schedule: null, paused: null });
  });

  it('launches the failing job, sees it fail through the cursor, and re-executes it from the failure', async () => {
    const start = await source.listRuns({ since: null, signal: signal() });
    const launched = await source.trigger!(jobId('lab_fails'), {}, signal());
    expect(launched).toMatchObject({ jobId: jobId('lab_fails'), state: 'queued', trigger: 'manual' });

    const { run, cursor } = await pollUntil(start.cursor, launched.runId, ['failed']);
    expect(run).toMatchObject({
      nativeState: 'FAILURE',
      error: expect.stringMatching(/lab_fails fails on purpose/),
    });
    expect(run.startedAt && run.endedAt && run.endedAt >= run.startedAt).toBe(true);
    // Nothing changed since: the cursor hands back no run again.
    expect((await source.listRuns({ since: cursor, signal: signal() })).runs).toEqual([]);

    const tasks = await source.runTasks(jobId('lab_fails'), run.runId, signal());
    expect(tasks.map((t) => [t.id, t.state, t.tryNumber])).toEqual([
      ['prepare', 'success', 1],
      ['break_on_purpose', 'failed', 1],
    ]);
    expect(tasks[1]?.error).toMatch(/RuntimeError: lab_fails fails on purpose/);

    const dry = await source.rerunFailed!(jobId('lab_fails'), run.runId, true, signal());
    expect(dry.run).toBeNull();
    expect(dry.tasks.map((t) => t.id)).toEqual(['break_on_purpose']);
    const afterDry = await source.listRuns({ since: cursor, signal: signal() });
    expect(afterDry.runs).toEqual([]);

    const rerun = await source.rerunFailed!(jobId('lab_fails'), run.runId, false, signal());
    expect(rerun.run).toMatchObject({ jobId: jobId('lab_fails'), trigger: 're-execution' });
    const retried = await pollUntil(cursor, rerun.run?.runId ?? '', ['failed', 'success']);
    expect(retried.run.state).toBe('failed');
    const retriedTasks = await source.runTasks(jobId('lab_fails'), retried.run.runId, signal());
    expect(retriedTasks.map((t) => t.id)).toEqual(['break_on_purpose']);

    await expect(source.runTasks(jobId('lab_succeeds'), run.runId, signal())).rejects.toThrow(
      /is a run of lab_fails, not lab_succeeds/,
    );
    await expect(source.cancel!(jobId('lab_fails'), run.runId, signal())).rejects.toThrow(
      /TerminateRunFailure: .*could not be terminated/,
    );
  });

  it('launches the slow job and terminates it while it runs', async () => {
    const start = await source.listRuns({ since: null, signal: signal() });
    const launched = await source.trigger!(
      jobId('lab_slow'),
      { ops: { wait: { config: { seconds: 300 } } } },
      signal(),
    );
    const { cursor } = await pollUntil(start.cursor, launched.runId, ['running']);
    await source.cancel!(jobId('lab_slow'), launched.runId, signal());
    const { run } = await pollUntil(cursor, launched.runId, ['cancelled', 'failed', 'success'], 90_000);
    expect(run).toMatchObject({ state: 'cancelled', nativeState: 'CANCELED' });
    expect(run.endedAt).not.toBeNull();
  });

  it('refuses a launch the job cannot take, readably', async () => {
    await expect(source.trigger!(jobId('lab_fails'), { ops: { nope: {} } }, signal())).rejects.toThrow(
      /RunConfigValidationInvalid: .*nope/,
    );
    await expect(source.trigger!(jobId('missing'), {}, signal())).rejects.toThrow(/PipelineNotFoundError/);
  });
});
