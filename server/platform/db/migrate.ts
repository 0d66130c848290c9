import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './pool.ts';

export interface Migration {
  /** `<owner>/<file>`, e.g. `platform/001_init.sql`; applied in list order, recorded by id. */
  id: string;
  sql: string;
}

/** Reads `NNN_name.sql` files of one folder, ordered by name. */
export function migrationsIn(owner: string, dir: string): Migration[] {
  return readdirSync(dir)
    .filter((name) => /^\d+_[\w-]+\.sql$/.test(name))
    .sort()
    .map((name) => ({ id: `${owner}/${name}`, sql: readFileSync(path.join(dir, name), 'utf8') }));
}

const MIGRATION_LOCK = 7_210_001;

/** Applies pending migrations in one transaction, serialised across replicas by an advisory lock. */
export async function migrate(db: Db, migrations: Migration[]): Promise<string[]> {
  return db.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS labdeck_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ id: string }>('SELECT id FROM labdeck_migrations');
    const done = new Set(rows.map((row) => row.id));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw new Error(`migration ${migration.id} failed: ${(error as Error).message}`);
      }
      await client.query('INSERT INTO labdeck_migrations (id) VALUES ($1)', [migration.id]);
      applied.push(migration.id);
    }
    return applied;
  });
}
