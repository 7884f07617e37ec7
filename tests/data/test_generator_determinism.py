"""Same seed, same files; every preset generates; bad arguments get clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.contract import Table
from features.synth import generate_province
from features.synth.presets import ELECTION_CYCLES, PRESETS, distance_matrix, get_preset

SMALL = 300


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    a = generate_province(preset="binjai", seed=5, n_employees=SMALL, out_dir=tmp_path / "a")
    b = generate_province(preset="binjai", seed=5, n_employees=SMALL, out_dir=tmp_path / "b")
    assert a.rows == b.rows
    first, second = files(tmp_path / "a"), files(tmp_path / "b")
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_another_seed_gives_another_province(tmp_path: Path) -> None:
    generate_province(preset="binjai", seed=5, n_employees=SMALL, out_dir=tmp_path / "a")
    generate_province(preset="binjai", seed=6, n_employees=SMALL, out_dir=tmp_path / "b")
    a = pd.read_csv(tmp_path / "a" / "employees.csv", dtype=str)
    b = pd.read_csv(tmp_path / "b" / "employees.csv", dtype=str)
    assert len(set(a["nip"]) & set(b["nip"])) < len(a) // 10


def test_parquet_holds_the_same_data_as_csv(tmp_path: Path) -> None:
    generate_province(preset="jambi", seed=2, n_employees=SMALL, out_dir=tmp_path / "c")
    summary = generate_province(
        preset="jambi", seed=2, n_employees=SMALL, out_dir=tmp_path / "p", fmt="parquet"
    )
    assert summary.fmt == "parquet"
    for table in Table:
        from_csv = pd.read_csv(
            tmp_path / "c" / f"{table.value}.csv", dtype=str, keep_default_na=False
        )
        from_parquet = pd.read_parquet(tmp_path / "p" / f"{table.value}.parquet")
        assert list(from_parquet.columns) == list(from_csv.columns)
        assert len(from_parquet) == len(from_csv), table
    emp = pd.read_parquet(tmp_path / "p" / "employees.parquet")
    assert str(emp["birth_date"].dtype).startswith("datetime64")


def test_regenerating_replaces_the_previous_dataset(tmp_path: Path) -> None:
    generate_province(
        preset="gorontalo", seed=1, n_employees=SMALL, out_dir=tmp_path, fmt="parquet"
    )
    generate_province(preset="gorontalo", seed=1, n_employees=SMALL, out_dir=tmp_path, fmt="csv")
    assert not list(tmp_path.glob("*.parquet"))


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_generates_in_its_own_regions(tmp_path: Path, preset: str) -> None:
    summary = generate_province(preset=preset, seed=3, n_employees=SMALL, out_dir=tmp_path)
    spec = get_preset(preset)
    units = pd.read_csv(tmp_path / "units.csv", dtype=str)
    emp = pd.read_csv(tmp_path / "employees.csv", dtype=str)
    assert summary.n_employees == SMALL
    assert set(units["region_code"]) <= {r.code for r in spec.regions}
    assert units["sector"].nunique() == 20
    assert set(emp["home_region_code"]) <= {r.code for r in spec.all_regions()}
    if spec.home_only:  # a kota's staff partly commute from neighbouring kabupaten
        assert emp["home_region_code"].isin([r.code for r in spec.home_only]).any()


def test_preset_aliases_regions_and_distances() -> None:
    assert get_preset("mamuju") is get_preset("sulawesi_barat")
    assert [r.code for r in get_preset("gorontalo").regions] == [
        "7501",
        "7502",
        "7503",
        "7504",
        "7505",
        "7571",
    ]
    assert get_preset("binjai").seat == "1276"
    km = distance_matrix(get_preset("gorontalo").regions)
    assert np.allclose(np.diag(km), 0)
    assert np.allclose(km, km.T)
    assert 8 < km[5, 1] < 20  # Kota Gorontalo - Limboto, about 14 km as the crow flies
    start, end = ELECTION_CYCLES[2024].freeze()
    assert (start, end) == (date(2024, 2, 27), date(2025, 2, 20))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"preset": "atlantis"}, "unknown preset"),
        ({"n_employees": 50}, "at least"),
        ({"fmt": "xlsx"}, "unknown format"),
        ({"end_date": date(1990, 1, 1)}, "supported years"),
    ],
)
def test_bad_arguments_are_rejected_clearly(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        generate_province(out_dir=tmp_path, **kwargs)  # type: ignore[arg-type]


def test_an_earlier_export_date_moves_the_window(tmp_path: Path) -> None:
    summary = generate_province(
        preset="bengkulu", seed=4, n_employees=SMALL, out_dir=tmp_path, end_date=date(2021, 6, 30)
    )
    perf = pd.read_csv(tmp_path / "performance.csv")
    assert summary.exported_at == date(2021, 6, 30)
    assert perf["year"].min() == 2012
    assert perf["year"].max() == 2020
    positions = pd.read_csv(tmp_path / "positions.csv", dtype=str)
    assert (positions["is_active"] == "true").all()  # the 2022 restructuring has not happened yet
