"""Many pemda in one dataset: every pemda simulated apart, merged into one valid contract
dataset whose units say which pemda employs them, with unique ids and meaningful NIPs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from features.data import read_raw_tables
from features.synth.oracle import Oracle
from features.synth.pemda_set import generate_pemda_set, kabkota_presets, pemda_sizes
from features.synth.presets import get_preset
from features.validation import validate_tables


def test_the_set_validates_with_no_rejected_row(pemda_set: Path) -> None:
    result = validate_tables(read_raw_tables(pemda_set))
    assert result.n_rejected == 0, result.rejection_summary()
    units = result.dataset.units
    # Two provincial governments and their 6 + 6 kab/kota governments.
    assert set(units["instansi_code"]) == {
        "75", "7501", "7502", "7503", "7504", "7505", "7571",
        "76", "7601", "7602", "7603", "7604", "7605", "7606",
    }  # fmt: skip
    kabkota = units[units["instansi_code"].str.len() == 4]
    assert (kabkota["instansi_code"] == kabkota["region_code"]).all()
    province = units[units["instansi_code"].str.len() == 2]
    assert (province["region_code"].str.slice(0, 2) == province["instansi_code"]).all()


def test_ids_are_unique_and_employees_of_every_pemda_are_in_service(pemda_set: Path) -> None:
    dataset = validate_tables(read_raw_tables(pemda_set)).dataset
    assert dataset.units["unit_id"].is_unique
    assert dataset.positions["position_id"].is_unique
    assert dataset.employees["nip"].is_unique
    assert dataset.transfers["transfer_id"].is_unique
    units = dataset.units.set_index("unit_id")["instansi_code"]
    positions = dataset.positions.set_index("position_id")["unit_id"]
    employer = units.reindex(positions.reindex(dataset.employees["position_id"])).to_numpy()
    counts = pd.Series(employer).value_counts()
    assert len(counts) == 14
    assert counts.min() >= 150  # each pemda exports its survivors of a 200+ simulation
    manifest = json.loads((pemda_set / "manifest.json").read_text(encoding="utf-8"))
    assert [p["instansi_code"] for p in manifest["pemda"]][:2] == ["75", "7501"]
    assert sum(p["n_employees"] for p in manifest["pemda"]) == len(dataset.employees)


def test_the_merged_oracle_scores_pairs_across_pemda(pemda_set: Path) -> None:
    dataset = validate_tables(read_raw_tables(pemda_set)).dataset
    oracle = Oracle.load(pemda_set)
    nips = dataset.employees["nip"].iloc[[0, -1]].tolist()
    posts = dataset.positions["position_id"].iloc[[-1, 0]].tolist()  # other pemda's posts
    truth = oracle.truth(nips, posts, "2025-06-30")
    assert len(truth) == 2
    assert ((truth >= 1) & (truth <= 5)).all()


def test_sizes_and_presets() -> None:
    province = get_preset("gorontalo")
    kabkota = kabkota_presets(province)
    assert [p.instansi_code for p in kabkota] == [r.code for r in province.regions]
    assert kabkota[-1].level == "kota"
    assert kabkota[0].level == "kabupaten"
    sizes = pemda_sizes([province, *kabkota], 3000)
    assert min(sizes) >= 200
    assert sum(sizes) <= 3000
    assert sizes[0] > sizes[5]  # the province's government is bigger than Gorontalo Utara
    with pytest.raises(ValueError, match="at least 1400"):
        pemda_sizes([province, *kabkota], 1000)
    with pytest.raises(ValueError, match="not a province"):
        kabkota_presets(get_preset("binjai"))


def test_the_same_seed_gives_the_same_files(tmp_path: Path) -> None:
    a = generate_pemda_set(["gorontalo"], seed=3, n_employees=1400, out_dir=tmp_path / "a")
    b = generate_pemda_set(["gorontalo"], seed=3, n_employees=1400, out_dir=tmp_path / "b")
    assert a.rows == b.rows
    for name in ("employees.csv", "units.csv", "transfers.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
