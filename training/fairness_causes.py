"""Causes of a flag beyond the truth or today's practice: which features carry the gap, and the
suspects named in docs/model.md put to a test.

For each protected group that needs a cause (:func:`groups_to_explain`):

- **SHAP by group**: TreeSHAP of the model's score on the candidate rows of a sample of pools,
  each feature's contribution centred within its vacancy (a candidate only competes inside one
  pool), then averaged over the group and over the best-treated group of the attribute. The
  differences add up to the within-pool score gap between the two; the largest carry the gap;
- **neutralising a suspect**: the suspect feature set to its pool's median for every candidate
  (no within-pool variation left to rank on), a sample of pools re-scored, the group's
  selection impact ratio recomputed. Suspects: the features carrying the largest SHAP gap,
  the proxy check's strong proxies of the attribute, and ``years_to_retirement`` for age (it
  follows from it);
- **seniority-driven labels** (generated data only): does the training label (the SKP rating
  after the move) depart from the truth in step with seniority? Spearman of label - truth with
  years of service, and the mean residual per age band;
- **selection by the historical policy**: each group's share of the training moves against its
  share of the eligible pools; the policy only reveals outcomes of the people it chose, so a
  group it rarely moved is one the model learned little about (with inverse-propensity
  weights, also the weighted share).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from training import fairness_stats as fs
from training.fairness_refs import MODEL, ReferenceTable
from training.model import FitModel
from training.oracle_eval import CandidatePool
from training.proxy import ALL_FEATURES, STRONG

MAX_POOLS = 40  # SHAP costs ~100x a prediction: a sample of pools says enough about a gap
TOP_FEATURES = 5
NAMED_SUSPECTS: dict[str, tuple[str, ...]] = {"age_band": ("years_to_retirement",)}
SENIORITY = "years_of_service"


@dataclass(frozen=True)
class Causes:
    """The four analyses as tidy frames (one row per group and feature / measure)."""

    shap: pd.DataFrame = field(default_factory=pd.DataFrame)
    neutralised: pd.DataFrame = field(default_factory=pd.DataFrame)
    labels: pd.DataFrame = field(default_factory=pd.DataFrame)
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN -> None)."""
        return {name: _records(getattr(self, name)) for name in _PARTS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Causes:
        """Inverse of :meth:`to_dict`."""
        return cls(**{name: pd.DataFrame.from_records(data.get(name, [])) for name in _PARTS})


_PARTS = ("shap", "neutralised", "labels", "selection")


def groups_to_explain(table: ReferenceTable, margin: float, level: float) -> list[tuple[str, str]]:
    """Protected groups whose flag is beyond a reference (confidently worse than the truth or
    today's practice); if none, the lowest flagged group of each protected attribute."""
    verdicts = table.verdicts(margin, level)
    flagged = verdicts.loc[(verdicts["role"] == "protected") & verdicts["flag"]]
    beyond = np.zeros(len(flagged), dtype=bool)
    for ref in ("oracle", "status_quo"):
        if f"worse_{ref}" in flagged.columns:
            beyond |= flagged[f"worse_{ref}"].to_numpy(dtype=bool)
    chosen = flagged.loc[beyond]
    if chosen.empty:
        chosen = flagged.sort_values("ratio").groupby("attribute", sort=False).head(1)
    return [(str(a), str(g)) for a, g in zip(chosen["attribute"], chosen["group"], strict=True)]


def _frame(pools: Sequence[CandidatePool], columns: Sequence[str]) -> pd.DataFrame:
    """Attributes of the pools' rows with their vacancy code."""
    parts = []
    for i, pool in enumerate(pools):
        attrs = pool.attributes if pool.attributes is not None else pd.DataFrame()
        part = attrs.reindex(columns=list(columns)).reset_index(drop=True)
        parts.append(part.assign(_vacancy=i))
    return pd.concat(parts, ignore_index=True)


def _members(frame: pd.DataFrame, attribute: str, group: str) -> np.ndarray:
    names = attribute.split("_x_")
    if any(n not in frame.columns for n in names):
        return np.zeros(len(frame), dtype=bool)
    text = frame[names[0]].astype("object").astype(str)
    for name in names[1:]:
        text = text + " / " + frame[name].astype("object").astype(str)
    return (text == group).to_numpy()


def _best_group(table: ReferenceTable, attribute: str) -> str:
    rows = table.groups.loc[(table.groups["attribute"] == attribute) & ~table.groups["excluded"]]
    return str(rows.sort_values(f"{MODEL}_ratio", ascending=False)["group"].iloc[0])


def sample_pools(pools: Sequence[CandidatePool], seed: int) -> list[CandidatePool]:
    """A seeded sample of at most :data:`MAX_POOLS` pools, in their order."""
    rng = np.random.default_rng(seed)
    sample = sorted(rng.choice(len(pools), size=min(MAX_POOLS, len(pools)), replace=False))
    return [pools[i] for i in sample]


def shap_by_group(
    model: FitModel,
    pools: Sequence[CandidatePool],
    table: ReferenceTable,
    groups: Sequence[tuple[str, str]],
    seed: int = 0,
) -> pd.DataFrame:
    """Per group: each feature's mean within-pool SHAP gap to the best-treated group."""
    if not groups:
        return pd.DataFrame()
    chosen = sample_pools(pools, seed)
    features = pd.concat([p.features for p in chosen], ignore_index=True)
    shap = model.contributions(features)
    vacancy = np.repeat(np.arange(len(chosen)), [p.nips.size for p in chosen])
    centred = shap - pd.DataFrame(shap).groupby(vacancy).transform("mean").to_numpy()
    frame = _frame(chosen, sorted({n for a, _ in groups for n in a.split("_x_")}))
    names = list(model.feature_names)
    rows = []
    for attribute, group in groups:
        best = _best_group(table, attribute)
        mine, theirs = _members(frame, attribute, group), _members(frame, attribute, best)
        if not mine.any() or not theirs.any():
            continue
        gap = centred[mine].mean(axis=0) - centred[theirs].mean(axis=0)
        total = float(gap.sum())
        for j in np.argsort(gap)[:TOP_FEATURES]:
            rows.append(
                {
                    "attribute": attribute, "group": group, "versus": best,
                    "feature": names[j], "gap": float(gap[j]), "score_gap": total,
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


def suspects(
    attribute: str, shap: pd.DataFrame, group: str, proxy: pd.DataFrame | None
) -> list[str]:
    """Features to neutralise for one group: its largest SHAP gaps, strong proxies, named ones."""
    names: list[str] = []
    if not shap.empty:
        mine = shap.loc[(shap["attribute"] == attribute) & (shap["group"] == group)]
        names += [str(f) for f in mine.sort_values("gap")["feature"].head(3)]
    base = attribute.split("_x_")
    if proxy is not None and not proxy.empty:
        strong = proxy.loc[
            proxy["attribute"].isin(base)
            & (proxy["feature"] != ALL_FEATURES)
            & (proxy["value"] >= STRONG)
        ]
        names += [str(f) for f in strong.sort_values("value", ascending=False)["feature"].head(3)]
    for part in base:
        names += list(NAMED_SUSPECTS.get(part, ()))
    return list(dict.fromkeys(names))


def neutralise(
    model: FitModel,
    pools: Sequence[CandidatePool],
    table: ReferenceTable,
    groups: Sequence[tuple[str, str]],
    proxy: pd.DataFrame | None,
    shap: pd.DataFrame,
) -> pd.DataFrame:
    """The group's score-order selection impact ratio before and after neutralising each
    suspect feature (set to its pool's median): one prediction over all pools per feature."""
    if not groups:
        return pd.DataFrame()
    frame = _frame(pools, sorted({n for a, _ in groups for n in a.split("_x_")}))
    vacancy = frame["_vacancy"].to_numpy()
    features = pd.concat([p.features for p in pools], ignore_index=True)
    wanted = {g: suspects(g[0], shap, g[1], proxy) for g in groups}
    unique = list(dict.fromkeys(f for names in wanted.values() for f in names))
    ratios: dict[str | None, list[float]] = {
        None: _ratios(frame, vacancy, model.rank_score(features), table.k, groups)
    }
    for feature in unique:
        if feature in model.feature_names:
            medians = features.groupby(vacancy)[feature].transform("median")
            flat = features.assign(**{feature: medians.to_numpy()})
            ratios[feature] = _ratios(frame, vacancy, model.rank_score(flat), table.k, groups)
    rows: list[dict[str, Any]] = []
    for i, (attribute, group) in enumerate(groups):
        before = ratios[None][i]
        for feature in wanted[(attribute, group)]:
            if feature in ratios:
                after = ratios[feature][i]
                rows.append(
                    {
                        "attribute": attribute, "group": group, "feature": feature,
                        "ratio_before": before, "ratio_after": after, "change": after - before,
                    }
                )  # fmt: skip
    return pd.DataFrame(rows)


def _ratios(
    frame: pd.DataFrame,
    vacancy: np.ndarray,
    scores: np.ndarray,
    k: int,
    groups: Sequence[tuple[str, str]],
) -> list[float]:
    """Selection impact ratio of each group under score-order top-k of every pool (the group's
    rate over the best rate of its attribute's groups with at least 2% of the rows)."""
    order = np.lexsort((np.arange(len(scores)), -scores, vacancy))
    rank = np.empty(len(scores), dtype=np.int64)
    starts = np.searchsorted(vacancy[order], vacancy[order], side="left")
    rank[order] = np.arange(len(scores)) - starts + 1
    selected = (rank <= k).astype(np.float64)
    out = []
    for attribute, group in groups:
        names = attribute.split("_x_")
        codes = fs.group_codes(frame[names[0]])
        if len(names) == 2:
            codes = fs.cross_codes(codes, fs.group_codes(frame[names[1]]))
        known = codes.codes >= 0
        n = len(codes.labels)
        rows = np.bincount(codes.codes[known], minlength=n).astype(np.float64)
        hits = np.bincount(codes.codes[known], weights=selected[known], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = fs.impact_ratios((hits / rows)[None, :], rows / rows.sum() >= 0.02)[0]
        labels = list(codes.labels)
        out.append(float(ratio[labels.index(group)]) if group in labels else float("nan"))
    return out


def label_test(
    moves: pd.DataFrame,
    features: pd.DataFrame,
    labels: np.ndarray,
    age_band: pd.Series,
    oracle: Any,
) -> pd.DataFrame:
    """Residual label - truth of the training moves against seniority (generated data)."""
    if oracle is None or moves.empty:
        return pd.DataFrame()
    truth = oracle.truth(
        moves["nip"].astype(str).to_numpy(), moves["position_id"].astype(str).to_numpy(),
        pd.to_datetime(moves["as_of"]).to_numpy(),
    )  # fmt: skip
    residual = np.asarray(labels, dtype=np.float64) - truth
    rows: list[dict[str, Any]] = []
    if SENIORITY in features.columns:
        rho, p = spearmanr(features[SENIORITY].to_numpy(dtype=np.float64), residual,
                           nan_policy="omit")  # fmt: skip
        rows.append({"measure": f"spearman(label - truth, {SENIORITY})", "group": "all",
                     "value": float(rho), "p_value": float(p), "n": len(residual)})  # fmt: skip
    by_band = pd.Series(residual).groupby(age_band.to_numpy(), observed=True)
    for band, values in by_band:
        rows.append({"measure": "mean(label - truth)", "group": str(band),
                     "value": float(values.mean()), "p_value": float("nan"),
                     "n": len(values)})  # fmt: skip
    return pd.DataFrame(rows)


def selection_test(
    moves_attributes: pd.DataFrame,
    pools: Sequence[CandidatePool],
    groups: Sequence[tuple[str, str]],
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Each group's share of the training moves (and weighted share) vs of the eligible pools."""
    pool_frame = _frame(pools, list(moves_attributes.columns))
    rows = []
    for attribute, group in groups:
        in_moves = _members(moves_attributes, attribute, group)
        in_pools = _members(pool_frame, attribute, group)
        pool_share = float(in_pools.mean()) if len(in_pools) else float("nan")
        moves_share = float(in_moves.mean())
        row: dict[str, Any] = {
            "attribute": attribute, "group": group, "pool_share": pool_share,
            "moves_share": moves_share, "n_moves": int(in_moves.sum()),
            "representation": moves_share / pool_share if pool_share else float("nan"),
        }  # fmt: skip
        if weights is not None:
            weighted = float((weights * in_moves).sum() / weights.sum())
            row["weighted_share"] = weighted
            row["weighted_representation"] = weighted / pool_share
        rows.append(row)
    return pd.DataFrame(rows)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype("object").where(frame.notna(), None)
    return [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
        for r in clean.to_dict(orient="records")
    ]


def find_causes(
    model: FitModel,
    pools: Sequence[CandidatePool],
    table: ReferenceTable,
    rule: Any,
    proxy: pd.DataFrame | None,
    moves_attributes: pd.DataFrame,
    train: Any,
    oracle: Any,
    weights: np.ndarray | None = None,
    seed: int = 0,
    max_groups: int = 4,
) -> Causes:
    """All four analyses for the groups that need a cause (at most ``max_groups``).

    ``rule`` is the gate's (margin, level); ``train`` the training part (moves, features, y),
    ``moves_attributes`` its moves' protected attributes, ``weights`` their propensity weights.
    """
    groups = groups_to_explain(table, rule.margin, rule.level)[:max_groups]
    shap = shap_by_group(model, pools, table, groups, seed)
    return Causes(
        shap=shap,
        # On the SHAP analysis's sample of pools: one prediction per suspect over all pools
        # would cost more than the rest of the audit.
        neutralised=neutralise(model, sample_pools(pools, seed), table, groups, proxy, shap),
        labels=label_test(
            train.moves, train.features, train.y, moves_attributes["age_band"], oracle
        ),
        selection=selection_test(moves_attributes, pools, groups, weights),
    )
