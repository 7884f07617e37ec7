"""The load benchmark's own logic: its second snapshot, phases and memory verdict."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.load import Reload, memory_verdict, phase_of, second_snapshot
from features.data import load_dataset

RELOADS = [Reload("model", 20.0, 21.0, 200, 0.8, ""), Reload("snapshot", 30.0, 34.0, 200, 3.9, "")]


def test_the_second_snapshot_is_valid_and_has_its_own_id(
    small_province: Path, tmp_path: Path
) -> None:
    second_snapshot(small_province, tmp_path / "b")
    first, second = load_dataset(small_province), load_dataset(tmp_path / "b", strict=True)
    assert second.snapshot_id != first.snapshot_id
    assert len(second.employees) == len(first.employees)
    names = [d.employees.set_index("nip")["name"].fillna("") for d in (first, second)]
    assert (names[0] != names[1]).sum() == 1
    assert not (tmp_path / "b" / "_oracle").exists(), "the service never sees the oracle"


def test_requests_overlapping_a_reload_count_as_during_it() -> None:
    assert phase_of(5.0, 1.0, RELOADS) == "before"
    assert phase_of(19.5, 1.0, RELOADS) == "model reload"
    assert phase_of(25.0, 1.0, RELOADS) == "between"
    assert phase_of(33.0, 0.0, RELOADS) == "snapshot reload"
    assert phase_of(40.0, 1.0, RELOADS) == "after"


def _series(level: pd.Series) -> list[tuple[float, float]]:
    return [(float(t), float(mb)) for t, mb in level.items()]


def test_flat_memory_with_reload_bumps_is_no_growth() -> None:
    rss = pd.Series(475.0, index=range(60))
    rss[21:24], rss[31:36] = 483.0, 490.0  # two states held for a moment
    verdict = memory_verdict(_series(rss), RELOADS)
    assert not verdict["grew"]
    assert verdict["peak_mb"] == 490.0


def test_a_state_kept_after_the_reload_is_growth() -> None:
    rss = pd.Series(475.0, index=range(60))
    rss[31:] = 560.0  # the replaced snapshot never released
    assert memory_verdict(_series(rss), RELOADS)["grew"]


def test_a_steady_climb_at_the_end_is_growth() -> None:
    rss = pd.Series(475.0, index=range(60))
    rss[50:] = 475.0 + 1.0 * (rss.index[50:] - 49)  # +1 MB/s and still going
    assert memory_verdict(_series(rss), RELOADS)["grew"]


def test_one_allocator_step_at_the_end_is_not_a_climb() -> None:
    """As in a measured run: flat at 500.9 MB, then one +7.6 MB step two seconds before the end
    (least squares called that 0.74 MB/s and the run failed; the median of pairwise slopes is 0)."""
    rss = pd.Series(500.9, index=range(60))
    rss[58:] = 508.5
    verdict = memory_verdict(_series(rss), RELOADS)
    assert verdict["slope_end_mb_per_s"] == 0.0
    assert not verdict["grew"]
