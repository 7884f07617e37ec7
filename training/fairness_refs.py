"""Reference columns for the fairness report: the model's selection impact ratios next to those
of today's practice (the status quo), the truth (the oracle) and the champion, on the same pools.

- **status quo**: who was actually moved into each held-out vacancy on its date (the transfers
  table), among that vacancy's eligible pool. Its "shortlist" is the selection itself, as many
  as were moved in (usually one); vacancies whose movers are not in the pool (ineligible under
  today's rules) say nothing and are left out of its column and of every comparison with it;
- **oracle**: the pools ranked by the generator's noise-free expected rating (generated data);
- **champion**: the serving model's ranking of the same pools (at promotion, or at training if
  a champion exists);
- **unmitigated**: the model's own score order, when a re-ranking policy is in force.

Every column resamples the same vacancies with the same seed, so the difference between the
model's impact ratio and a reference's is a *paired* bootstrap: its standard error is small
where both rank alike. :meth:`ReferenceTable.verdicts` says, for each group whose ratio raises a
four-fifths flag, whether the model is confidently worse than each reference by more than a
margin (one-sided normal test on the paired bootstrap, Holm-adjusted over the flagged groups of
one role and reference). Definitions: docs/fairness.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from training import fairness_stats as fs
from training.fairness import ATTRIBUTES, FOUR_FIFTHS, INTERSECTIONS
from training.fairness_roles import role_of
from training.oracle_eval import CandidatePool
from training.shortlists import shortlists, vacancy_ranks

MODEL, UNMITIGATED, STATUS_QUO, ORACLE, CHAMPION = (
    "model", "unmitigated", "status_quo", "oracle", "champion",
)  # fmt: skip
LABELS: dict[str, str] = {
    MODEL: "this model",
    UNMITIGATED: "its scores alone",
    STATUS_QUO: "today's practice",
    ORACLE: "the truth",
    CHAMPION: "the champion",
}
REFERENCES: tuple[str, ...] = (STATUS_QUO, CHAMPION, ORACLE, UNMITIGATED)
BASE_COLUMNS: tuple[str, ...] = ("attribute", "group", "role", "n_rows", "share", "excluded")


@dataclass(frozen=True)
class Selection:
    """One ranking's selections: per pool the ranks and how many it selects (top ``k[p]``);
    pools where it says nothing (``usable`` False) are left out of its column."""

    ranks: list[np.ndarray]
    k: np.ndarray
    usable: np.ndarray


def ranked_selection(ranks: Sequence[np.ndarray], k: int) -> Selection:
    """Top-k of given ranks in every pool."""
    n = len(ranks)
    return Selection(list(ranks), np.full(n, k, dtype=np.int64), np.ones(n, dtype=bool))


def score_selection(scores: Sequence[np.ndarray], k: int) -> Selection:
    """Top-k by score in every pool (ties keep pool order)."""
    return ranked_selection([vacancy_ranks(s) for s in scores], k)


def status_quo_selection(pools: Sequence[CandidatePool], transfers: pd.DataFrame) -> Selection:
    """Who was actually moved into each pool's post on its date."""
    moved = transfers.assign(
        nip=transfers["nip"].astype(str), to_position_id=transfers["to_position_id"].astype(str)
    )
    by_vacancy = moved.groupby(["to_position_id", "effective_date"])["nip"].agg(set)
    ranks, ks = [], []
    for pool in pools:
        key = (str(pool.vacancy.position_id), pool.vacancy.as_of)
        movers = by_vacancy.get(key, set())
        chosen = np.isin(pool.nips.astype(str), list(movers))
        ranks.append(vacancy_ranks(chosen.astype(np.float64)))
        ks.append(int(chosen.sum()))
    k = np.asarray(ks, dtype=np.int64)
    return Selection(ranks, k, k > 0)


@dataclass(frozen=True)
class ReferenceTable:
    """Selection impact ratios of the model and its references per (attribute, group).

    ``groups`` columns: :data:`BASE_COLUMNS`; per source ``<s>_ratio``, ``<s>_lo``, ``<s>_hi``;
    per reference ``vs_<r>_diff`` (model - reference, paired), ``vs_<r>_se``, ``vs_<r>_lo``,
    ``vs_<r>_hi``.
    """

    groups: pd.DataFrame
    sources: tuple[str, ...]
    n_vacancies: dict[str, int]
    k: int
    n_bootstrap: int
    seed: int

    @property
    def references(self) -> tuple[str, ...]:
        """The reference columns present, in :data:`REFERENCES` order."""
        return tuple(r for r in REFERENCES if r in self.sources)

    def verdicts(self, margin: float = 0.05, level: float = 0.05) -> pd.DataFrame:
        """Per compared group: ``flag`` (model ratio under 0.8) and, per reference r,
        ``below_<r>`` (model's point estimate lower) and ``worse_<r>`` (flagged and
        confidently lower by more than ``margin``, Holm-adjusted at ``level``)."""
        rows = self.groups.loc[~self.groups["excluded"]].reset_index(drop=True)
        out = rows[["attribute", "group", "role"]].copy()
        out["ratio"] = rows[f"{MODEL}_ratio"]
        out["flag"] = (rows[f"{MODEL}_ratio"] < FOUR_FIFTHS).to_numpy()
        for ref in self.references:
            diff = rows[f"vs_{ref}_diff"].to_numpy(dtype=np.float64)
            se = rows[f"vs_{ref}_se"].to_numpy(dtype=np.float64)
            p = worse_p_values(diff, se, margin)
            worse = np.zeros(len(rows), dtype=bool)
            for role in ("protected", "qualification"):
                family = (out["role"] == role).to_numpy() & out["flag"].to_numpy() & np.isfinite(p)
                worse[family] = holm(p[family], level)
            out[f"below_{ref}"] = np.nan_to_num(diff, nan=0.0) < 0
            out[f"worse_{ref}"] = worse
        return out

    def row(self, attribute: str, group: str) -> pd.Series:
        """The table row of one group."""
        rows = self.groups.loc[
            (self.groups["attribute"] == attribute) & (self.groups["group"] == group)
        ]
        if rows.empty:
            raise KeyError(f"reference table has no group {attribute}={group}")
        return rows.iloc[0]

    def describe(self, attribute: str, group: str) -> str:
        """``gender=P: this model 0.65 [0.60, 0.71]; today's practice 0.71 [...]; the truth
        0.93 [...]`` (selection impact ratios)."""
        row = self.row(attribute, group)
        cells = [f"{LABELS[s]} {_estimate(row, s)}" for s in self.sources]
        return f"{attribute}={group} selection impact ratio: " + "; ".join(cells)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; :meth:`from_dict` restores it."""
        frame = self.groups.astype("object").where(self.groups.notna(), None)
        records = [
            {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
            for r in frame.to_dict(orient="records")
        ]
        return {
            "sources": list(self.sources),
            "n_vacancies": dict(self.n_vacancies),
            "k": self.k,
            "n_bootstrap": self.n_bootstrap,
            "seed": self.seed,
            "groups": records,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceTable:
        """Rebuild from :meth:`to_dict` output."""
        sources = tuple(str(s) for s in data["sources"])
        groups = pd.DataFrame.from_records(list(data["groups"]), columns=_columns(sources))
        numeric = [c for c in groups.columns if c not in ("attribute", "group", "role", "excluded")]
        groups = groups.astype(dict.fromkeys(numeric, "float64") | {"excluded": "bool"})
        return cls(
            groups=groups,
            sources=sources,
            n_vacancies={str(k): int(v) for k, v in data["n_vacancies"].items()},
            k=int(data["k"]),
            n_bootstrap=int(data["n_bootstrap"]),
            seed=int(data["seed"]),
        )


def worse_p_values(diff: np.ndarray, se: np.ndarray, margin: float) -> np.ndarray:
    """One-sided p of "the model is no more than ``margin`` below the reference" (small p:
    confidently worse). A zero standard error decides by the sign alone."""
    shifted = diff + margin
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, shifted / se, np.where(shifted < 0, -np.inf, np.inf))
    return np.asarray(norm.cdf(z), dtype=np.float64)


def holm(p: np.ndarray, level: float) -> np.ndarray:
    """Holm's step-down rejections of a family of p-values at family-wise ``level``."""
    order = np.argsort(p, kind="stable")
    reject = np.zeros(len(p), dtype=bool)
    for rank, i in enumerate(order):
        if p[i] >= level / (len(p) - rank):
            break
        reject[i] = True
    return reject


def reference_table(
    pools: Sequence[CandidatePool],
    selections: Mapping[str, Selection],
    *,
    k: int,
    attributes: Sequence[str] = ATTRIBUTES,
    intersections: Sequence[tuple[str, str]] = INTERSECTIONS,
    min_group_share: float = 0.02,
    n_bootstrap: int = 500,
    seed: int = 0,
    frame: pd.DataFrame | None = None,
) -> ReferenceTable:
    """The model's (``selections["model"]``) and each reference's ratios on the same pools.

    ``frame`` is the pools' shortlists frame if the caller has it (only its attribute columns
    are read); it is built otherwise.
    """
    if MODEL not in selections:
        raise ValueError("reference table: the model's selection is missing")
    sources = (MODEL, *(r for r in REFERENCES if r in selections))
    if frame is None:
        frame = shortlists(pools, [np.zeros(p.nips.size) for p in pools])
    vacancy = np.repeat(np.arange(len(pools)), [p.nips.size for p in pools])
    weights = fs.vacancy_weights(len(pools), n_bootstrap, seed)
    selected = {
        s: np.concatenate([r <= kk for r, kk in zip(sel.ranks, sel.k, strict=True)]).astype(float)
        for s, sel in ((s, selections[s]) for s in sources)
    }
    usable = {s: selections[s].usable.astype(np.float64) for s in sources}
    parts = []
    for name, codes in _attribute_codes(frame, attributes, intersections).items():
        if codes.labels:
            parts.append(
                _attribute_rows(
                    name, codes, vacancy, len(pools), selected, usable, weights, min_group_share
                )
            )
    groups = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_columns(sources))
    )
    return ReferenceTable(
        groups=groups[list(_columns(sources))],
        sources=sources,
        n_vacancies={s: int(selections[s].usable.sum()) for s in sources},
        k=k,
        n_bootstrap=n_bootstrap,
        seed=seed,
    )


def _columns(sources: Sequence[str]) -> list[str]:
    cols = list(BASE_COLUMNS)
    cols += [f"{s}_{end}" for s in sources for end in ("ratio", "lo", "hi")]
    cols += [f"vs_{r}_{end}" for r in sources[1:] for end in ("diff", "se", "lo", "hi")]
    return cols


def _attribute_codes(
    frame: pd.DataFrame, attributes: Sequence[str], intersections: Sequence[tuple[str, str]]
) -> dict[str, fs.GroupCodes]:
    single = {a: fs.group_codes(frame[a]) for a in attributes if a in frame.columns}
    crossed = {
        f"{a}_x_{b}": fs.cross_codes(single[a], single[b])
        for a, b in intersections
        if a in single and b in single
    }
    return single | crossed


def _attribute_rows(
    attribute: str,
    codes: fs.GroupCodes,
    vacancy: np.ndarray,
    n_vacancies: int,
    selected: Mapping[str, np.ndarray],
    usable: Mapping[str, np.ndarray],
    weights: np.ndarray,
    min_group_share: float,
) -> pd.DataFrame:
    known = codes.codes >= 0
    n_groups = len(codes.labels)
    cell = vacancy[known] * n_groups + codes.codes[known]

    def tally(values: np.ndarray) -> np.ndarray:
        sums = np.bincount(cell, weights=values[known], minlength=n_vacancies * n_groups)
        return sums.reshape(n_vacancies, n_groups)

    rows = tally(np.ones(len(vacancy)))
    share = rows.sum(axis=0) / max(rows.sum(), 1.0)
    included = share >= min_group_share
    picked = {s: tally(v) for s, v in selected.items()}

    def ratios(source: str, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        point_w = mask[None, :]
        boot_w = weights * mask[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            point = (point_w @ picked[source]) / (point_w @ rows)
            boot = (boot_w @ picked[source]) / (boot_w @ rows)
        return fs.impact_ratios(point, included)[0], fs.impact_ratios(boot, included)

    out: dict[str, Any] = {
        "attribute": attribute,
        "group": list(codes.labels),
        "role": role_of(attribute),
        "n_rows": rows.sum(axis=0),
        "share": share,
        "excluded": ~included,
    }
    for source in selected:
        point, boot = ratios(source, usable[source])
        lo, hi = _interval(boot, n_groups)
        out |= {f"{source}_ratio": point, f"{source}_lo": lo, f"{source}_hi": hi}
    for ref in list(selected)[1:]:
        common = usable[MODEL] * usable[ref]
        model_point, model_boot = ratios(MODEL, common)
        ref_point, ref_boot = ratios(ref, common)
        diff = model_boot - ref_boot
        lo, hi = _interval(diff, n_groups)
        se = _std(diff, n_groups)
        out |= {
            f"vs_{ref}_diff": model_point - ref_point,
            f"vs_{ref}_se": se,
            f"vs_{ref}_lo": lo,
            f"vs_{ref}_hi": hi,
        }
    return pd.DataFrame(out, index=pd.RangeIndex(n_groups))


def _interval(samples: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    if samples.shape[0] == 0:
        return np.full(n_groups, np.nan), np.full(n_groups, np.nan)
    return fs.percentile_interval(samples)


def _std(samples: np.ndarray, n_groups: int) -> np.ndarray:
    """Bootstrap standard error per group (NaN resamples ignored; NaN under 2 resamples)."""
    finite = np.isfinite(samples).sum(axis=0)
    if samples.shape[0] < 2:
        return np.full(n_groups, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a group absent from every resample
        std = np.nanstd(samples, axis=0, ddof=1)
    return np.where(finite >= 2, std, np.nan)


def _estimate(row: pd.Series, source: str) -> str:
    value, lo, hi = (row[f"{source}_{end}"] for end in ("ratio", "lo", "hi"))
    if not np.isfinite(value):
        return "-"
    if np.isfinite(lo) and np.isfinite(hi):
        return f"{value:.2f} [{lo:.2f}, {hi:.2f}]"
    return f"{value:.2f}"
