"""Airflow DAGs of `npm run lab`'s shop, on schedules, defined only when LAB_SHOP names the shop database.

- shop_pipeline (every 10 min): merge the order events the Kafka loader wrote into raw.orders, then dbt-ol run.
- shop_flaky (every 7 min): a check that fails about one run in four (its try fails half the time, and so may its retry), so the Jobs page has failures to show.
- shop_slow (every 15 min): a long export, so something is running most of the time.
- shop_spark (every 20 min, when lab/spark is installed): Spark rolls dbt's daily revenue up by week.
"""

import json
import os
import random
import subprocess
import time
from datetime import datetime, timedelta

from _compat import dag, task
from _dbt import DBT_PARAMS, REPO, run_dbt_ol
from _spark import SPARK, run_spark_job

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

    def scheduled(dag_id: str, schedule: str, **more):
        """A shop DAG: on `schedule` from now on (no catch-up), one run at a time, owned by `shop`. One retry:
        the runs a fresh lab starts come before Airflow's own API answers and fail with "connection refused"."""
        more.setdefault("tags", ["shop"])
        return dag(
            dag_id=dag_id,
            schedule=schedule,
            start_date=datetime(2026, 1, 1),
            catchup=False,
            max_active_runs=1,
            default_args={"owner": "shop", "retries": 1, "retry_delay": timedelta(seconds=30)},
            **more,
        )

    @scheduled("shop_pipeline", "*/10 * * * *", params=shop_params)
    def shop_pipeline():
        @task(inlets=[_shop_table("raw.order_events")], outlets=[_shop_table("raw.orders")])
        def merge_order_events() -> None:
            _merge_order_events()

        @task
        def run_dbt(ti=None, params=None) -> None:
            run_dbt_ol(ti, params)

        merge_order_events() >> run_dbt()

    @scheduled("shop_flaky", "*/7 * * * *")
    def shop_flaky():
        @task
        def check_payments() -> None:
            if random.random() < 1 / 2:  # with its one retry, about one run in four fails
                raise RuntimeError("payments and orders disagree: 3 orders have no payment")
            print("payments match orders")

        check_payments()

    @scheduled("shop_slow", "*/15 * * * *")
    def shop_slow():
        @task
        def export_report() -> None:
            for step in range(24):
                time.sleep(10)
                print(f"exported part {step + 1} of 24")

        export_report()

    @scheduled("shop_spark", "2,22,42 * * * *", tags=["shop", "spark"])
    def shop_spark():
        @task
        def weekly_revenue(ti=None) -> None:
            run_spark_job(ti, "weekly_revenue", SHOP)

        weekly_revenue()

    shop_pipeline()
    shop_flaky()
    shop_slow()
    if (SPARK / "venv" / "bin" / "python").exists():
        shop_spark()
