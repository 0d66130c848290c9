"""Airflow DAGs of `npm run lab`'s shop, on schedules, defined only when LAB_SHOP names the shop database.

- shop_pipeline (every 10 min): merge the order events the Kafka loader wrote into raw.orders, then dbt-ol run.
- shop_flaky (every 7 min): a check that fails about one run in three, so the Jobs page has failures to show.
- shop_slow (every 15 min): a long export, so something is running most of the time.
"""

import json
import os
import random
import subprocess
import time
from datetime import datetime

from _compat import dag, task
from _dbt import DBT_PARAMS, REPO, run_dbt_ol

SHOP = json.loads(os.environ["LAB_SHOP"]) if os.environ.get("LAB_SHOP") else None

MERGE_SQL = """
insert into raw.orders (order_id, customer_id, order_date, status, amount_cents)
select distinct on (order_id) order_id, customer_id, event_time::date, status, amount_cents
  from raw.order_events
 where loaded_at > now() - interval '1 hour'
 order by order_id, event_time desc
on conflict (order_id) do update set status = excluded.status, amount_cents = excluded.amount_cents
"""


def _merge_order_events() -> None:
    # Airflow's venv has no PostgreSQL driver; the dbt venv's Python has psycopg2.
    script = (
        "import json, sys, psycopg2\n"
        "c = json.loads(sys.argv[1])\n"
        "with psycopg2.connect(host=c['host'], port=c['port'], user=c['user'], password=c['password'],"
        " dbname=c['database']) as conn, conn.cursor() as cur:\n"
        "    cur.execute(sys.argv[2]); print(f'{cur.rowcount} orders merged')\n"
    )
    python = str(REPO / ".lab" / "venv" / "bin" / "python")
    done = subprocess.run([python, "-c", script, json.dumps(SHOP), MERGE_SQL], capture_output=True, text=True)
    print(done.stdout, done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"merging order events failed: {done.stderr.strip().splitlines()[-1:]}")


def _shop_table(name: str):
    """A table of the shop as dbt-ol names it, for OpenLineage: the merge task's lineage joins the loader's and dbt's."""
    from openlineage.client.event_v2 import Dataset

    return Dataset(namespace=f"postgres://{SHOP['host']}:{SHOP['port']}", name=f"{SHOP['database']}.{name}")


if SHOP:
    shop_params = {
        **DBT_PARAMS,
        "pg_host": SHOP["host"],
        "pg_port": SHOP["port"],
        "pg_user": SHOP["user"],
        "pg_password": SHOP["password"],
        "pg_db": SHOP["database"],
    }
    default_args = {"owner": "shop", "retries": 0}

    @dag(
        dag_id="shop_pipeline",
        schedule="*/10 * * * *",
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        tags=["shop"],
        default_args=default_args,
        params=shop_params,
    )
    def shop_pipeline():
        @task(inlets=[_shop_table("raw.order_events")], outlets=[_shop_table("raw.orders")])
        def merge_order_events() -> None:
            _merge_order_events()

        @task
        def run_dbt(ti=None, params=None) -> None:
            run_dbt_ol(ti, params)

        merge_order_events() >> run_dbt()

    @dag(
        dag_id="shop_flaky",
        schedule="*/7 * * * *",
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        tags=["shop"],
        default_args=default_args,
    )
    def shop_flaky():
        @task
        def check_payments() -> None:
            if random.random() < 1 / 3:
                raise RuntimeError("payments and orders disagree: 3 orders have no payment")
            print("payments match orders")

        check_payments()

    @dag(
        dag_id="shop_slow",
        schedule="*/15 * * * *",
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        tags=["shop"],
        default_args=default_args,
    )
    def shop_slow():
        @task
        def export_report() -> None:
            for step in range(24):
                time.sleep(10)
                print(f"exported part {step + 1} of 24")

        export_report()

    shop_pipeline()
    shop_flaky()
    shop_slow()
