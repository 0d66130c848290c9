// Integration test against a real Dagster (`dagster dev`, see lab/dagster/README.md).
// Needs `bash lab/dagster/install.sh` first; without it every test FAILS (never skips).
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DagsterServer, startDagster } from './server.ts';

type Run = {
  runId: string;
  jobName: string;
  status: string;
  parentRunId: string | null;
  rootRunId: string | null;
  startTime: number | null;
  endTime: number | null;
  stepStats: { stepKey: string; status: string | null }[];
};

let dagster: DagsterServer;

beforeAll(async () => {
  dagster = await startDagster();
});
afterAll(() => dagster?.stop());

async function graphql<T>(query: string, variables: object = {}): Promise<T> {
  const res = await fetch(`${dagster.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (!res.ok || body.errors || !body.data)
    throw new Error(`GraphQL: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.data;
}

type Launched = { __typename: string; run?: { runId: string; status: string }; message?: string };

const launchRun = `mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}`;

const reexecute = `mutation Reexecute($params: ReexecutionParams!) {
  launchRunReexecution(reexecutionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message }
  }
}`;

const runsQuery = `query Runs($filter: RunsFilter, $limit: Int) {
  runsOrError(filter: $filter, limit: $limit) {
    __typename
    ... on Runs { results { runId jobName status parentRunId rootRunId startTime endTime stepStats { stepKey status } } }
    ... on PythonError { message }
  }
}`;

async function launch(jobName: string): Promise<string> {
  const selector = {
    repositoryLocationName: dagster.location,
    repositoryName: dagster.repository,
    jobName,
  };
  const { launchRun: launched } = await graphql<{ launchRun: Launched }>(launchRun, {
    params: { selector, runConfigData: {} },
  });
  expect(launched.__typename).toBe('LaunchRunSuccess');
  return launched.run?.runId ?? '';
}

async function runs(filter: object): Promise<Run[]> {
  const { runsOrError } = await graphql<{ runsOrError: { results?: Run[]; message?: string } }>(runsQuery, {
    filter,
    limit: 50,
  });
  if (!runsOrError.results) throw new Error(`runsOrError: ${runsOrError.message}`);
  return runsOrError.results;
}

async function waitForEnd(runId: string, timeoutMs = 120_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  let run: Run | undefined;
  while (Date.now() < deadline) {
    [run] = await runs({ runIds: [runId] });
    if (run && ['SUCCESS', 'FAILURE', 'CANCELED'].includes(run.status)) return run;
    await sleep(1_000);
  }
  throw new Error(`run ${runId} stayed ${run?.status}`);
}

describe('lab Dagster', () => {
  it('runs one job to SUCCESS and one to FAILURE, and re-executes the failed one from the failure', async () => {
    const [good, bad] = [await launch('lab_succeeds'), await launch('lab_fails')];
    const [goodRun, badRun] = [await waitForEnd(good), await waitForEnd(bad)];
    expect(goodRun).toMatchObject({ jobName: 'lab_succeeds', status: 'SUCCESS' });
    expect(badRun).toMatchObject({ jobName: 'lab_fails', status: 'FAILURE' });
    expect(badRun.stepStats.map((s) => [s.stepKey, s.status]).sort()).toEqual([
      ['break_on_purpose', 'FAILURE'],
      ['prepare', 'SUCCESS'],
    ]);

    const { launchRunReexecution } = await graphql<{ launchRunReexecution: Launched }>(reexecute, {
      params: { parentRunId: bad, strategy: 'FROM_FAILURE' },
    });
    expect(launchRunReexecution.__typename).toBe('LaunchRunSuccess');
    const retry = await waitForEnd(launchRunReexecution.run?.runId ?? '');
    // Only the failed step runs again (and fails again: it always does).
    expect(retry).toMatchObject({ parentRunId: bad, rootRunId: bad, status: 'FAILURE' });
    expect(retry.stepStats.map((s) => s.stepKey)).toEqual(['break_on_purpose']);

    const failedSince = await runs({ statuses: ['FAILURE'], updatedAfter: goodRun.startTime ?? 0 });
    expect(failedSince.map((r) => r.runId).sort()).toEqual([bad, retry.runId].sort());
  });

  it('has the schedule running without being started', async () => {
    const data = await graphql<{
      schedulesOrError: { results?: { name: string; scheduleState: { status: string } }[] };
    }>(
      `query Schedules($selector: RepositorySelector!) {
        schedulesOrError(repositorySelector: $selector) {
          ... on Schedules { results { name scheduleState { status } } }
        }
      }`,
      { selector: { repositoryLocationName: dagster.location, repositoryName: dagster.repository } },
    );
    expect(data.schedulesOrError.results).toEqual([
      { name: 'lab_succeeds_every_15_minutes', scheduleState: { status: 'RUNNING' } },
    ]);
  });
});
