-- The lab's shop, on top of lab/dbt/seed.sql (raw.customers, raw.orders): order events that the traffic
-- generator's loader consumes from Kafka (topic shop.orders) into raw.order_events, and that the Airflow DAG
-- shop_ingest merges into raw.orders every few minutes, for dbt (shop_dbt) to model. Idempotent.
create table if not exists raw.order_events (
  event_id     bigserial primary key,
  order_id     integer not null,
  customer_id  integer not null,
  status       text not null,
  amount_cents integer not null,
  event_time   timestamptz not null,
  loaded_at    timestamptz not null default now()
);
create index if not exists order_events_loaded on raw.order_events (loaded_at);
