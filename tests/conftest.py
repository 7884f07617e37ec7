"""Shared fixtures: small synthetic provinces generated once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

pytest_plugins = ["tests.serving_fixtures"]

# Property tests under CI draw the same examples every run, so a failure there reproduces.
settings.register_profile("ci", derandomize=True, deadline=None, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def small_province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ~600-employee Gorontalo province as CSV (seed 7). Read-only: copy before editing."""
    from features.synth import generate_province

    out = tmp_path_factory.mktemp("small_province")
    generate_province(preset="gorontalo", seed=7, n_employees=600, out_dir=out)
    return out


# --- PostgreSQL (issue 15) -------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_urls() -> Iterator[dict[str, str]]:
    """URLs of a scratch PostgreSQL server: ``audit`` and ``mlflow`` databases.

    ``MUTASI_TEST_POSTGRES_URL`` (and ``MUTASI_TEST_MLFLOW_POSTGRES_URL``) when exported, as
    ``.ci/run`` does; otherwise a throw-away cluster of this session if the server binaries are
    installed. Under ``CI`` a missing server fails the tests instead of skipping them.
    """
    from tests import pg_cluster

    audit = os.environ.get(pg_cluster.URL_ENV)
    if audit:
        yield {"audit": audit, "mlflow": os.environ.get(pg_cluster.MLFLOW_URL_ENV, audit)}
        return
    if pg_cluster.find_bin_dir() is None:
        message = (
            "no PostgreSQL for the tests: set MUTASI_TEST_POSTGRES_URL or install the server "
            "(Debian package postgresql)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    cluster = pg_cluster.Cluster.start()
    patch = pytest.MonkeyPatch()
    for name, value in cluster.env().items():
        patch.setenv(name, value)  # subprocesses of the tests see the same server
    try:
        yield {
            "audit": cluster.url(pg_cluster.AUDIT_DB),
            "mlflow": cluster.url(pg_cluster.MLFLOW_DB),
        }
    finally:
        patch.undo()
        cluster.stop()


@pytest.fixture(scope="session")
def pemda_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two provinces' governments and all their kab/kota as pemda of their own (14 pemda, about
    2,800 employees, seed 7, units.instansi_code): moves across kab/kota and across provinces.
    Read-only."""
    from features.synth.pemda_set import generate_pemda_set

    out = tmp_path_factory.mktemp("pemda_set")
    generate_pemda_set(["gorontalo", "sulawesi_barat"], seed=7, n_employees=2800, out_dir=out)
    return out
