"""Whether a group's gap in shortlisting follows the posts' stated requirements.

A post states its requirements: a minimum golongan and education level (the eligibility rules
already enforce both), the education fields it wants and the competency levels it needs. A
shortlist that prefers candidates who meet them is using lawful, job-related grounds. To tell
such a gap from one the requirements do not explain, every candidate row gets a *requirement
stratum*: whether the degree field is one the post lists (``field_position_fit`` = 1) and
whether the assessed competencies meet the post's levels (``competency_shortfall_sum``: 0,
above 0, or not assessed). Within a vacancy, candidates of one stratum meet the stated
requirements equally well; a group's *expected* selections are then what it would get if every
stratum of every vacancy were shortlisted at one rate:

    expected_g = sum over g's rows of (selected / rows in the row's (vacancy, stratum))

and its requirement-adjusted rate is ``observed_g / expected_g`` (indirect standardisation, as in
a standardised mortality ratio). Adjusted impact ratios divide by the highest adjusted rate; a
gap is *explained by the stated requirements* when the raw ratio raises a four-fifths flag and
the adjusted one does not. Intervals come from the same bootstrap by vacancy as the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from training import fairness_stats as fs
from training.fairness_roles import role_of

FOUR_FIFTHS = 0.8
FIELD, SHORTFALL = "field_position_fit", "competency_shortfall_sum"
REQUIREMENT_FEATURES: tuple[str, ...] = (FIELD, SHORTFALL)
STRATUM = "stated_requirements"
COMPETENCE = "competence"
COMPETENCE_GROUPS: tuple[str, ...] = ("meets", "below", "not assessed")
EXPLAINED_COLUMNS: tuple[str, ...] = (
    "attribute", "group", "role", "raw_ratio", "adjusted_ratio", "adjusted_lo", "adjusted_hi",
    "verdict",
)  # fmt: skip


def competence(features: pd.DataFrame) -> pd.Series:
    """``meets`` / ``below`` / ``not assessed`` the post's competency levels, per pair (NaN
    where the pair features carry no competency shortfall at all)."""
    if SHORTFALL not in features.columns:
        return pd.Series(pd.Categorical([None] * len(features), categories=COMPETENCE_GROUPS))
    shortfall = pd.to_numeric(features[SHORTFALL], errors="coerce").to_numpy(dtype=np.float64)
    label = np.where(np.isnan(shortfall), "not assessed", np.where(shortfall > 0, "below", "meets"))
    return pd.Series(pd.Categorical(label, categories=COMPETENCE_GROUPS))


def requirement_columns(features: pd.DataFrame, assessed: np.ndarray | None = None) -> pd.DataFrame:
    """The pair's ``competence`` and its requirement stratum (field listed x competence);
    ``assessed`` False marks rows whose features carry no competency shortfall at all."""
    comp = competence(features)
    if assessed is not None:
        comp = comp.where(np.asarray(assessed, dtype=bool))
    if FIELD in features.columns:
        fit = pd.to_numeric(features[FIELD], errors="coerce").to_numpy(dtype=np.float64)
        field = np.where(np.isnan(fit), "field ?", np.where(fit >= 1.0, "field listed", "other"))
    else:
        field = np.full(len(features), "field ?", dtype=object)
    stratum = pd.Series(field, dtype=object) + " / " + comp.astype(object).fillna("?").astype(str)
    return pd.DataFrame({COMPETENCE: comp, STRATUM: stratum.to_numpy(dtype=object)})


@dataclass(frozen=True)
class RequirementExplanation:
    """Per (attribute, group): raw and requirement-adjusted selection impact ratios, verdict."""

    groups: pd.DataFrame

    def verdict(self, attribute: str, group: str) -> str:
        """``explained``, ``not explained``, ``no gap`` or ``not compared``."""
        rows = self.groups.loc[
            (self.groups["attribute"] == attribute) & (self.groups["group"] == group)
        ]
        return str(rows["verdict"].iloc[0]) if len(rows) else "not compared"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN -> None)."""
        frame = self.groups.astype("object").where(self.groups.notna(), None)
        return {"groups": frame.to_dict(orient="records")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequirementExplanation:
        """Inverse of :meth:`to_dict`."""
        frame = pd.DataFrame.from_records(list(data["groups"]), columns=list(EXPLAINED_COLUMNS))
        numeric = ["raw_ratio", "adjusted_ratio", "adjusted_lo", "adjusted_hi"]
        return cls(frame.astype(dict.fromkeys(numeric, "float64")))


def verdict_of(raw: float, adjusted: float) -> str:
    """The verdict of one group from its raw and adjusted impact ratios."""
    if not np.isfinite(raw):
        return "not compared"
    if raw >= FOUR_FIFTHS:
        return "no gap"
    return "explained" if np.isfinite(adjusted) and adjusted >= FOUR_FIFTHS else "not explained"


def explain_by_requirements(
    shortlists: pd.DataFrame,
    report_groups: pd.DataFrame,
    k: int,
    n_bootstrap: int,
    seed: int,
) -> RequirementExplanation:
    """Requirement-adjusted selection impact ratios of every compared group of the report.

    ``shortlists`` is the frame the report was computed on (with :data:`STRATUM`);
    ``report_groups`` is its ``FairnessReport.groups`` (the compared groups and raw ratios).
    """
    vacancy, _ = pd.factorize(shortlists["vacancy_id"])
    vacancy = np.asarray(vacancy, dtype=np.int64)
    n_vacancies = int(vacancy.max()) + 1
    selected = (shortlists["rank"].to_numpy(dtype=np.float64) <= k).astype(np.float64)
    cell = pd.Series(selected).groupby([vacancy, shortlists[STRATUM].to_numpy()])
    expected = cell.transform("mean").to_numpy(dtype=np.float64)
    weights = fs.vacancy_weights(n_vacancies, n_bootstrap, seed)
    rows: list[dict[str, Any]] = []
    for attribute, frame in report_groups.groupby("attribute", sort=False):
        name = str(attribute)
        codes = _codes(shortlists, name)
        if codes is None or frame["excluded"].all():
            continue
        labels = list(codes.labels)
        excluded = frame.set_index("group")["excluded"].reindex(labels, fill_value=True)
        included = ~excluded.to_numpy(dtype=bool)
        rate, samples = _adjusted(vacancy, n_vacancies, codes, selected, expected, weights)
        point = fs.impact_ratios(rate[None, :], included)[0]
        if samples.shape[0]:
            lo, hi = fs.percentile_interval(fs.impact_ratios(samples, included))
        else:
            lo = hi = np.full(len(labels), np.nan)
        for record in frame.loc[~frame["excluded"]].to_dict(orient="records"):
            j = labels.index(str(record["group"]))
            raw = float(record["selection_impact_ratio"])
            rows.append(
                {
                    "attribute": name,
                    "group": str(record["group"]),
                    "role": role_of(name),
                    "raw_ratio": raw,
                    "adjusted_ratio": float(point[j]),
                    "adjusted_lo": float(lo[j]),
                    "adjusted_hi": float(hi[j]),
                    "verdict": verdict_of(raw, float(point[j])),
                }
            )
    return RequirementExplanation(pd.DataFrame(rows, columns=list(EXPLAINED_COLUMNS)))


def _codes(shortlists: pd.DataFrame, attribute: str) -> fs.GroupCodes | None:
    names = attribute.split("_x_")
    if any(n not in shortlists.columns for n in names):
        return None
    coded = [fs.group_codes(shortlists[n]) for n in names]
    return coded[0] if len(coded) == 1 else fs.cross_codes(coded[0], coded[1])


def _adjusted(
    vacancy: np.ndarray,
    n_vacancies: int,
    groups: fs.GroupCodes,
    observed: np.ndarray,
    expected: np.ndarray,
    weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted rates observed / expected: point (group,) and bootstrap samples (B, group)."""
    known = groups.codes >= 0
    n_groups = len(groups.labels)
    cell = vacancy[known] * n_groups + groups.codes[known]
    size = n_vacancies * n_groups
    tallies = np.stack(
        [np.bincount(cell, weights=q[known], minlength=size) for q in (observed, expected)]
    ).reshape(2, n_vacancies, n_groups)
    point = tallies.sum(axis=1)
    boot = np.einsum("bv,qvg->qbg", weights, tallies)
    with np.errstate(invalid="ignore", divide="ignore"):
        return point[0] / point[1], boot[0] / boot[1]
