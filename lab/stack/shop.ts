// The lab's shop database in the lab's PostgreSQL: lab/dbt/seed.sql (customers, orders) and shop.sql (order
// events from Kafka), applied on every start (both are idempotent).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { seedFile } from '../dbt/run.ts';

export interface ShopDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Creates database `shop` on the server at `serverUrl` when missing, fills it, and returns how to reach it. */
export async function shopDatabase(serverUrl: string): Promise<ShopDatabase> {
  const url = new URL(serverUrl);
  const shop: ShopDatabase = {
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: 'shop',
  };
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [shop.database]);
    if (!rowCount) await admin.query(`create database ${shop.database}`);
  } finally {
    await admin.end();
  }
  const client = new pg.Client(shop);
  await client.connect();
  try {
    await client.query(readFileSync(seedFile, 'utf8'));
    await client.query(readFileSync(path.join(import.meta.dirname, 'shop.sql'), 'utf8'));
  } finally {
    await client.end();
  }
  return shop;
}
