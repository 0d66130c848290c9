import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../platform/log.ts';
import type { PostgresConnectionConfig } from './adapters/postgres.ts';

const READER = 'labdeck_sample_reader';
const SEED_VERSION = 1;

/**
 * The built-in `sample` connection: a separate database on Labdeck's own PostgreSQL server, seeded once,
 * read through a login role that may only SELECT there. Labdeck's own tables stay out of reach.
 */
export async function prepareSampleDatabase(
  serverUrl: string,
  database: string,
  log: Logger,
): Promise<{ url: string }> {
  const admin = new URL(serverUrl);
  const password = createHash('sha256')
    .update(`${admin.username}:${decodeURIComponent(admin.password)}@${admin.host}/${READER}`)
    .digest('base64url');
  await withClient(serverUrl, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!exists.rowCount)
      await ignoreDuplicate(() => client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`));
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [READER]);
    if (!role.rowCount) await ignoreDuplicate(() => client.query(`CREATE ROLE ${READER} LOGIN`));
    await client.query(
      `ALTER ROLE ${READER} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${pg.escapeLiteral(password)}`,
    );
    await client.query(`ALTER ROLE ${READER} SET statement_timeout = '5min'`);
  });
  const sampleAdmin = new URL(serverUrl);
  sampleAdmin.pathname = `/${database}`;
  await withClient(sampleAdmin.toString(), async (client) => {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock(7210042)');
      await client.query(
        'CREATE TABLE IF NOT EXISTS labdeck_seed (version int PRIMARY KEY, seeded_at timestamptz DEFAULT now())',
      );
      const done = await client.query('SELECT 1 FROM labdeck_seed WHERE version = $1', [SEED_VERSION]);
      if (!done.rowCount) {
        await client.query(SEED_SQL);
        await client.query('INSERT INTO labdeck_seed (version) VALUES ($1)', [SEED_VERSION]);
        log.info({ database }, 'sample database seeded');
      }
      await client.query(`REVOKE ALL ON DATABASE ${pg.escapeIdentifier(database)} FROM PUBLIC`);
      await client.query(`REVOKE ALL ON DATABASE ${pg.escapeIdentifier(database)} FROM ${READER}`);
      await client.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(database)} TO ${READER}`);
      await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      await client.query(`GRANT USAGE ON SCHEMA public TO ${READER}`);
      await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READER}`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  });
  const url = new URL(serverUrl);
  url.username = READER;
  url.password = encodeURIComponent(password);
  url.pathname = `/${database}`;
  return { url: url.toString() };
}

export function sampleConnection(url: string, name: string, roles: string[]): PostgresConnectionConfig {
  return {
    id: 'sample',
    name,
    engine: 'postgres',
    url,
    port: 5432,
    readOnly: true,
    statementTimeoutMs: 300_000,
    roles,
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function ignoreDuplicate(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Another Labdeck (or test) created it in the same instant.
    if (code !== '42P04' && code !== '42710' && code !== '23505') throw error;
  }
}

/** Deterministic, realistic data: 1,000 customers, 200 products, 10,000 orders, ~25,000 order lines. */
const SEED_SQL = `
SELECT setseed(0.42);
CREATE TABLE customers (
  customer_id integer PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  country text NOT NULL,
  segment text NOT NULL,
  signed_up_at timestamptz NOT NULL,
  attributes jsonb
);
INSERT INTO customers
SELECT i,
       (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','Ken','Margaret','Linus','Radia','Tim'])[1 + (i % 12)]
         || ' ' || (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Allen','Thompson','Hamilton','Torvalds','Perlman','Berners-Lee'])[1 + ((i * 7) % 12)],
       'customer' || i || '@example.com',
       (ARRAY['DE','FR','US','GB','NL','SE','JP','BR','IN','CA'])[1 + floor(random() * 10)::int],
       (ARRAY['consumer','small business','enterprise'])[1 + floor(random() * 3)::int],
       timestamptz '2022-01-01' + random() * interval '900 days',
       CASE WHEN i % 5 = 0 THEN NULL ELSE jsonb_build_object('newsletter', i % 2 = 0, 'tags', jsonb_build_array('t' || (i % 4), 'vip')) END
FROM generate_series(1, 1000) AS i;

CREATE TABLE products (
  product_id integer PRIMARY KEY,
  name text NOT NULL,
  category text NOT NULL,
  price numeric(10, 2) NOT NULL,
  tags text[] NOT NULL
);
INSERT INTO products
SELECT i,
       (ARRAY['Espresso','Lens','Keyboard','Lamp','Notebook','Backpack','Headphones','Mug','Chair','Desk'])[1 + (i % 10)] || ' ' || i,
       (ARRAY['coffee','photo','computing','home','office'])[1 + (i % 5)],
       round((5 + random() * 495)::numeric, 2),
       ARRAY[(ARRAY['new','sale','eco','bestseller'])[1 + (i % 4)]]
FROM generate_series(1, 200) AS i;

CREATE TABLE orders (
  order_id integer PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers,
  ordered_at timestamptz NOT NULL,
  status text NOT NULL,
  total numeric(12, 2) NOT NULL DEFAULT 0
);
INSERT INTO orders (order_id, customer_id, ordered_at, status)
SELECT i,
       1 + floor(random() * 1000)::int,
       timestamptz '2024-01-01' + random() * interval '365 days',
       (ARRAY['placed','shipped','delivered','delivered','delivered','returned'])[1 + floor(random() * 6)::int]
FROM generate_series(1, 10000) AS i;

CREATE TABLE order_items (
  order_id integer NOT NULL REFERENCES orders,
  line integer NOT NULL,
  product_id integer NOT NULL REFERENCES products,
  quantity integer NOT NULL,
  unit_price numeric(10, 2) NOT NULL,
  PRIMARY KEY (order_id, line)
);
INSERT INTO order_items
SELECT o.order_id, l, p.product_id, 1 + floor(random() * 4)::int, p.price
FROM orders o
CROSS JOIN LATERAL generate_series(1, 1 + (o.order_id % 4)) AS l
JOIN products p ON p.product_id = 1 + ((o.order_id * 31 + l * 17) % 200);

UPDATE orders o SET total = s.total
FROM (SELECT order_id, sum(quantity * unit_price) AS total FROM order_items GROUP BY order_id) s
WHERE s.order_id = o.order_id;

CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_ordered_at_idx ON orders (ordered_at);

CREATE VIEW daily_revenue AS
SELECT date_trunc('day', ordered_at)::date AS day, count(*) AS orders, sum(total) AS revenue
FROM orders WHERE status <> 'returned' GROUP BY 1;

COMMENT ON TABLE orders IS 'Sample data: try SELECT * FROM orders JOIN customers USING (customer_id), or generate_series(1, 1000000) for big results.';
`;
