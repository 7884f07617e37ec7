"""``continue_province``: history kept, given moves executed and rated from the same model, the
world moving on (retirements, hires, SKP), determinism, and bad moves rejected with reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from features.contract import RATING_VALUE, Table
from features.data import read_raw_tables
from features.synth import MoveError, Oracle, continue_province
from features.synth.continued import skp_noise
from features.synth.persist import state_dir
from features.validation import validate_tables
from mutasi.cli import app
from training.pipeline_inputs import fitted_builder

SOURCE_END = pd.Timestamp("2025-12-31")
# Date column of each history table; rows dated before the source export must not change.
HISTORY = {
    Table.TRANSFERS: "effective_date",
    Table.RANK_HISTORY: "tmt",
    Table.EDUCATION_HISTORY: "graduation_date",
    Table.COMPETENCY_ASSESSMENTS: "assessed_on",
    Table.PREFERENCES: "submitted_on",
}
# What an employee is, independent of the date of the export.
FIXED = ["nip", "name", "birth_date", "gender", "employment_type", "tmt_cpns", "home_region_code"]
# Staffing features count the people in the export, so leavers change them (see docs).
STAFFING = {"target_position_shortage", "target_unit_shortage", "source_unit_shortage_after"}


def read(root: Path, table: Table) -> pd.DataFrame:
    return pd.read_csv(root / f"{table.value}.csv", dtype=str, keep_default_na=False)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.*"))}


def plan_moves(source: Path, n: int, day: str = "2026-01-01", seed: int = 0) -> pd.DataFrame:
    """``n`` PNS moved into other active posts of their unit's sector (any fit)."""
    emp = read(source, Table.EMPLOYEES)
    positions = read(source, Table.POSITIONS)
    active = positions.loc[positions["is_active"] == "true", "position_id"].to_numpy()
    rng = np.random.default_rng(seed)
    people = emp[(emp["employment_type"] == "PNS") & (emp["birth_date"] > "1972-01-01")]
    picked = people.sample(n, random_state=seed)
    targets = [rng.choice(active[active != own]) for own in picked["position_id"]]
    return pd.DataFrame(
        {"nip": picked["nip"].to_numpy(), "to_position_id": targets, "effective_date": day}
    )


@pytest.fixture(scope="module")
def historical(small_province: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("historical")
    continue_province(small_province, out, years=1)
    return out


@pytest.fixture(scope="module")
def moved(
    small_province: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("moved")
    moves = plan_moves(small_province, 25)
    continue_province(small_province, out, years=1, moves=moves)
    return out, moves


def test_history_before_the_source_export_is_unchanged(
    small_province: Path, historical: Path
) -> None:
    """Every row of everyone still in service is kept, and nothing is added to their past."""
    kept = set(read(historical, Table.EMPLOYEES)["nip"]) & set(
        read(small_province, Table.EMPLOYEES)["nip"]
    )
    for table in (Table.UNITS, Table.POSITIONS, Table.FREEZE_PERIODS):
        pd.testing.assert_frame_equal(read(small_province, table), read(historical, table))
    perf_old = read(small_province, Table.PERFORMANCE)
    perf_new = read(historical, Table.PERFORMANCE)
    old = perf_old[perf_old["nip"].isin(kept)].reset_index(drop=True)
    past = (perf_new["year"].astype(int) <= SOURCE_END.year) & perf_new["nip"].isin(kept)
    pd.testing.assert_frame_equal(old, perf_new[past].reset_index(drop=True))
    for table, column in HISTORY.items():
        source, continued = read(small_province, table), read(historical, table)
        old = source[source["nip"].isin(kept)].reset_index(drop=True)
        past = (pd.to_datetime(continued[column]) <= SOURCE_END) & continued["nip"].isin(kept)
        pd.testing.assert_frame_equal(old, continued[past].reset_index(drop=True), obj=table.value)
    # New people bring only what preceded their TMT (a degree): no transfer before the export.
    transfers = read(historical, Table.TRANSFERS)
    newcomers = transfers[~transfers["nip"].isin(kept)]
    assert (newcomers["effective_date"] > "2025-12-31").all()
    before = read(small_province, Table.EMPLOYEES).set_index("nip")
    after = read(historical, Table.EMPLOYEES).set_index("nip")
    both = after.index.intersection(before.index)
    assert len(both) > 0.9 * len(before)
    pd.testing.assert_frame_equal(before.loc[both, FIXED[1:]], after.loc[both, FIXED[1:]])


def test_person_features_as_of_earlier_dates_do_not_change(
    small_province: Path, historical: Path
) -> None:
    source = validate_tables(read_raw_tables(small_province)).dataset
    continued = validate_tables(read_raw_tables(historical)).dataset
    transfers = read(small_province, Table.TRANSFERS)
    kept = set(read(historical, Table.EMPLOYEES)["nip"])
    past = transfers[transfers["nip"].isin(kept)].tail(300)
    triples = pd.DataFrame(
        {
            "nip": past["nip"].to_numpy(),
            "position_id": past["to_position_id"].to_numpy(),
            "as_of": pd.to_datetime(past["effective_date"]).to_numpy(),
        }
    )
    a = fitted_builder(source, None).transform(triples)
    b = fitted_builder(continued, None).transform(triples)
    person = [c for c in a.columns if c not in STAFFING]
    pd.testing.assert_frame_equal(a[person], b[person])


def test_historical_policy_moves_people_retires_and_hires(
    small_province: Path, historical: Path
) -> None:
    manifest = (historical / "manifest.json").read_text()
    assert '"exported_at": "2026-12-31"' in manifest
    before = read(small_province, Table.EMPLOYEES)
    after = read(historical, Table.EMPLOYEES)
    assert len(after) == len(before)  # hires replace who retired or left
    hired = after[~after["nip"].isin(before["nip"])]
    assert len(hired) > 0.02 * len(before)
    assert (hired["tmt_cpns"].str[:4] == "2026").all()
    left = before[~before["nip"].isin(after["nip"])]
    state = pd.read_parquet(state_dir(small_province) / "people.parquet")
    dec31 = (pd.Timestamp("2026-12-31") - pd.Timestamp("1970-01-01")).days
    retiring = set(state.loc[state["retire"] <= dec31, "nip"])
    assert len(retiring) > 5
    assert retiring <= set(left["nip"])  # the BUP reached: pension
    assert len(left) > len(retiring)  # and some other exits
    transfers = read(historical, Table.TRANSFERS)
    pns = (before["employment_type"] == "PNS").sum()
    moved = (transfers["effective_date"].str[:4] == "2026").sum()
    assert 0.05 * pns < moved < 0.15 * pns
    assert transfers["transfer_id"].is_unique
    perf = read(historical, Table.PERFORMANCE)
    assert set(perf.loc[perf["year"] == "2026", "nip"]) == set(after["nip"])


def test_continued_dataset_validates_clean(historical: Path) -> None:
    result = validate_tables(read_raw_tables(historical))
    errors = result.issues[result.issues["severity"] == "error"]
    assert result.n_rejected == 0, errors.head(10).to_string()


def test_given_moves_replace_the_policy_and_are_rated_in_the_new_post(
    moved: tuple[Path, pd.DataFrame],
) -> None:
    out, moves = moved
    transfers = read(out, Table.TRANSFERS)
    in_year = transfers[transfers["effective_date"].str[:4] == "2026"]
    kept = set(read(out, Table.EMPLOYEES)["nip"])
    expected = moves[moves["nip"].isin(kept)]
    assert len(expected) >= 20
    got = in_year[["nip", "to_position_id", "effective_date"]].sort_values("nip")
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), expected.sort_values("nip").reset_index(drop=True)
    )
    record = pd.read_parquet(state_dir(out).parent / "given_moves.parquet")
    assert len(record) == len(moves)
    assert record["transfer_id"].notna().sum() == len(expected)
    skp = pd.read_parquet(out / "_oracle" / "skp.parquet")
    rated = skp[(skp["year"] == 2026) & skp["nip"].isin(expected["nip"])]
    placed = rated.merge(expected, on="nip")
    assert (placed["position_id"] == placed["to_position_id"]).all()
    oracle = Oracle.load(out)
    truth = oracle.truth_index(placed["nip"], placed["to_position_id"], "2026-07-01")
    np.testing.assert_allclose(truth, placed["index"].to_numpy(), atol=1e-9)
    perf = read(out, Table.PERFORMANCE)
    assert set(expected["nip"]) <= set(perf.loc[perf["year"] == "2026", "nip"])


def test_no_moves_means_nobody_moves(small_province: Path, tmp_path: Path) -> None:
    empty = pd.DataFrame(columns=["nip", "to_position_id", "effective_date"])
    continue_province(small_province, tmp_path, moves=empty)
    transfers = read(tmp_path, Table.TRANSFERS)
    assert not (transfers["effective_date"].str[:4] == "2026").any()


def test_the_policy_runs_again_after_the_year_of_given_moves(
    moved: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    out, _ = moved
    continue_province(out, tmp_path, years=2)
    years = read(tmp_path, Table.TRANSFERS)["effective_date"].str[:4].value_counts()
    assert years["2027"] > 20
    assert years["2028"] > 20
    oracle = Oracle.load(tmp_path)
    skp = pd.read_parquet(tmp_path / "_oracle" / "skp.parquet")
    late = skp[skp["year"] >= 2027]
    index = oracle.truth_index(
        late["nip"], late["position_id"], late["year"].astype(str) + "-07-01"
    )
    np.testing.assert_allclose(index, late["index"].to_numpy(), atol=1e-9)
    realised = late["rating"].map(RATING_VALUE).to_numpy()
    assert (
        abs(realised.mean() - oracle.model.expected_rating(late["index"].to_numpy()).mean()) < 0.05
    )
    assert "continued to 2026-12-31" in (tmp_path / "manifest.json").read_text()


def test_same_inputs_and_seed_give_the_same_files(small_province: Path, tmp_path: Path) -> None:
    moves = plan_moves(small_province, 10)
    continue_province(small_province, tmp_path / "a", moves=moves, seed=3)
    continue_province(small_province, tmp_path / "b", moves=moves, seed=3)
    continue_province(small_province, tmp_path / "c", moves=moves, seed=4)
    a, b, c = files(tmp_path / "a"), files(tmp_path / "b"), files(tmp_path / "c")
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    assert a["performance.csv"] != c["performance.csv"]


def test_a_persons_luck_does_not_depend_on_the_decisions(
    historical: Path, moved: tuple[Path, pd.DataFrame]
) -> None:
    """Same person, same year, same post and state: the same rating in both worlds."""
    skp = {
        name: pd.read_parquet(root / "_oracle" / "skp.parquet").query("year == 2026")
        for name, root in (("a", historical), ("b", moved[0]))
    }
    both = skp["a"].merge(skp["b"], on=["nip", "position_id"], suffixes=("_a", "_b"))
    same = both[np.isclose(both["index_a"], both["index_b"])]
    assert len(same) > 400
    assert (same["rating_a"] == same["rating_b"]).all()


def test_skp_noise_is_standard_normal_and_keyed() -> None:
    keys = np.arange(1, 200_001, dtype=np.uint64) * np.uint64(7919)
    z = skp_noise(keys, 2026, 7)
    assert abs(z.mean()) < 0.01
    assert abs(z.std() - 1) < 0.01
    np.testing.assert_array_equal(skp_noise(keys[::-1], 2026, 7), z[::-1])
    assert np.corrcoef(z, skp_noise(keys, 2027, 7))[0, 1] < 0.01


def test_bad_moves_are_rejected_with_their_reasons(small_province: Path, tmp_path: Path) -> None:
    emp = read(small_province, Table.EMPLOYEES)
    good = plan_moves(small_province, 3)
    emp = emp[~emp["nip"].isin(good["nip"])].reset_index(drop=True)
    state = pd.read_parquet(state_dir(small_province) / "people.parquet")
    july = (pd.Timestamp("2026-07-01") - pd.Timestamp("1970-01-01")).days
    old = state[state["retire"] <= july].iloc[0]  # reaches the BUP before July
    bad = pd.DataFrame(
        {
            "nip": ["199901012020011001", good.nip[0], good.nip[1], old["nip"], emp.nip[5], None],
            "to_position_id": ["J000001", "J999999", good.to_position_id[1], good.to_position_id[0],
                               emp.position_id[5], "J000001"],
            "effective_date": ["2026-01-01", "2026-03-01", "2027-01-01", "2026-07-01",
                               "2026-02-01", "2026-01-01"],
        }
    )  # fmt: skip
    moves = pd.concat([good, bad], ignore_index=True)
    with pytest.raises(MoveError, match="6 of 9 rows rejected") as caught:
        continue_province(small_province, tmp_path / "out", moves=moves)
    rejected = caught.value.rejected
    assert rejected["row"].tolist() == [4, 5, 6, 7, 8, 9]
    reasons = rejected["reason"].tolist()
    assert reasons[0] == "nip is not an employee at the source export"
    assert reasons[1] == "to_position_id is not a known position"
    assert reasons[2].startswith("effective_date is not in 2026")
    assert reasons[3].startswith("not in service on the date (retires")
    assert reasons[4] == "the employee already holds to_position_id"
    assert reasons[5] == "missing nip"
    assert not (tmp_path / "out").exists()


def test_inactive_posts_missing_columns_and_same_day_twice(
    small_province: Path, tmp_path: Path
) -> None:
    positions = read(small_province, Table.POSITIONS)
    inactive = positions.loc[positions["is_active"] == "false", "position_id"].iloc[0]
    moves = plan_moves(small_province, 2)
    moves.loc[0, "to_position_id"] = inactive
    moves.loc[1, "nip"] = moves.loc[0, "nip"]
    with pytest.raises(MoveError) as caught:
        continue_province(small_province, tmp_path, moves=moves)
    assert caught.value.rejected["reason"].tolist() == [
        "to_position_id is not active",
        "two moves of this nip on the same day",
    ]
    with pytest.raises(MoveError, match=r"missing column\(s\) \['effective_date'\]"):
        continue_province(small_province, tmp_path, moves=moves.drop(columns="effective_date"))


def test_a_source_that_cannot_be_continued_is_named(small_province: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is the source itself"):
        continue_province(small_province, small_province)
    with pytest.raises(ValueError, match="years must be"):
        continue_province(small_province, tmp_path, years=0)
    with pytest.raises(FileNotFoundError, match=r"no manifest\.json"):
        continue_province(tmp_path, tmp_path / "out")


def test_cli_continues_with_a_moves_file(small_province: Path, tmp_path: Path) -> None:
    moves = plan_moves(small_province, 5)
    moves.to_csv(tmp_path / "moves.csv", index=False)
    out = tmp_path / "out"
    args = ["generate", "--continue-from", str(small_province), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--moves", str(tmp_path / "moves.csv")])
    assert result.exit_code == 0, result.output
    assert "exported_at 2026-12-31" in result.output
    transfers = read(out, Table.TRANSFERS)
    assert (transfers["effective_date"].str[:4] == "2026").sum() <= 5


def test_cli_writes_rejected_moves_with_reasons(small_province: Path, tmp_path: Path) -> None:
    moves = plan_moves(small_province, 3)
    moves.loc[2, "to_position_id"] = "J999999"
    moves.to_csv(tmp_path / "moves.csv", index=False)
    out = tmp_path / "out"
    args = ["generate", "--continue-from", str(small_province), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--moves", str(tmp_path / "moves.csv")])
    assert result.exit_code == 1
    rejected = pd.read_csv(out / "rejected_moves.csv", dtype=str)
    assert rejected["row"].tolist() == ["3"]
    assert rejected["reason"].tolist() == ["to_position_id is not a known position"]
    assert not (out / "employees.csv").exists()
    lone = CliRunner().invoke(app, ["generate", "--out", str(out), "--moves", "x.csv"])
    assert lone.exit_code == 2
    assert "--moves needs --continue-from" in lone.output
    missing = CliRunner().invoke(
        app, ["generate", "--continue-from", str(tmp_path), "--out", str(out)]
    )
    assert missing.exit_code == 2
    assert "no manifest.json" in " ".join(missing.output.split())  # rich wraps long paths
