-- Source data for the lab dbt project: schema "raw", tables raw.customers and raw.orders.
-- Idempotent: run.ts applies it before every dbt run when the tables are missing,
-- and running it twice changes nothing.
create schema if not exists raw;

create table if not exists raw.customers (
  customer_id integer primary key,
  first_name  text not null,
  last_name   text not null,
  email       text not null,
  country     text not null,
  created_at  timestamptz not null
);

create table if not exists raw.orders (
  order_id     integer primary key,
  customer_id  integer not null references raw.customers (customer_id),
  order_date   date not null,
  status       text not null,
  amount_cents integer not null
);

comment on table raw.customers is 'Customers as exported by the shop backend';
comment on table raw.orders is 'Orders as exported by the shop backend';

insert into raw.customers (customer_id, first_name, last_name, email, country, created_at) values
  (1, 'Ada',    'Lovelace', 'Ada@Example.org',    'GB', '2024-01-03 10:00:00+00'),
  (2, 'Alan',   'Turing',   'alan@example.org',   'GB', '2024-01-05 11:30:00+00'),
  (3, 'Grace',  'Hopper',   'GRACE@example.org',  'US', '2024-02-11 09:15:00+00'),
  (4, 'Edsger', 'Dijkstra', 'edsger@example.org', 'NL', '2024-03-20 16:45:00+00'),
  (5, 'Barbara','Liskov',   'barbara@example.org','US', '2024-04-02 08:00:00+00')
on conflict (customer_id) do nothing;

insert into raw.orders (order_id, customer_id, order_date, status, amount_cents) values
  (101, 1, '2024-05-01', 'completed', 12000),
  (102, 1, '2024-05-03', 'completed',  4550),
  (103, 2, '2024-05-03', 'returned',   9900),
  (104, 3, '2024-05-04', 'completed', 25000),
  (105, 3, '2024-05-06', 'completed',  1999),
  (106, 3, '2024-05-06', 'placed',     3100),
  (107, 4, '2024-05-07', 'completed',  7800),
  (108, 5, '2024-05-08', 'shipped',   15000),
  (109, 5, '2024-05-09', 'completed',  2250),
  (110, 2, '2024-05-10', 'completed', 11100)
on conflict (order_id) do nothing;
