"""The synthetic generator's output satisfies the contract: zero rejected rows."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from features.data import read_raw_tables
from features.validation import validate_tables


def test_generated_province_validates_clean(request: pytest.FixtureRequest) -> None:
    if not hasattr(importlib.import_module("features.synth"), "generate_province"):
        pytest.skip("features.synth.generate_province not available yet")
    province: Path = request.getfixturevalue("small_province")

    result = validate_tables(read_raw_tables(province))

    errors = result.issues[result.issues["severity"] == "error"]
    assert result.n_rejected == 0, errors.head(20).to_string()
    assert result.missing_optional_tables == []
