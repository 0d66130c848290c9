"""Airflow DAG: Two quick tasks that succeed: extract hands a row count to load."""

from datetime import datetime

from _compat import dag, task


@dag(
    dag_id="lab_succeeds",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["lab"],
    default_args={"owner": "lab", "retries": 0},
)
def lab_succeeds():
    @task
    def extract() -> int:
        return 3

    @task
    def load(rows: int) -> None:
        print(f"loaded {rows} rows")

    load(extract())


lab_succeeds()
