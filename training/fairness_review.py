"""The review of a model's shortlists: reference columns, the requirement explanation, the
causes, the mitigation in force, and the gate's verdict per protected group.

A protected group **blocks promotion** when all three hold:

1. its selection impact ratio under the model (as served: after the re-ranking in force) raises
   a four-fifths flag (< 0.8);
2. the model is confidently worse for it than a reference that stands for what is acceptable
   today: the status quo (today's practice) or the champion, by more than ``margin``
   (paired bootstrap, Holm-adjusted; :meth:`training.fairness_refs.ReferenceTable.verdicts`);
3. merit does not explain it: on generated data the model is also confidently worse than the
   truth (the oracle's ranking of the same pools); on real data, where the truth is unknown,
   the gap is not explained by the posts' stated requirements
   (:mod:`training.fairness_explain`).

A disparity the truth itself shows (a group truly less qualified for these posts) therefore
never blocks; one that today's practice and the champion share does not either: the gate asks
"no worse than what we do now", not "perfect". Qualifications are reported, never gated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from training.fair_ranking import FairRankPolicy, Labels, base_attributes, pool_ranks
from training.fairness_causes import Causes
from training.fairness_explain import RequirementExplanation
from training.fairness_refs import (
    CHAMPION,
    LABELS,
    ORACLE,
    STATUS_QUO,
    UNMITIGATED,
    ReferenceTable,
    Selection,
    ranked_selection,
    reference_table,
    score_selection,
    status_quo_selection,
)
from training.oracle_eval import CandidatePool
from training.shortlists import vacancy_ranks

ACCEPTABLE: tuple[str, ...] = (STATUS_QUO, CHAMPION)  # what promotion must be no worse than


@dataclass(frozen=True)
class GateRule:
    """How confident and how large a difference must be to count as worse."""

    margin: float = 0.05
    level: float = 0.05


@dataclass(frozen=True)
class Review:
    """Everything the fairness gate, the model card and the auditor pages read."""

    references: ReferenceTable
    explanation: RequirementExplanation
    policy: FairRankPolicy
    training_mitigation: str = "none"
    causes: Causes | None = None

    @property
    def mitigation(self) -> str:
        """``training: ipw(...); ranking: fa*ir(...)`` (what produced the model column)."""
        return f"training: {self.training_mitigation}; ranking: {self.policy.name}"

    def verdicts(self, rule: GateRule | None = None) -> pd.DataFrame:
        """Per compared group: the reference verdicts, the merit evidence and ``blocked``."""
        rule = rule or GateRule()
        out = self.references.verdicts(rule.margin, rule.level)
        worse = np.zeros(len(out), dtype=bool)
        for ref in ACCEPTABLE:
            if f"worse_{ref}" in out.columns:
                worse |= out[f"worse_{ref}"].to_numpy(dtype=bool)
        if f"worse_{ORACLE}" in out.columns:
            out["merit"] = "the truth"
            explained = ~out[f"worse_{ORACLE}"].to_numpy(dtype=bool)
        else:
            out["merit"] = "the posts' stated requirements"
            verdict = [
                self.explanation.verdict(a, g)
                for a, g in zip(out["attribute"], out["group"], strict=True)
            ]
            explained = np.array([v == "explained" for v in verdict], dtype=bool)
        out["requirements"] = [
            self.explanation.verdict(a, g)
            for a, g in zip(out["attribute"], out["group"], strict=True)
        ]
        out["explained_by_merit"] = explained
        out["worse_than_acceptable"] = worse
        out["blocked"] = (
            (out["role"] == "protected").to_numpy() & out["flag"].to_numpy() & worse & ~explained
        )
        return out

    def blocking(self, rule: GateRule | None = None) -> pd.DataFrame:
        """The groups that block promotion."""
        verdicts = self.verdicts(rule)
        return verdicts.loc[verdicts["blocked"]].reset_index(drop=True)

    def has_acceptable_reference(self) -> bool:
        """Whether a status quo or champion column exists with vacancies to compare on."""
        refs = self.references
        return any(refs.n_vacancies.get(r, 0) > 0 for r in ACCEPTABLE if r in refs.sources)

    def flag_lines(self, rule: GateRule | None = None, protected_only: bool = True) -> list[str]:
        """One line per flagged group: the reference columns and which of them it exceeds."""
        verdicts = self.verdicts(rule)
        rows = verdicts.loc[verdicts["flag"]]
        if protected_only:
            rows = rows.loc[rows["role"] == "protected"]
        lines = []
        for record in rows.to_dict(orient="records"):
            beyond = [
                LABELS[r] for r in self.references.references if record.get(f"worse_{r}", False)
            ]
            where = "beyond " + ", ".join(beyond) if beyond else "beyond no reference"
            mark = " [blocks promotion]" if record["blocked"] else ""
            lines.append(
                f"{self.references.describe(record['attribute'], record['group'])} ({where}){mark}"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the bundle's ``fairness/review.json``)."""
        return {
            "policy": self.policy.to_dict(),
            "training_mitigation": self.training_mitigation,
            "references": self.references.to_dict(),
            "explanation": self.explanation.to_dict(),
            "causes": self.causes.to_dict() if self.causes is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Review:
        """Inverse of :meth:`to_dict`."""
        causes = data.get("causes")
        return cls(
            references=ReferenceTable.from_dict(data["references"]),
            explanation=RequirementExplanation.from_dict(data["explanation"]),
            policy=FairRankPolicy.from_dict(data.get("policy")),
            training_mitigation=str(data.get("training_mitigation", "none")),
            causes=Causes.from_dict(causes) if causes else None,
        )


def attribute_codes(
    pools: Sequence[CandidatePool], attributes: Sequence[str]
) -> list[dict[str, Labels]]:
    """Per pool, each attribute's labels per candidate (what FA*IR constrains)."""
    out = []
    for pool in pools:
        if pool.attributes is None:
            raise ValueError(f"pool {pool.vacancy.position_id}: candidates lack their attributes")
        out.append({a: pool.attributes[a].array for a in base_attributes(attributes)})
    return out


def served_ranks(
    pools: Sequence[CandidatePool], scores: Sequence[np.ndarray], k: int, policy: FairRankPolicy
) -> list[np.ndarray]:
    """Each pool's ranks as the service would give them: FA*IR if the policy re-ranks."""
    if not policy.active:
        return [vacancy_ranks(s) for s in scores]
    return pool_ranks(scores, attribute_codes(pools, policy.attributes), k, policy)


def reference_selections(
    pools: Sequence[CandidatePool],
    scores: Sequence[np.ndarray],
    ranks: Sequence[np.ndarray],
    k: int,
    *,
    transfers: pd.DataFrame | None,
    re_ranked: bool,
    champion_ranks: Sequence[np.ndarray] | None = None,
) -> dict[str, Selection]:
    """The model's selection and every reference the data allows."""
    selections: dict[str, Selection] = {"model": ranked_selection(ranks, k)}
    if transfers is not None:
        selections[STATUS_QUO] = status_quo_selection(pools, transfers)
    if champion_ranks is not None:
        selections[CHAMPION] = ranked_selection(champion_ranks, k)
    if all(np.isfinite(p.truth).all() for p in pools):
        selections[ORACLE] = score_selection([p.truth for p in pools], k)
    if re_ranked:
        selections[UNMITIGATED] = score_selection(scores, k)
    return selections


def build_review(
    pools: Sequence[CandidatePool],
    selections: Mapping[str, Selection],
    explanation: RequirementExplanation,
    policy: FairRankPolicy,
    *,
    k: int,
    n_bootstrap: int,
    seed: int,
    training_mitigation: str = "none",
    causes: Causes | None = None,
    frame: pd.DataFrame | None = None,
) -> Review:
    """The review from its parts (the reference table is computed here; ``frame``: the pools'
    shortlists frame, if already built)."""
    table = reference_table(pools, selections, k=k, n_bootstrap=n_bootstrap, seed=seed, frame=frame)
    return Review(table, explanation, policy, training_mitigation, causes)
