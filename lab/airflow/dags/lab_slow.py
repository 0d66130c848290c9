"""Airflow DAG: A task that sleeps (conf `seconds`, default 600) so that a run can be watched running and cancelled."""

import time
from datetime import datetime

from _compat import dag, task


@dag(
    dag_id="lab_slow",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["lab"],
    default_args={"owner": "lab", "retries": 0},
    params={"seconds": 600},
)
def lab_slow():
    @task
    def wait(params=None) -> None:
        seconds = int(params["seconds"])
        for _ in range(seconds):
            time.sleep(1)

    wait()


lab_slow()
