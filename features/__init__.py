"""The features stage: data contract, validation, as-of state, fit features, eligibility."""

import warnings

# pandera imports pyspark.pandas whenever pyspark is installed (the batch stage needs it), and
# pyspark 4 warns about pandas 3 on that import; no pandera schema here touches pyspark.
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)
