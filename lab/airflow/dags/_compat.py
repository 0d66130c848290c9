"""The DAG decorators under their Airflow 3 name, or their Airflow 2 one (the lab runs both)."""

try:
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task

__all__ = ["dag", "task"]
# DAG files import from here, so they name "Airflow DAG" in their docstring: safe-mode discovery only
# parses files that contain both words.
