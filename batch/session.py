"""The Spark session of a batch job: embedded ``local[*]`` by default, a cluster by URL.

Python workers run the driver's interpreter (``sys.executable``), so they import the same
project and libraries; the web UI is off (no port opened by a batch job); Arrow carries the
pandas batches of ``mapInPandas``.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOCAL = "local[*]"


class SparkUnavailableError(RuntimeError):
    """pyspark or a Java runtime is missing."""


def spark_session(
    master: str = LOCAL,
    app_name: str = "mutasi-batch",
    driver_memory: str | None = None,
    conf: dict[str, str] | None = None,
) -> SparkSession:
    """A new or the running Spark session on ``master`` (``local[*]``, ``spark://...``)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a dev dependency here
        raise SparkUnavailableError(
            "mutasi batch-score needs pyspark: pip install 'mutasi[spark]' (and a Java 17 runtime)"
        ) from exc
    # Executors' Python = ours, in local mode and on a cluster whose nodes share the image.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
        .config("spark.sql.session.timeZone", "UTC")
    )
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: say why, not a Py4J traceback
        raise SparkUnavailableError(
            f"cannot start Spark on {master!r}: {exc} (is a Java 17+ runtime installed? "
            "Debian: apt-get install openjdk-17-jre-headless)"
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session
