"""Runs the lab's dbt project with dbt-ol from an Airflow DAG task (lab_dbt, shop_pipeline).

dbt-ol reads OPENLINEAGE_PARENT_ID / OPENLINEAGE_ROOT_PARENT_ID (`<namespace>/<job>/<runId>`, the values of the
OpenLineage provider's `lineage_parent_id` / `lineage_root_parent_id` macros), so the dbt run names the task in
its parent facet and each dbt model run names the dbt run: the model runs nest under the Airflow task. dbt's
events go where Airflow's go (the provider's transport), unless `openlineage_url` is given.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

DBT_PARAMS = {
    "dbt_ol": str(REPO / ".lab" / "venv" / "bin" / "dbt-ol"),
    "project_dir": str(REPO / "lab" / "dbt" / "project"),
    "pg_host": "127.0.0.1",
    "pg_port": 5432,
    "pg_user": "postgres",
    "pg_password": "",
    "pg_db": "lab",
    "dbt_namespace": "dbt",
    "openlineage_url": "",
    "openlineage_api_key": "",
}


def run_dbt_ol(ti, params: dict) -> None:
    from airflow.providers.openlineage import conf as ol_conf
    from airflow.providers.openlineage.plugins.macros import lineage_parent_id, lineage_root_parent_id

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENLINEAGE", "DBT_", "AIRFLOW", "LAB_"))}
    env.update(_transport_env(ol_conf.transport(), params))
    target = tempfile.mkdtemp(prefix="lab-dbt-")
    env.update(
        {
            "PATH": f"{Path(params['dbt_ol']).parent}:{env.get('PATH', '')}",
            "OPENLINEAGE_PARENT_ID": lineage_parent_id(ti),
            "OPENLINEAGE_ROOT_PARENT_ID": lineage_root_parent_id(ti),
            "OPENLINEAGE_NAMESPACE": params["dbt_namespace"],
            "LAB_PG_HOST": params["pg_host"],
            "LAB_PG_PORT": str(params["pg_port"]),
            "LAB_PG_USER": params["pg_user"],
            "LAB_PG_PASSWORD": params["pg_password"],
            "LAB_PG_DB": params["pg_db"],
            "DBT_PROFILES_DIR": params["project_dir"],
            "DBT_TARGET_PATH": target,
            "DBT_LOG_PATH": f"{target}/logs",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_USE_COLORS": "false",
            # No openlineage.yml from cwd or ~/.openlineage may override the transport.
            "OPENLINEAGE_CONFIG": f"{params['project_dir']}/no-openlineage.yml",
        }
    )
    print(f"dbt-ol parent: {env['OPENLINEAGE_PARENT_ID']}")
    done = subprocess.run([params["dbt_ol"], "run"], cwd=params["project_dir"], env=env, capture_output=True, text=True)
    print(done.stdout[-20000:])
    print(done.stderr[-20000:])
    if done.returncode != 0:
        raise RuntimeError(f"dbt-ol run exited with {done.returncode}")


def _transport_env(transport: dict, params: dict) -> dict:
    """dbt-ol's transport: the given URL, else the OpenLineage provider's HTTP transport."""
    url = params["openlineage_url"] or transport.get("url") or ""
    if not url:
        return {"OPENLINEAGE_DISABLED": "true"}
    env = {
        "OPENLINEAGE__TRANSPORT__TYPE": "http",
        "OPENLINEAGE__TRANSPORT__URL": url,
        "OPENLINEAGE__TRANSPORT__ENDPOINT": transport.get("endpoint") or "api/v1/lineage",
    }
    key = params["openlineage_api_key"] or (transport.get("auth") or {}).get("apiKey")
    if key:
        env["OPENLINEAGE__TRANSPORT__AUTH"] = json.dumps({"type": "api_key", "apiKey": key})
    return env
