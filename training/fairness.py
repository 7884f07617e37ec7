"""Fairness report of shortlists: group selection and above-median rates, impact ratios, exposure.

Transfer recommendations rank people, so they are high-risk AI under the EU AI Act (Annex III
4(b)) and need a bias audit in the sense of NYC Local Law 144; the merit system forbids decisions
by gender or age. ``fairness_report`` measures, on the candidate pools of held-out vacancies and
per group of each protected attribute (and of intersections of two):

- selection rate: share of the group's candidate rows that are in their vacancy's top-k;
- above-median rate: share of the group's rows scoring above their vacancy's median score;
- impact ratio of each rate: group rate / the highest rate of any group large enough to compare;
  under 0.8 raises a four-fifths flag (29 CFR 1607.4(D));
- exposure share: the group's share of position-based exposure 1/log2(1+rank) in the top-k,
  next to its pool share (the exposure it would get if every pool were ranked at random).

Rates and impact ratios get 95% percentile bootstrap intervals that resample whole vacancies,
since candidates of one vacancy share the ranking and are not independent. Groups under
``min_group_share`` of the attribute's known rows are reported but never compared; rows with the
attribute missing are counted in ``missing``. Definitions and references: docs/fairness.md.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate

from training import fairness_stats as fs
from training.fairness_format import report_markdown
from training.fairness_roles import PROTECTED, PROTECTED_INTERSECTIONS, QUALIFICATIONS

# Protected attributes first, then the qualifications posts may require (fairness_roles).
ATTRIBUTES: tuple[str, ...] = PROTECTED + QUALIFICATIONS
INTERSECTIONS: tuple[tuple[str, str], ...] = PROTECTED_INTERSECTIONS
FOUR_FIFTHS = 0.8
KEY_COLUMNS: tuple[str, ...] = ("vacancy_id", "nip", "score", "rank")

# Column -> dtype of FairnessReport.groups; the order is the frame's column order.
GROUP_COLUMNS: dict[str, str] = {
    "attribute": "str",
    "group": "str",
    "n_rows": "int64",
    "n_people": "int64",
    "share": "float64",
    **{
        f"{stat}{end}": "float64"
        for stat in (
            "selection_rate",
            "selection_impact_ratio",
            "above_median_rate",
            "above_median_impact_ratio",
        )
        for end in ("", "_lo", "_hi")
    },
    "exposure_share": "float64",
    "pool_share": "float64",
    "four_fifths_selection": "bool",
    "four_fifths_above_median": "bool",
    "excluded": "bool",
}
# Flag metric name -> the groups column that raises it.
FLAG_COLUMNS: dict[str, str] = {
    "selection_rate": "four_fifths_selection",
    "above_median_rate": "four_fifths_above_median",
}
_IMPACT = {
    "selection_rate": "selection_impact_ratio",
    "above_median_rate": "above_median_impact_ratio",
}

Flag = tuple[str, str, str]  # (attribute, group, metric)
_NO_GROUPS = pd.DataFrame(columns=list(GROUP_COLUMNS))


class FairnessInputError(ValueError):
    """Shortlists the report cannot use; the message names the column and the first bad row."""


@dataclass(frozen=True, eq=False)
class FairnessReport:
    """Group fairness of one model's shortlists (see the module docstring for the definitions)."""

    groups: pd.DataFrame
    missing: dict[str, int]
    k: int
    n_vacancies: int
    n_rows: int
    n_bootstrap: int
    min_group_share: float
    seed: int

    @property
    def excluded(self) -> pd.DataFrame:
        """Groups too small to compare (share of rows under ``min_group_share``), with their n."""
        small = self.groups.loc[self.groups["excluded"]]
        return small[["attribute", "group", "n_rows", "n_people", "share"]].reset_index(drop=True)

    def flags(self, *, confident: bool = False) -> set[Flag]:
        """(attribute, group, metric) of every four-fifths flag.

        ``confident`` keeps only flags whose whole 95% interval of the impact ratio is under 0.8,
        i.e. those that resampling the vacancies does not explain away.
        """
        found: set[Flag] = set()
        for metric, column in FLAG_COLUMNS.items():
            raised = self.groups[column]
            if confident:
                raised = raised & (self.groups[f"{_IMPACT[metric]}_hi"] < FOUR_FIFTHS)
            where = self.groups.loc[raised, ["attribute", "group"]]
            found |= {(str(a), str(g), metric) for a, g in where.itertuples(index=False)}
        return found

    def describe_flag(self, flag: Flag) -> str:
        """``age_band=<30 selection_rate impact ratio 0.34 [0.22, 0.48]``."""
        attribute, group, metric = flag
        column = _IMPACT[metric]
        rows = self.groups.loc[
            (self.groups["attribute"] == attribute) & (self.groups["group"] == group)
        ]
        if rows.empty:
            raise KeyError(f"fairness report has no group {attribute}={group}")
        row = rows.iloc[0]
        return (
            f"{attribute}={group} {metric} impact ratio {row[column]:.2f} "
            f"[{row[f'{column}_lo']:.2f}, {row[f'{column}_hi']:.2f}]"
        )

    def by_attribute(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """Each audited attribute in report order with its group rows (none if always missing)."""
        for attribute in self.missing:
            yield attribute, self.groups.loc[self.groups["attribute"] == attribute]

    def metrics(self) -> dict[str, float]:
        """Flat MLflow-loggable metrics: per attribute the worst impact and exposure ratios."""
        out: dict[str, float] = {
            "fairness.four_fifths_flags": float(len(self.flags())),
            "fairness.confident_four_fifths_flags": float(len(self.flags(confident=True))),
        }
        for attribute, rows in self.by_attribute():
            compared = rows.loc[~rows["excluded"]]
            prefix = f"fairness.{attribute}"
            for metric, column in _IMPACT.items():
                out[f"{prefix}.min_{column}"] = float(compared[column].min())
                out[f"{prefix}.{metric}_flags"] = float(rows[FLAG_COLUMNS[metric]].sum())
            with np.errstate(invalid="ignore", divide="ignore"):
                exposure_ratio = compared["exposure_share"] / compared["pool_share"]
            out[f"{prefix}.min_exposure_ratio"] = float(exposure_ratio.min())
            out[f"{prefix}.excluded_groups"] = float(rows["excluded"].sum())
            out[f"{prefix}.missing_rows"] = float(self.missing[attribute])
        return {name: value for name, value in out.items() if np.isfinite(value)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None); :meth:`from_dict` restores an equal report."""
        frame = self.groups.astype("object").where(self.groups.notna(), None)
        return {
            "k": self.k,
            "n_vacancies": self.n_vacancies,
            "n_rows": self.n_rows,
            "n_bootstrap": self.n_bootstrap,
            "min_group_share": self.min_group_share,
            "seed": self.seed,
            "missing": dict(self.missing),
            "groups": [_plain(record) for record in frame.to_dict(orient="records")],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FairnessReport:
        """Rebuild a report from :meth:`to_dict` output."""
        try:
            records = list(data["groups"])
            groups = pd.DataFrame.from_records(records, columns=list(GROUP_COLUMNS))
            return cls(
                groups=_typed_groups(groups),
                missing={str(a): int(n) for a, n in data["missing"].items()},
                k=int(data["k"]),
                n_vacancies=int(data["n_vacancies"]),
                n_rows=int(data["n_rows"]),
                n_bootstrap=int(data["n_bootstrap"]),
                min_group_share=float(data["min_group_share"]),
                seed=int(data["seed"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FairnessInputError(f"not a fairness report dict: {exc!r}") from exc

    def to_markdown(self) -> str:
        """A readable table per attribute for the model card."""
        return report_markdown(self)


def new_flags(
    challenger: FairnessReport, champion: FairnessReport | None, *, confident: bool = False
) -> set[Flag]:
    """Four-fifths flags the challenger raises that the champion did not (all, if no champion).

    ``confident`` compares only flags whose interval lies wholly under 0.8 (see ``flags``).
    """
    before = champion.flags(confident=confident) if champion is not None else set()
    return challenger.flags(confident=confident) - before


def fairness_report(
    shortlists: pd.DataFrame,
    *,
    k: int = 10,
    attributes: Sequence[str] = ATTRIBUTES,
    intersections: Sequence[tuple[str, str]] = INTERSECTIONS,
    min_group_share: float = 0.02,
    n_bootstrap: int = 500,
    seed: int = 0,
) -> FairnessReport:
    """Group fairness of ranked candidate pools.

    ``shortlists`` has one row per (vacancy_id, nip) of each vacancy's candidate pool with the
    model's ``score``, its ``rank`` within the vacancy (1 = best) and one column per attribute
    (missing values allowed). The plain group rates come from fairlearn's ``MetricFrame``. Its
    own bootstrap resamples rows, not vacancies, so the vacancy bootstrap (``n_bootstrap``
    resamples, 0 = no intervals) is done in :mod:`training.fairness_stats`, vectorised.
    """
    _check_params(k, min_group_share, n_bootstrap)
    members = list(dict.fromkeys([*attributes, *(c for pair in intersections for c in pair)]))
    _check_columns(shortlists, members)
    outcomes = fs.row_outcomes(
        shortlists["vacancy_id"].to_numpy(),
        _numbers(shortlists, "score", minimum=None),
        _numbers(shortlists, "rank", minimum=1.0),
        k,
    )
    weights = fs.vacancy_weights(outcomes.n_vacancies, n_bootstrap, seed)
    nips = shortlists["nip"].to_numpy()
    single = {name: fs.group_codes(shortlists[name]) for name in members}
    coded = {name: single[name] for name in dict.fromkeys(attributes)} | {
        f"{a}_x_{b}": fs.cross_codes(single[a], single[b]) for a, b in intersections
    }
    parts = [
        _attribute_groups(name, groups, outcomes, nips, weights, min_group_share)
        for name, groups in coded.items()
        if groups.labels  # an attribute missing on every row has only its missing count
    ]
    return FairnessReport(
        groups=_typed_groups(pd.concat(parts or [_NO_GROUPS], ignore_index=True)),
        missing={name: int((groups.codes < 0).sum()) for name, groups in coded.items()},
        k=k,
        n_vacancies=outcomes.n_vacancies,
        n_rows=len(shortlists),
        n_bootstrap=n_bootstrap,
        min_group_share=min_group_share,
        seed=seed,
    )


def _attribute_groups(
    attribute: str,
    groups: fs.GroupCodes,
    outcomes: fs.RowOutcomes,
    nips: np.ndarray,
    weights: np.ndarray,
    min_group_share: float,
) -> pd.DataFrame:
    """The rows of ``FairnessReport.groups`` for one attribute."""
    n_groups = len(groups.labels)
    known = groups.codes >= 0
    tallies = fs.tally(outcomes, groups)
    point = fs.resampled_totals(tallies, np.ones((1, outcomes.n_vacancies)))
    boot = fs.resampled_totals(tallies, weights)
    share = fs.shares(point, "rows")[0]
    included = share >= min_group_share
    point_rates = _group_rates(point)
    boot_rates = fs.rates(boot)
    out: dict[str, Any] = {
        "attribute": attribute,
        "group": list(groups.labels),
        "n_rows": point["rows"][0],
        "n_people": pd.Series(nips[known]).groupby(groups.codes[known]).nunique().to_numpy(),
        "share": share,
    }
    for name, ratio_name in _IMPACT.items():
        estimates = {
            name: (point_rates[name], boot_rates[name]),
            ratio_name: (
                fs.impact_ratios(point_rates[name][None, :], included)[0],
                fs.impact_ratios(boot_rates[name], included),
            ),
        }
        for column, (estimate, samples) in estimates.items():
            out[column] = estimate
            out[f"{column}_lo"], out[f"{column}_hi"] = fs.percentile_interval(samples)
        out[FLAG_COLUMNS[name]] = np.nan_to_num(out[ratio_name], nan=1.0) < FOUR_FIFTHS
    out["exposure_share"] = fs.shares(point, "exposure")[0]
    out["pool_share"] = fs.shares(point, "pool")[0]
    out["excluded"] = ~included
    return pd.DataFrame(out, index=pd.RangeIndex(n_groups))


def _group_rates(point: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Selection and above-median rate of each group, with fairlearn's MetricFrame.

    MetricFrame handles its input row by row (about 2 s per call on 400,000 rows), so each group's
    rows reach it collapsed into two weighted outcomes, hit and miss: the same rates, exactly.
    """
    rows = point["rows"][0]
    n_groups = len(rows)
    group = np.tile(np.arange(n_groups), 2)
    outcome = np.repeat([1, 0], n_groups)
    rates: dict[str, np.ndarray] = {}
    for name, quantity in fs.RATES.items():
        hits = point[quantity][0]
        frame = MetricFrame(
            metrics=selection_rate,
            y_true=outcome,
            y_pred=outcome,
            sensitive_features=group,
            sample_params={"sample_weight": np.concatenate([hits, rows - hits])},
        )
        rates[name] = pd.Series(frame.by_group).reindex(range(n_groups)).to_numpy(np.float64)
    return rates


def _typed_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """The groups frame with its documented columns and dtypes (None -> NaN)."""
    return groups[list(GROUP_COLUMNS)].astype(GROUP_COLUMNS).reset_index(drop=True)


def _plain(record: Mapping[Hashable, Any]) -> dict[str, Any]:
    """numpy scalars -> Python scalars, for json.dumps."""
    return {str(key): (v.item() if isinstance(v, np.generic) else v) for key, v in record.items()}


def _check_params(k: int, min_group_share: float, n_bootstrap: int) -> None:
    if k < 1:
        raise FairnessInputError(f"k must be >= 1, got {k}")
    if not 0.0 <= min_group_share < 1.0:
        raise FairnessInputError(f"min_group_share must be in [0, 1), got {min_group_share}")
    if n_bootstrap < 0:
        raise FairnessInputError(f"n_bootstrap must be >= 0, got {n_bootstrap}")


def _check_columns(shortlists: pd.DataFrame, attributes: Sequence[str]) -> None:
    """Required columns present, keys complete and unique."""
    absent = [c for c in (*KEY_COLUMNS, *attributes) if c not in shortlists.columns]
    if absent:
        raise FairnessInputError(
            f"shortlists: missing column(s) {', '.join(dict.fromkeys(absent))}"
        )
    if shortlists.empty:
        raise FairnessInputError("shortlists: no rows")
    for column in ("vacancy_id", "nip"):
        _first_bad(shortlists, column, shortlists[column].isna().to_numpy(), "missing value")
    duplicated = shortlists.duplicated(["vacancy_id", "nip"]).to_numpy()
    _first_bad(shortlists, "nip", duplicated, "duplicate (vacancy_id, nip)")


def _numbers(frame: pd.DataFrame, column: str, minimum: float | None) -> np.ndarray:
    """A finite numeric column as float64, else an error naming the first bad row."""
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    _first_bad(frame, column, ~np.isfinite(values), "not a finite number:")
    if minimum is not None:
        _first_bad(frame, column, values < minimum, f"below {minimum:g}:")
    return values


def _first_bad(frame: pd.DataFrame, column: str, bad: np.ndarray, what: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        value = frame[column].iloc[row]
        value = value.item() if isinstance(value, np.generic) else value
        raise FairnessInputError(
            f"shortlists.{column}: {what} {value!r} at row {frame.index[row]} "
            f"({int(bad.sum())} such rows)"
        )
