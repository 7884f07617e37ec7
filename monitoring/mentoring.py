"""The mentoring list (daftar pendampingan): moved employees who need accompaniment.

A move of the window is listed when

- ``realised_low``: its first full year in the new post is rated ``butuh_perbaikan`` or worse;
- ``below_interval``: the realised rating lies more than ``far_below`` rating points under the
  lower end of its prediction interval (an unexpected fall, even to ``baik``);
- ``early_gap``: its year is not rated yet, but the prediction's own reasons (SHAP) hold a gap
  reason (education or competency against the new post) that lowers it by at least
  ``early_gap_shap`` points: the person is listed before the SKP arrives.

Superseded moves are not listed (the person moved on). Each entry carries the prediction as it
was answered (or the serving model's, for moves no answer predicted), the reasons that lowered
it, and the gaps against the new post with the training that would close each
(:mod:`monitoring.gaps`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.catalogue import FeatureCatalogue
from features.contract import RATING_VALUE, RATINGS, Dataset
from features.history import EmployeeHistory
from monitoring.gaps import TrainingCatalogue, person_gaps
from serving.domain.explain import reason
from serving.schemas.monitoring import MentoringEntry, MentoringFlag, MentoringReason

LOW_RATING = float(RATING_VALUE["butuh_perbaikan"])
# Reasons that describe a gap between the person and the new post (catalogue groups education
# and competency), not the person's history or the unit's staffing.
NOT_GAPS = frozenset({"current_field_sector_fit", "competency_coverage"})
GAP_GROUPS = frozenset({"education", "competency"})


@dataclass(frozen=True)
class MentoringRules:
    """When a move is listed (settings ``monitor_far_below``, ``monitor_early_gap_shap``)."""

    far_below: float = 0.5
    early_gap_shap: float = 0.1
    n_reasons: int = 5


def gap_features(catalogue: FeatureCatalogue) -> list[str]:
    """Features whose reasons describe a gap against the new post."""
    return [f.name for f in catalogue.features if f.group in GAP_GROUPS and f.name not in NOT_GAPS]


def contributions_of(moves: pd.DataFrame, rescored: np.ndarray, names: list[str]) -> np.ndarray:
    """SHAP per move: the answer's own where it explained the row, else the serving model's."""
    out = np.array(rescored, dtype=float, copy=True)
    stored: Sequence[object] = (
        list(moves["shap_values"].to_numpy(dtype=object)) if "shap_values" in moves else []
    )
    for i, values in enumerate(stored):
        if isinstance(values, Mapping) and values:
            out[i] = [float(values.get(n) or 0.0) for n in names]
    return out


def flag_moves(
    moves: pd.DataFrame, contributions: np.ndarray, gap_columns: np.ndarray, rules: MentoringRules
) -> pd.DataFrame:
    """Boolean columns realised_low, below_interval, early_gap per move (index kept)."""
    rated = (moves["status"] == "rated").to_numpy()
    rating = moves["rating"].to_numpy(dtype=float)
    lower = moves["shown_lower"].to_numpy(dtype=float)
    gap_push = (
        contributions[:, gap_columns].min(axis=1) if gap_columns.size else np.zeros(len(moves))
    )
    return pd.DataFrame(
        {
            "realised_low": rated & (rating <= LOW_RATING),
            "below_interval": rated & (rating < lower - rules.far_below),
            "early_gap": (moves["status"] == "unrated").to_numpy()
            & (gap_push <= -rules.early_gap_shap),
        },
        index=moves.index,
    )


def _reasons(
    catalogue: FeatureCatalogue, names: list[str], values: np.ndarray, contrib: np.ndarray, n: int
) -> list[MentoringReason]:
    order = [j for j in np.argsort(contrib, kind="stable") if contrib[j] < 0][:n]
    specs = {spec.name: spec for spec in catalogue.features}
    found = [reason(specs[names[j]], float(values[j]), float(contrib[j])) for j in order]
    return [
        MentoringReason(
            feature=r.feature,
            value=r.value,
            contribution=r.contribution,
            reason_id=r.reason_id,
            reason_en=r.reason_en,
        )
        for r in found
    ]


def _optional(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def mentoring_entries(
    moves: pd.DataFrame,
    flags: pd.DataFrame,
    features: np.ndarray,
    contributions: np.ndarray,
    dataset: Dataset,
    history: EmployeeHistory,
    catalogue: FeatureCatalogue,
    names: list[str],
    trainings: TrainingCatalogue,
    rules: MentoringRules,
) -> list[MentoringEntry]:
    """One entry per flagged move, most worrying first (lowest rating, then prediction)."""
    listed = flags.any(axis=1).to_numpy()
    rows = moves.loc[listed]
    flag_rows = flags.loc[listed]
    where = np.flatnonzero(listed)
    posts = dataset.positions.set_index("position_id")
    units = dataset.units.set_index("unit_id")
    posts = posts.assign(sector=posts["unit_id"].map(units["sector"].astype(str)))
    export = pd.Timestamp(dataset.export_date or moves["effective_date"].max())
    gaps = person_gaps(
        history,
        dataset.employees,
        posts,
        rows["nip"].astype(str).tolist(),
        rows["position_id"].astype(str).tolist(),
        export,
        trainings,
    )
    names_of = dataset.employees.set_index("nip")["name"]
    entries = []
    for k, (_, row) in enumerate(rows.iterrows()):
        i = where[k]
        post = posts.loc[row["position_id"]]
        unit_id = None if pd.isna(post["unit_id"]) else str(post["unit_id"])
        rated = row["status"] == "rated"
        entries.append(
            MentoringEntry(
                nip=str(row["nip"]),
                name=None if pd.isna(names_of.get(row["nip"])) else str(names_of.get(row["nip"])),
                transfer_id=str(row["transfer_id"]),
                effective_date=pd.Timestamp(row["effective_date"]).date(),
                position_id=str(row["position_id"]),
                position_title=str(post["title"]),
                unit_id=unit_id,
                unit_name=None if unit_id is None else str(units.loc[unit_id, "name"]),
                sector=str(post["sector"]),
                outcome_year=int(row["outcome_year"]),
                status="rated" if rated else "unrated",
                realised_rating=RATINGS[int(row["rating"]) - 1] if rated else None,
                realised_value=float(row["rating"]) if rated else None,
                prediction=_optional(row["shown_prediction"]),
                lower=_optional(row["shown_lower"]),
                upper=_optional(row["shown_upper"]),
                p_baik_or_better=_optional(row["shown_p_good"]),
                prediction_source=str(row["prediction_source"]),
                basis=str(row["basis"]),
                category=str(row["category"]),
                flags=[f for f in _FLAGS if bool(flag_rows[f].iloc[k])],
                reasons=_reasons(catalogue, names, features[i], contributions[i], rules.n_reasons),
                gaps=gaps[k],
                truth_expected=_optional(row.get("truth_expected")),
                truth_at_risk=None
                if pd.isna(row.get("truth_at_risk"))
                else bool(row.get("truth_at_risk")),
            )
        )
    return sorted(entries, key=lambda e: (e.realised_value or 9.0, e.prediction or 9.0, e.nip))


_FLAGS: tuple[MentoringFlag, ...] = ("realised_low", "below_interval", "early_gap")
