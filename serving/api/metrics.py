"""Prometheus metrics of the ranking work itself (HTTP metrics come from the instrumentator).

Each app gets its own registry so that several apps (tests, benchmarks) can live in one process
without "duplicated timeseries" errors.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector

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
