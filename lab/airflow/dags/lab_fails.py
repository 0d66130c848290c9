"""Airflow DAG: One task that always fails (no retries), after one that succeeds."""

from datetime import datetime

from _compat import dag, task


@dag(
    dag_id="lab_fails",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["lab"],
    default_args={"owner": "lab", "retries": 0},
)
def lab_fails():
    @task
    def prepare() -> None:
        print("prepared")

    @task
    def break_on_purpose() -> None:
        raise RuntimeError("lab_fails fails on purpose")

    prepare() >> break_on_purpose()


lab_fails()
