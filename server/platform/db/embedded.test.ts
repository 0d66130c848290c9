import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from './embedded.ts';

describe('embedded PostgreSQL', () => {
  const temp = mkdtempSync(path.join(tmpdir(), 'labdeck-embedded-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  // As root the server runs as `postgres`: a private (0700) temporary dir used to send the cluster to
  // /var/lib/labdeck, where every test and benchmark run left one behind (70 GB filled a disk).
  it('keeps a cluster in a private temporary dir inside it, so removing the dir removes the data', {
    timeout: 120_000,
  }, async () => {
    const dir = path.join(temp, 'nested', 'store');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const server = new EmbeddedPostgres({ dir });
    await server.start();
    try {
      expect(server.dataDir.startsWith(`${dir}${path.sep}`)).toBe(true);
      const client = new pg.Client(server.url);
      await client.connect();
      const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
      await client.end();
      expect(rows[0]!.data_directory.startsWith(`${dir}${path.sep}`)).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
