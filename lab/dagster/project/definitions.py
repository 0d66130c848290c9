"""The lab's Dagster code location: a job that succeeds, one that fails, a slow one to terminate, and a schedule
(on by default); with LAB_SCHEDULES=all (npm run lab) the failing job runs on a schedule too."""

import os
import time

from dagster import (
    DefaultScheduleStatus,
    Definitions,
    Field,
    ScheduleDefinition,
    job,
    op,
)


@op
def extract() -> int:
    return 3


@op
def load(rows: int) -> None:
    print(f"loaded {rows} rows")


@job(tags={"owner": "lab"})
def lab_succeeds():
    load(extract())


@op
def prepare() -> int:
    return 1


@op
def break_on_purpose(_ready: int) -> None:
    raise RuntimeError("lab_fails fails on purpose")


@job(tags={"owner": "lab"})
def lab_fails():
    break_on_purpose(prepare())


@op(config_schema={"seconds": Field(int, default_value=600)})
def wait(context) -> None:
    for _ in range(context.op_config["seconds"]):
        time.sleep(1)


@job(tags={"owner": "lab"})
def lab_slow():
    wait()


lab_succeeds_every_15_minutes = ScheduleDefinition(
    name="lab_succeeds_every_15_minutes",
    job=lab_succeeds,
    cron_schedule="*/15 * * * *",
    default_status=DefaultScheduleStatus.RUNNING,
)

schedules = [lab_succeeds_every_15_minutes]
if os.environ.get("LAB_SCHEDULES") == "all":
    schedules.append(
        ScheduleDefinition(
            name="lab_fails_every_20_minutes",
            job=lab_fails,
            cron_schedule="5,25,45 * * * *",
            default_status=DefaultScheduleStatus.RUNNING,
        )
    )

defs = Definitions(jobs=[lab_succeeds, lab_fails, lab_slow], schedules=schedules)
