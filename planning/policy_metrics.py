"""What a simulated year of one policy achieved, read from the exports it produced.

Staff (at the export closing the year): mean SKP rating of everyone rated that year, realised
and noise-free (the oracle's expected rating of the same SKP); unit shortage
sum_units max(0, ABK need of the unit's active posts - headcount); share of staff whose degree
field fits their post's sector (taxonomy fit core or related).

Moved staff (the year's moves): how many; the rating of the first full calendar year in the new
post (the training label rule), realised and noise-free, among those still in service then;
the uplift, the oracle's expected rating in the new post minus in the old one at the decision
date (what the move itself was worth); and the impact ratio of being moved by gender, age band
and region of origin among the PNS in service at the decision date (training.fairness, the
smallest ratio over groups large enough to compare).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from features.asof import age_band
from features.contract import EDUCATION_FIELDS, RATING_VALUE, SECTORS, Table
from features.synth import Oracle
from features.taxonomy import load_taxonomy
from training.fairness import fairness_report
from training.training_set import outcome_year

IMPACT_ATTRIBUTES = ("gender", "age_band", "region_of_origin")
YEAR_DAYS = 365.25


def read_table(world: Path, table: Table) -> pd.DataFrame:
    """One contract table of a generated world (CSV or parquet) as text."""
    csv = world / f"{table.value}.csv"
    if csv.is_file():
        return pd.read_csv(csv, dtype=str, keep_default_na=False, na_values=[""])
    return pd.read_parquet(world / f"{table.value}.parquet").astype(str)


def staff_metrics(world: Path, year: int) -> dict[str, float]:
    """Performance, shortage and field fit of the staff of ``world`` (exported end of ``year``)."""
    perf = read_table(world, Table.PERFORMANCE)
    rated = perf[perf["year"].astype(int) == year]
    skp = pd.read_parquet(world / "_oracle" / "skp.parquet")
    oracle_skp = skp[skp["year"] == year]
    model = Oracle.load(world).model
    employees = read_table(world, Table.EMPLOYEES)
    positions = read_table(world, Table.POSITIONS)
    units = read_table(world, Table.UNITS).set_index("unit_id")
    active = positions[positions["is_active"].str.lower() == "true"]
    need = active.groupby("unit_id")["abk_need"].apply(lambda s: s.astype(int).sum())
    unit_of = positions.set_index("position_id")["unit_id"]
    headcount = employees["position_id"].map(unit_of).value_counts()
    gap = need.sub(headcount.reindex(need.index, fill_value=0), fill_value=0)
    taxonomy = load_taxonomy()
    sector = employees["position_id"].map(unit_of).map(units["sector"])
    known = employees["education_field"].notna() & sector.notna()
    fit = taxonomy.matrix[
        employees.loc[known, "education_field"].map(EDUCATION_FIELDS.index).to_numpy(np.int64),
        sector[known].map(SECTORS.index).to_numpy(np.int64),
    ]
    return {
        "staff": float(len(employees)),
        "all_skp": float(rated["rating"].map(RATING_VALUE).mean()),
        "all_expected": float(model.expected_rating(oracle_skp["index"].to_numpy()).mean()),
        "shortage": float(np.maximum(gap.to_numpy(dtype=float), 0).sum()),
        "fit_share": float((fit >= taxonomy.levels["related"]).mean()),
    }


def moved_metrics(
    moves: pd.DataFrame, decision_world: Path, outcome_world: Path, as_of: date
) -> dict[str, float | str]:
    """Outcome, uplift and impact ratios of the year's ``moves`` (nip, from_position_id,
    to_position_id, effective_date) decided on the export of ``decision_world`` at ``as_of``."""
    out: dict[str, float | str] = {"moved": float(len(moves))}
    label_year = outcome_year(pd.to_datetime(moves["effective_date"]))
    keyed = moves.assign(year=label_year.to_numpy())
    perf = read_table(outcome_world, Table.PERFORMANCE).assign(year=lambda f: f["year"].astype(int))
    rated = keyed.merge(perf[["nip", "year", "rating"]], on=["nip", "year"], how="inner")
    skp = pd.read_parquet(outcome_world / "_oracle" / "skp.parquet")
    noise_free = keyed.merge(skp[["nip", "year", "index"]], on=["nip", "year"], how="inner")
    model = Oracle.load(outcome_world).model
    out["moved_rated"] = float(len(rated))
    out["moved_skp"] = _mean(rated["rating"].map(RATING_VALUE))
    out["moved_expected"] = _mean(pd.Series(model.expected_rating(noise_free["index"].to_numpy())))
    oracle = Oracle.load(decision_world)
    stamp = pd.Timestamp(as_of)
    if len(moves):
        new = oracle.truth(moves["nip"].tolist(), moves["to_position_id"].tolist(), stamp)
        old = oracle.truth(moves["nip"].tolist(), moves["from_position_id"].tolist(), stamp)
        out["moved_uplift"] = float(np.mean(new - old))
    else:
        out["moved_uplift"] = float("nan")
    out.update(impact_ratios(moves, decision_world, as_of))
    return out


def impact_ratios(moves: pd.DataFrame, decision_world: Path, as_of: date) -> dict[str, float | str]:
    """Smallest impact ratio of the rate of being moved, per attribute, among PNS in service,
    and the group it belongs to (``impact_<attribute>_group``)."""
    employees = read_table(decision_world, Table.EMPLOYEES)
    pns = employees[employees["employment_type"] == "PNS"].reset_index(drop=True)
    moved = pns["nip"].isin(set(moves["nip"])).to_numpy()
    out: dict[str, float | str] = {}
    if not moved.any():
        for a in IMPACT_ATTRIBUTES:
            out[f"impact_{a}"], out[f"impact_{a}_group"] = float("nan"), ""
        return out
    age = (pd.Timestamp(as_of) - pd.to_datetime(pns["birth_date"])).dt.days / YEAR_DAYS
    rank = np.empty(len(pns), dtype=np.int64)
    order = np.argsort(~moved, kind="stable")
    rank[order] = np.arange(1, len(pns) + 1)
    frame = pd.DataFrame(
        {
            "vacancy_id": 0,
            "nip": pns["nip"],
            "score": moved.astype(float),
            "rank": rank,
            "gender": pns["gender"],
            "age_band": age_band(age.to_numpy(dtype=np.float64)),
            "region_of_origin": pns["home_region_code"],
        }
    )
    report = fairness_report(
        frame, k=int(moved.sum()), attributes=IMPACT_ATTRIBUTES, intersections=(), n_bootstrap=0
    )
    groups = report.groups[~report.groups["excluded"]]
    for a in IMPACT_ATTRIBUTES:
        mine = groups[groups["attribute"] == a].sort_values("selection_impact_ratio")
        first = mine.head(1)
        out[f"impact_{a}"] = (
            float(first["selection_impact_ratio"].iloc[0]) if len(first) else np.nan
        )
        out[f"impact_{a}_group"] = str(first["group"].iloc[0]) if len(first) else ""
    return out


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else float("nan")
