"""The batch stage: province- and nation-wide scoring of every vacancy on Apache Spark.

``mutasi batch-score`` (:mod:`batch.cli`) ranks every active vacancy against every eligible
employee of its area with the champion model and writes the top k per vacancy, with scores,
intervals, reasons and who decides the move, to Parquet partitioned by region. It reuses the
API's feature path, rules and scoring (docs/scale.md).
"""
