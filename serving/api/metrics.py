"""Prometheus metrics of the ranking work itself (HTTP metrics come from the instrumentator).

Each app gets its own registry so that several apps (tests, benchmarks) can live in one process
without "duplicated timeseries" errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from serving.domain.monitor_runs import MonitorRuns

# Latencies of the in-process work are milliseconds, not the seconds of HTTP buckets.
_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.25, 0.5, 1.0, 2.5)
_POOL = (1, 10, 50, 100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000)


class ServingMetrics:
    """Custom histograms: ranking time, SHAP time, candidate pool size; reloads; process memory."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.ranking_seconds = Histogram(
            "mutasi_ranking_seconds",
            "In-process time to rank (eligibility, features, prediction, top-k, explanation).",
            ["endpoint"],
            buckets=_SECONDS,
            registry=registry,
        )
        self.shap_seconds = Histogram(
            "mutasi_shap_seconds",
            "Time spent computing SHAP contributions for the explained rows.",
            buckets=_SECONDS,
            registry=registry,
        )
        self.pool_size = Histogram(
            "mutasi_candidate_pool_size",
            "Candidates considered per ranking request (before eligibility).",
            buckets=_POOL,
            registry=registry,
        )
        self.reloads = Counter(
            "mutasi_reloads",
            "State reloads by outcome.",
            ["outcome"],
            registry=registry,
        )
        # Resident memory and CPU of the process: how an operator sees a reload that leaks.
        ProcessCollector(registry=registry)


class MonitoringCollector(Collector):
    """Gauges of the latest ``mutasi monitor`` run, read at every scrape (nothing when none):
    drift (PSI and shifted flag per column), the retrain recommendation, realised MAE and
    coverage of the serving model, moves by category and status, the mentoring list's size."""

    def __init__(self, runs: MonitorRuns) -> None:
        self.runs = runs

    def describe(self) -> list[Metric]:
        """No fixed series: they depend on the report (so the registry does not pre-collect)."""
        return []

    def collect(self) -> Iterator[Metric]:
        """The report's figures as gauges."""
        report = self.runs.optional_report()
        if report is None:
            return
        labels = {"model_version": report.model.version or "", "report_id": report.report_id}
        keys, values = list(labels), list(labels.values())

        def gauge(name: str, doc: str, extra: tuple[str, ...] = ()) -> GaugeMetricFamily:
            return GaugeMetricFamily(name, doc, labels=[*keys, *extra])

        age = gauge("mutasi_monitoring_report_age_seconds", "Age of the latest monitoring run.")
        age.add_metric(values, (datetime.now(UTC) - report.created_at).total_seconds())
        retrain = gauge(
            "mutasi_monitoring_retrain_recommended", "1 when the latest run says retrain."
        )
        retrain.add_metric(values, float(report.recommendation.action == "retrain"))
        psi = gauge("mutasi_drift_psi", "PSI per compared column.", ("column", "kind"))
        shifted = gauge("mutasi_drift_shifted", "1 when a column shifted.", ("column", "kind"))
        for c in report.drift.columns:
            if c.psi is not None:
                psi.add_metric([*values, c.name, c.kind], c.psi)
                shifted.add_metric([*values, c.name, c.kind], float(c.shifted and c.used))
        quality = gauge(
            "mutasi_monitoring_model_quality",
            "Serving model on the rated moves of the window.",
            ("metric",),
        )
        model = report.evaluation.model
        for metric in ("mae", "coverage", "brier", "spearman"):
            value = getattr(model, metric)
            if value is not None:
                quality.add_metric([*values, metric], value)
        moves = gauge("mutasi_monitoring_moves", "Moves of the window.", ("category", "status"))
        r = report.reconciliation
        for category, counts in (
            ("recommended_and_moved", r.recommended_and_moved),
            ("moved_only", r.moved_only),
        ):
            for status in ("rated", "unrated", "superseded"):
                moves.add_metric([*values, category, status], getattr(counts, status))
        moves.add_metric([*values, "recommended_only", "not_moved"], r.recommended_only.total)
        mentoring = gauge("mutasi_mentoring_entries", "Mentoring list by flag.", ("flag",))
        for flag, n in report.mentoring.by_flag.items():
            mentoring.add_metric([*values, flag], n)
        yield from (age, retrain, psi, shifted, quality, moves, mentoring)
