// SIGKILL of the BFF during ingestion loses no acknowledged event: an event is acknowledged only
// after its transaction committed. The BFF runs as a child process (`node server/main.ts`).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../platform/net.ts';
import { createDatabase } from '../../test/harness.ts';
import { runEvent } from './test/events.ts';

const root = path.resolve(import.meta.dirname, '../../..');
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
});

async function startChild(port: number, databaseUrl: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [path.join(root, 'server/main.ts')], {
    cwd: mkdtempSync(path.join(tmpdir(), 'labdeck-crash-')),
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`BFF exited with ${proc.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return proc;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('BFF did not become ready');
}

describe('crash safety', () => {
  it('keeps every acknowledged event when the BFF is killed with SIGKILL mid-stream', {
    timeout: 180_000,
  }, async () => {
    const databaseUrl = await createDatabase(inject('postgresUrl'));
    const port = await freePort();
    child = await startChild(port, databaseUrl);
    const acknowledged = new Set<string>();
    let sent = 0;
    let failures = 0;
    let stop = false;
    const producer = async (worker: number) => {
      for (let _i = 0; !stop; _i++) {
        const events = Array.from({ length: 20 }, (_, k) =>
          runEvent({
            job: `crash_${worker}_${k % 5}`,
            inputs: [{ name: `src_${k}` }],
            outputs: [{ name: `crash_out_${worker}_${k % 5}`, fields: ['a', 'b'] }],
          }),
        );
        sent += events.length;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/lineage/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(events),
          });
          if (res.status === 200) for (const e of events) acknowledged.add(e.run.runId);
          else failures++;
        } catch {
          failures++;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const workers = [0, 1, 2, 3].map(producer);
    while (acknowledged.size < 1_000) await new Promise((resolve) => setTimeout(resolve, 5));
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await Promise.all(workers);
    expect(failures).toBeGreaterThan(0); // requests were in flight when the process died
    expect(sent).toBeGreaterThan(acknowledged.size);

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ run_id: string }>('SELECT DISTINCT run_id FROM lineage_events');
      const stored = new Set(rows.map((r) => r.run_id));
      const lost = [...acknowledged].filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      // Derived rows committed together with the raw events.
      const runs = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM lineage_runs');
      expect(runs.rows[0]?.n).toBe(stored.size);
    } finally {
      await client.end();
    }

    // After a restart the index is rebuilt from the current edges and answers again.
    child = await startChild(port, databaseUrl);
    const res = await fetch(
      `http://127.0.0.1:${port}/api/lineage?nodeId=${encodeURIComponent('job:dbt:crash_0_0')}&depth=1`,
    );
    expect(res.status).toBe(200);
    const graph = (await res.json()) as { nodes: { id: string }[] };
    expect(graph.nodes.map((n) => n.id)).toContain('dataset:postgres://db:5432:crash_out_0_0');
    child.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
    child = undefined;
  });
});
