// The Dagster source against a fake GraphQL endpoint answering garbage; the real Dagster is in dagster.lab.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../contract.ts';
import { createDagsterSource, dagsterRunState, dagsterStepState, parseDagsterJobId } from './dagster.ts';

let server: Server;
let url: string;
/** What the fake answers next: status and body text (or a delay that outlives the signal). */
let answer: { status?: number; body: string; delayMs?: number } = { body: '{}' };
let lastHeaders: Record<string, string | string[] | undefined> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    lastHeaders = req.headers;
    req.resume();
    req.on('end', () => {
      const send = () =>
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(answer.body);
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const source = () =>
  createDagsterSource({ kind: 'dagster', url, headers: { authorization: 'Bearer s3cret-token' } });
const signal = () => AbortSignal.timeout(2_000);
const reply = (data: unknown, status = 200) => {
  answer = { status, body: JSON.stringify(data) };
};

describe('Dagster states', () => {
  it.each<[string, RunState]>([
    ['QUEUED', 'queued'],
    ['NOT_STARTED', 'queued'],
    ['STARTING', 'queued'],
    ['STARTED', 'running'],
    ['CANCELING', 'running'],
    ['SUCCESS', 'success'],
    ['FAILURE', 'failed'],
    ['CANCELED', 'cancelled'],
    ['SOMETHING_NEW', 'queued'],
  ])('run %s is %s', (status, state) => expect(dagsterRunState(status)).toBe(state));

  it.each<[string | null, string, RunState]>([
    ['SUCCESS', 'FAILURE', 'success'],
    ['FAILURE', 'FAILURE', 'failed'],
    ['SKIPPED', 'SUCCESS', 'skipped'],
    ['IN_PROGRESS', 'STARTED', 'running'],
    ['IN_PROGRESS', 'CANCELED', 'cancelled'],
    [null, 'STARTED', 'queued'],
  ])('step %s in a %s run is %s', (status, run, state) => expect(dagsterStepState(status, run)).toBe(state));
});

describe('Dagster job ids', () => {
  it('splits <location>/<repository>/<job> from the right', () => {
    expect(parseDagsterJobId('a/b.py/__repository__/etl')).toEqual({
      location: 'a/b.py',
      repository: '__repository__',
      job: 'etl',
    });
  });
  it.each(['etl', 'repo/etl', '/repo/etl', 'loc/repo/'])('refuses %j', (id) => {
    expect(() => parseDagsterJobId(id)).toThrow(/<location>\/<repository>\/<job>/);
  });
});

describe('Dagster answers', () => {
  it('maps runs and advances the cursor to the newest updateTime', async () => {
    reply({
      data: {
        runsOrError: {
          __typename: 'Runs',
          results: [
            {
              runId: 'r1',
              jobName: 'etl',
              status: 'STARTED',
              creationTime: 1_800_000_000.5,
              startTime: 1_800_000_001,
              endTime: null,
              updateTime: 1_800_000_002.25,
              parentRunId: null,
              tags: [{ key: 'dagster/schedule_name', value: 'hourly' }],
              repositoryOrigin: { repositoryLocationName: 'loc', repositoryName: 'repo' },
            },
          ],
        },
      },
    });
    const changes = await source().listRuns({ since: '1800000000', signal: signal() });
    expect(changes.cursor).toBe('1800000002.25');
    expect(changes.runs).toEqual([
      expect.objectContaining({
        jobId: 'loc/repo/etl',
        runId: 'r1',
        state: 'running',
        nativeState: 'STARTED',
        startedAt: new Date(1_800_000_001_000),
        trigger: 'scheduled',
        triggeredBy: 'hourly',
        url: `${url}/runs/r1`,
      }),
    ]);
    expect(lastHeaders.authorization).toBe('Bearer s3cret-token');
  });

  it.each([
    ['not JSON', { body: '<html>oops</html>' }, /not JSON: <html>oops/],
    ['an HTTP error', { status: 502, body: 'bad gateway' }, /HTTP 502: bad gateway/],
    [
      'GraphQL errors',
      { status: 400, body: JSON.stringify({ errors: [{ message: 'Cannot query field "x"' }] }) },
      /GraphQL error: Cannot query field "x"/,
    ],
    ['no data', { body: '{"data": null}' }, /unexpected shape at data/],
    [
      'a wrong type',
      { body: JSON.stringify({ data: { runsOrError: { __typename: 'Runs', results: [{ runId: 5 }] } } }) },
      /unexpected shape at runsOrError/,
    ],
    [
      'a union error',
      {
        body: JSON.stringify({
          data: { runsOrError: { __typename: 'PythonError', message: 'Traceback: sqlite locked' } },
        }),
      },
      /Dagster runs: PythonError: Traceback: sqlite locked/,
    ],
    ['too much', { body: `{"data": "${'x'.repeat(9 * 1024 * 1024)}"}` }, /more than 8388608 bytes/],
  ])('turns %s into a readable error without credentials', async (_name, next, message) => {
    answer = next;
    const error = await source()
      .listRuns({ since: '0', signal: signal() })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('gives up when the signal fires', async () => {
    answer = { body: '{}', delayMs: 1_000 };
    await expect(source().listJobs(AbortSignal.timeout(100))).rejects.toThrow(/unreachable|in time/);
  });

  it('refuses a bad cursor', async () => {
    await expect(source().listRuns({ since: 'yesterday', signal: signal() })).rejects.toThrow(/bad cursor/);
  });

  it('maps jobs: owner tag, cron, next tick of a running schedule, paused when every schedule is stopped', async () => {
    const job = (name: string, status: string) => ({
      name,
      tags: [
        { key: 'owner', value: 'data' },
        { key: 'team', value: 'core' },
      ],
      owners: [],
      schedules: [
        {
          name: `${name}_hourly`,
          cronSchedule: '0 * * * *',
          executionTimezone: 'UTC',
          scheduleState: { status, nextTick: { timestamp: 1_800_003_600 } },
        },
      ],
    });
    reply({
      data: {
        repositoriesOrError: {
          __typename: 'RepositoryConnection',
          nodes: [
            {
              name: 'repo',
              location: { name: 'loc' },
              jobs: [job('on', 'RUNNING'), job('off', 'STOPPED'), { name: '__ASSET_JOB', tags: [] }],
            },
          ],
        },
      },
    });
    const jobs = await source().listJobs(signal());
    expect(jobs).toEqual([
      {
        jobId: 'loc/repo/on',
        name: 'on',
        owner: 'data',
        tags: ['team:core'],
        schedule: '0 * * * * (UTC)',
        nextRunAt: new Date(1_800_003_600_000),
        paused: false,
        url: `${url}/locations/repo%40loc/jobs/on`,
      },
      expect.objectContaining({ jobId: 'loc/repo/off', paused: true, nextRunAt: null }),
    ]);
  });
});
