"""Shared fixtures: small synthetic provinces generated once per test session."""

from __future__ import annotations

import os
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
