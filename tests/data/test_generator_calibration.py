"""The generated workforce matches the statistics the generator is calibrated to
(docs/generator.md states the targets and these tolerances)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.contract import EDUCATION_RANK, PNS_GOLONGAN_RANK, Table
from features.synth import generate_province
from features.synth.corrupt import read_dataset
from features.synth.ranks import EDU_CEILING, ENTRY_GOLONGAN

Frames = dict[Table, pd.DataFrame]
EXPORT = pd.Timestamp("2025-12-31")


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Frames:
    out = tmp_path_factory.mktemp("calibration")
    generate_province(preset="gorontalo", seed=11, n_employees=3000, out_dir=out)
    return read_dataset(Path(out))[0]


@pytest.fixture(scope="module")
def pns(province: Frames) -> pd.DataFrame:
    emp = province[Table.EMPLOYEES]
    return emp[emp["employment_type"] == "PNS"]


def test_headcount_gender_and_pppk_share(province: Frames) -> None:
    emp = province[Table.EMPLOYEES]
    assert len(emp) == 3000
    assert 0.50 <= (emp["gender"] == "P").mean() <= 0.58
    assert 0.15 <= (emp["employment_type"] == "PPPK").mean() <= 0.25
    assert (emp["status"] == "aktif").mean() > 0.9
    assert set(emp["status"]) >= {"aktif", "cuti", "tugas_belajar"}


@pytest.mark.parametrize(
    ("levels", "target", "tolerance"),
    [
        (("S1",), 0.56, 0.04),
        (("SMA",), 0.14, 0.03),
        (("S2",), 0.12, 0.03),
        (("D3",), 0.11, 0.03),
        (("S3",), 0.01, 0.008),
        (("SD", "SMP"), 0.01, 0.01),
        (("D1", "D2", "D4"), 0.05, 0.025),
    ],
)
def test_pns_education_mix_matches_bkn_2023(
    pns: pd.DataFrame, levels: tuple[str, ...], target: float, tolerance: float
) -> None:
    share = pns["education_level"].isin(levels).mean()
    assert abs(share - target) <= tolerance, f"{levels}: {share:.3f}"


def test_age_pyramid_and_retirement_age(province: Frames) -> None:
    emp = province[Table.EMPLOYEES].merge(province[Table.POSITIONS], on="position_id")
    age = (EXPORT - pd.to_datetime(emp["birth_date"])).dt.days / 365.25
    assert age.min() >= 19
    assert 35 <= age.median() <= 48
    assert 0.1 <= (age < 30).mean() <= 0.3
    assert 0.15 <= (age >= 50).mean() <= 0.35
    bup = (
        emp["jabatan_type"]
        .map(
            {
                "jpt_madya": 60,
                "jpt_pratama": 60,
                "fungsional_ahli_madya": 60,
                "fungsional_ahli_utama": 65,
            }
        )
        .fillna(58)
    )
    assert (age < bup + 1 / 12).all()  # pension starts the month after the BUP birthday


def test_golongan_follows_education_and_service(pns: pd.DataFrame) -> None:
    level = pns["education_level"].map({lv: i for i, lv in enumerate(EDUCATION_RANK)})
    grade = pns["golongan"].map(PNS_GOLONGAN_RANK)
    assert (grade <= EDU_CEILING[level.to_numpy()]).all()  # no SMA holder above III/b, etc.
    assert (grade >= ENTRY_GOLONGAN[level.to_numpy()]).mean() > 0.95
    service = (EXPORT - pd.to_datetime(pns["tmt_cpns"])).dt.days / 365.25
    assert np.corrcoef(service, grade)[0, 1] > 0.4


def test_move_volume_and_kinds(province: Frames, pns: pd.DataFrame) -> None:
    moves = province[Table.TRANSFERS]
    year = pd.to_datetime(moves["effective_date"]).dt.year
    perf = province[Table.PERFORMANCE]
    in_service = perf[perf["nip"].isin(pns["nip"])].groupby(perf["year"].astype(int)).size()
    rate = year.value_counts().sort_index() / in_service
    assert 0.08 <= rate.mean() <= 0.12
    assert rate.between(0.04, 0.18).all()
    kinds = moves["kind"].value_counts(normalize=True)
    assert kinds["mutasi"] > 0.3
    assert kinds["promosi"] > 0.15
    assert kinds["permintaan_sendiri"] > 0.05


def test_ratings_are_mostly_baik(province: Frames) -> None:
    share = province[Table.PERFORMANCE]["rating"].value_counts(normalize=True)
    assert share["baik"] > 0.6
    assert 0.13 <= share["sangat_baik"] <= 0.22
    assert 0.03 <= share["butuh_perbaikan"] <= 0.10
    assert share.get("kurang", 0) <= 0.03
    assert share.get("sangat_kurang", 0) <= 0.01


def test_some_posts_are_short_and_others_in_surplus(province: Frames) -> None:
    positions = province[Table.POSITIONS]
    positions = positions[positions["is_active"] == "true"]
    headcount = province[Table.EMPLOYEES]["position_id"].value_counts()
    shortage = positions["abk_need"].astype(int) - positions["position_id"].map(headcount).fillna(0)
    assert (shortage > 0).mean() > 0.2
    assert (shortage < 0).mean() > 0.1
    jabatan = positions["jabatan_type"].value_counts()
    assert jabatan["jpt_pratama"] < jabatan["administrator"] < jabatan["pengawas"]
    assert jabatan.filter(like="fungsional").sum() > jabatan["pengawas"]


def test_freeze_periods_follow_the_governor_elections(province: Frames) -> None:
    freeze = province[Table.FREEZE_PERIODS]
    regions = set(province[Table.UNITS]["region_code"])
    assert set(freeze["region_code"]) == regions
    assert set(freeze["start_date"]) == {"2016-03-21", "2024-02-27"}
    assert set(freeze["reason"]) == {"pilkada"}
