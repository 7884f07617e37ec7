"""Demo helpers: keys are made once and stored hashed; the call names a real vacancy."""

from __future__ import annotations

import json
from pathlib import Path

from features.data import load_dataset
from mutasi.demo import a_vacancy, demo_keys
from serving.api.security import KeyRing, Role


def test_demo_keys_are_created_once_and_authenticate(tmp_path: Path) -> None:
    first = demo_keys(tmp_path)
    assert demo_keys(tmp_path) == first
    lines = json.loads((tmp_path / "demo" / "api_keys.json").read_text(encoding="utf-8"))
    assert all(first[role] not in line for role in first for line in lines)  # hashes only
    ring = KeyRing(lines)
    for role in Role:
        principal = ring.authenticate(first[role.value])
        assert principal is not None
        assert principal.role == role


def test_the_demo_vacancy_has_the_largest_shortage(small_province: Path) -> None:
    dataset = load_dataset(small_province)
    headcount = dataset.employees["position_id"].value_counts()
    active = dataset.positions[dataset.positions["is_active"]].set_index("position_id")
    shortage = active["abk_need"] - headcount.reindex(active.index).fillna(0)
    chosen = a_vacancy(small_province)
    assert shortage[chosen] == shortage.max() > 0


def test_the_demo_never_forces_a_promotion_and_says_when_a_gate_refuses() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    promote = [line for line in recipe.splitlines() if "mutasi promote" in line]
    assert promote, "the demo promotes"
    assert all("--force" not in line.split(";")[0] for line in promote)
    assert "REFUSED" in recipe  # ...and an unearned promotion is said, not forced
