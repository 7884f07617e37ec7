"""The model card's fairness review: the reference columns per protected group, the
qualifications against the posts' stated requirements, the causes and the mitigation in force.

Plain rows of text for ``templates/model_card.md.j2`` (section 7), read from a
:class:`~training.fairness_review.Review`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from training.fairness_refs import LABELS
from training.fairness_review import GateRule, Review
from training.fairness_roles import LEGAL_BASIS


def _ratio(row: pd.Series, source: str) -> str:
    value, lo, hi = (row.get(f"{source}_{end}") for end in ("ratio", "lo", "hi"))
    if value is None or not np.isfinite(value):
        return "-"
    if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
        return f"{value:.2f} [{lo:.2f}, {hi:.2f}]"
    return f"{value:.2f}"


def review_context(review: Review | None, rule: GateRule | None = None) -> dict[str, Any]:
    """The template's ``review`` variables (empty lists when there is no review)."""
    if review is None:
        return {"review": None}
    refs = review.references
    verdicts = review.verdicts(rule).set_index(["attribute", "group"])
    rows = []
    for record in refs.groups.loc[~refs.groups["excluded"]].to_dict(orient="records"):
        key = (record["attribute"], record["group"])
        if record["role"] != "protected" or key not in verdicts.index:
            continue
        verdict = verdicts.loc[key]
        beyond = [LABELS[r] for r in refs.references if bool(verdict.get(f"worse_{r}", False))]
        rows.append(
            {
                "attribute": record["attribute"],
                "group": record["group"],
                "cells": [_ratio(pd.Series(record), s) for s in refs.sources],
                "flag": bool(verdict["flag"]),
                "beyond": ", ".join(beyond) if beyond else "-",
                "blocked": bool(verdict["blocked"]),
            }
        )
    explained = review.explanation.groups
    qualifications = [
        {
            "attribute": r["attribute"],
            "group": r["group"],
            "raw": r["raw_ratio"],
            "adjusted": r["adjusted_ratio"],
            "lo": r["adjusted_lo"],
            "hi": r["adjusted_hi"],
            "verdict": r["verdict"],
        }
        for r in explained.to_dict(orient="records")
        if r["role"] == "qualification" and r["verdict"] != "no gap"
    ]
    return {
        "review": review,
        "review_mitigation": review.mitigation,
        "review_columns": [LABELS[s] for s in refs.sources],
        "review_rows": rows,
        "review_blocking": sum(r["blocked"] for r in rows),
        "review_vacancies": dict(refs.n_vacancies),
        "qualification_rows": qualifications,
        "cause_lines": cause_lines(review),
        "legal_basis": [(a, LEGAL_BASIS[a]) for a in LEGAL_BASIS],
    }


def cause_lines(review: Review) -> list[str]:
    """Readable lines of the causes, one per group and analysis: SHAP gaps, neutralised
    suspects, then the label and selection tests (every suspect named in docs/model.md)."""
    causes = review.causes
    if causes is None:
        return []
    lines: list[str] = []
    if not causes.shap.empty:
        for (attribute, group), rows in causes.shap.groupby(["attribute", "group"], sort=False):
            top = ", ".join(f"{r.feature} {r.gap:+.3f}" for r in rows.head(3).itertuples())
            versus, total = rows["versus"].iloc[0], rows["score_gap"].iloc[0]
            lines.append(
                f"{attribute}={group} vs {versus}: within-pool score gap {total:+.3f}, carried by "
                f"{top} (mean SHAP)"
            )
    if not causes.neutralised.empty:
        for (attribute, group), rows in causes.neutralised.groupby(
            ["attribute", "group"], sort=False
        ):
            moves = ", ".join(
                f"{r.feature} {r.ratio_before:.2f} -> {r.ratio_after:.2f}"
                for r in rows.itertuples()
            )
            lines.append(f"{attribute}={group}: selection impact ratio when neutralising {moves}")
    if not causes.labels.empty:
        labels = causes.labels
        for r in labels.loc[labels["group"] == "all"].itertuples():
            lines.append(
                f"seniority-driven labels: {r.measure} = {r.value:+.3f} (p = {r.p_value:.2g})"
            )
        bands = labels.loc[labels["group"] != "all"]
        if not bands.empty:
            by_band = ", ".join(f"{r.group} {r.value:+.3f}" for r in bands.itertuples())
            lines.append(f"seniority-driven labels: mean(label - truth) by age band: {by_band}")
    if not causes.selection.empty:
        for r in causes.selection.itertuples():
            weighted = getattr(r, "weighted_representation", None)
            extra = (
                f", weighted {weighted:.2f}"
                if weighted is not None and np.isfinite(weighted)
                else ""
            )
            lines.append(
                f"selection by the historical policy: {r.attribute}={r.group} is "
                f"{r.representation:.2f}x its pool share among the training moves{extra}"
            )
    return lines
