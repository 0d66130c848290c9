"""Airflow DAG: runs the lab's dbt project (lab/dbt) with dbt-ol, handing dbt this task's OpenLineage run as parent.

The dbt run names this task (job `lab_dbt.run_dbt`) in its parent facet and each dbt model run names the dbt run
(see _dbt.py). Tagged `lab-dbt`, not `lab`: it needs a PostgreSQL (params `pg_*`) and the dbt venv
(lab/dbt/install.sh). Airflow 3 only (the lab's Airflow 2 has no OpenLineage provider).
"""

from datetime import datetime

from _compat import dag, task
from _dbt import DBT_PARAMS, run_dbt_ol


@dag(
    dag_id="lab_dbt",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["lab-dbt"],
    default_args={"owner": "lab", "retries": 0},
    params=DBT_PARAMS,
)
def lab_dbt():
    @task
    def run_dbt(ti=None, params=None) -> None:
        run_dbt_ol(ti, params)

    run_dbt()


lab_dbt()
