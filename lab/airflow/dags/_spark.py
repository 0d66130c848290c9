"""Runs a lab Spark job (lab/spark/jobs) from an Airflow DAG task, with the OpenLineage listener reporting to
where Airflow's own events go and naming the task as its parent, so the Spark application nests under it."""

import json
import subprocess
from pathlib import Path

from _dbt import REPO

SPARK = REPO / ".lab" / "spark"


def run_spark_job(ti, job: str, shop: dict) -> None:
    from airflow.providers.openlineage import conf as ol_conf
    from airflow.providers.openlineage.plugins.macros import lineage_parent_id, lineage_root_parent_id

    settings = {
        "shop": shop,
        "warehouse": str(REPO / ".lab" / "run" / "spark" / "warehouse"),
        "jars": [str(jar) for jar in sorted((SPARK / "jars").glob("*.jar"))],
        "spark": {
            # The listener's HTTP client reflects into java.security on Java 21.
            "spark.driver.extraJavaOptions": "--add-opens=java.base/java.security=ALL-UNNAMED",
            **_lineage_settings(ol_conf.transport(), lineage_parent_id(ti), lineage_root_parent_id(ti)),
        },
    }
    done = subprocess.run(
        [str(SPARK / "venv" / "bin" / "python"), str(REPO / "lab" / "spark" / "jobs" / f"{job}.py"), json.dumps(settings)],
        capture_output=True,
        text=True,
    )
    print(done.stdout[-20000:])
    print(done.stderr[-20000:])
    if done.returncode != 0:
        raise RuntimeError(f"Spark job {job} exited with {done.returncode}")


def _lineage_settings(transport: dict, parent: str, root: str) -> dict:
    url = transport.get("url") or ""
    if not url:
        return {}
    parent_namespace, parent_job, parent_run = parent.split("/", 2)
    root_namespace, root_job, root_run = root.split("/", 2)
    settings = {
        "spark.extraListeners": "io.openlineage.spark.agent.OpenLineageSparkListener",
        "spark.openlineage.namespace": "spark",
        "spark.openlineage.transport.type": "http",
        "spark.openlineage.transport.url": url,
        "spark.openlineage.transport.endpoint": "/" + (transport.get("endpoint") or "api/v1/lineage").lstrip("/"),
        "spark.openlineage.parentJobNamespace": parent_namespace,
        "spark.openlineage.parentJobName": parent_job,
        "spark.openlineage.parentRunId": parent_run,
        "spark.openlineage.rootParentJobNamespace": root_namespace,
        "spark.openlineage.rootParentJobName": root_job,
        "spark.openlineage.rootParentRunId": root_run,
    }
    key = (transport.get("auth") or {}).get("apiKey")
    if key:
        settings["spark.openlineage.transport.auth.type"] = "api_key"
        settings["spark.openlineage.transport.auth.apiKey"] = key
    return settings
