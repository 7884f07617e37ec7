"""Score the vacancies of some blocks: the API's eligibility, features, model and reasons.

Per block the rule engine (:func:`features.eligibility.evaluate_eligibility`) runs once over
the block's area; per vacancy ``same_position`` is decided by the same engine on the employees
who hold that post; then the eligible employees' features come from the serving snapshot
(:meth:`features.fit.EmployeeSnapshot.pair_array`, the API's feature path) and
:func:`serving.domain.scoring.score_top` predicts, keeps the top k and explains them
(``pred_contrib`` on those k rows only), exactly as a ranking answer does. Each returned row
also says who decides the move (:func:`features.authority.decision_authority`).

The result has one row per (vacancy, rank); a vacancy nobody is eligible for keeps one row with
an empty rank, so no vacancy disappears from the output unnoticed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from batch.blocks import Scope, area_rows, instansi_of_units
from features.authority import decision_authority
from features.eligibility import EligibilityResult, evaluate_eligibility
from serving.domain.scoring import ScoredRow, score_top
from serving.state import AsOfView, ServingState

# Output columns and their Spark types (the job's schema; Parquet keeps them).
OUTPUT_SCHEMA: tuple[tuple[str, str], ...] = (
    ("position_id", "string"),
    ("target_region_code", "string"),
    ("target_unit_id", "string"),
    ("target_instansi_code", "string"),
    ("block_id", "long"),
    ("n_considered", "long"),
    ("n_eligible", "long"),
    ("ineligible_by_rule", "string"),
    ("rank", "int"),
    ("nip", "string"),
    ("current_position_id", "string"),
    ("current_unit_id", "string"),
    ("current_region_code", "string"),
    ("source_instansi_code", "string"),
    ("rating", "double"),
    ("lower", "double"),
    ("upper", "double"),
    ("interval_level", "double"),
    ("p_baik_or_better", "double"),
    ("raw_prediction", "double"),
    ("shap_base_value", "double"),
    ("reasons", "string"),
    ("move_scope", "string"),
    ("authority_id", "string"),
    ("decided_by_id", "string"),
    ("decided_by_en", "string"),
    ("authority_source", "string"),
)
OUTPUT_COLUMNS: tuple[str, ...] = tuple(name for name, _ in OUTPUT_SCHEMA)


@dataclass
class BlockScorer:
    """Scores vacancies against one state and date; caches each area's employee rows."""

    state: ServingState
    view: AsOfView
    scope: Scope
    k: int
    n_reasons: int
    _areas: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    pairs_scored: int = 0

    def __post_init__(self) -> None:
        unit_instansi = instansi_of_units(self.state)
        self._source_instansi = unit_instansi.reindex(self.view.unit_ids).to_numpy(dtype=object)
        self._region = self.view.state["region_code"].astype(object).to_numpy()

    def rows_of(self, area: str) -> np.ndarray:
        """Snapshot rows of an area's employees (computed once per area)."""
        if area not in self._areas:
            self._areas[area] = area_rows(self.view, area, self.scope)
        return self._areas[area]

    def score(self, vacancies: pd.DataFrame) -> pd.DataFrame:
        """Output rows of the given vacancies (columns of :data:`OUTPUT_COLUMNS`)."""
        records: list[dict[str, object]] = []
        for _, block in vacancies.groupby("block_id", sort=False, observed=True):
            self._score_block(block, records)
        frame = pd.DataFrame.from_records(records, columns=list(OUTPUT_COLUMNS[:22]))
        authority = decision_authority(
            self.state.rule_set, frame["source_instansi_code"], frame["target_instansi_code"]
        )
        # A vacancy without candidates has no move, so nobody to decide it.
        authority[frame["rank"].isna().to_numpy()] = None
        return pd.concat([frame, authority], axis=1)[list(OUTPUT_COLUMNS)]

    def _score_block(self, block: pd.DataFrame, records: list[dict[str, object]]) -> None:
        state, view = self.state, self.view
        first = state.targets[str(block["position_id"].iloc[0])]
        pool = self.rows_of(str(block["area"].iloc[0]))
        judged = evaluate_eligibility(
            view.state.iloc[pool],
            replace(first, position_id=None),
            view.as_of,
            state.rule_set,
            state.dataset.freeze_periods,
        )
        eligible = pool[judged.eligible]
        for vacancy in block.to_dict("records"):
            fields = {str(k): v for k, v in vacancy.items()}
            self._score_vacancy(fields, pool, eligible, judged, records)

    def _score_vacancy(
        self,
        vacancy: dict[str, object],
        pool: np.ndarray,
        eligible: np.ndarray,
        judged: EligibilityResult,
        records: list[dict[str, object]],
    ) -> None:
        state, view = self.state, self.view
        position_id = str(vacancy["position_id"])
        target = state.targets[position_id]
        # Only an employee holding this very post can fail what the block did not judge
        # (same_position); the engine decides them with the full target.
        in_pool = np.flatnonzero(view.position_ids[pool] == position_id)
        holders = pool[in_pool]
        counts = judged.counts_by_rule()
        by_rule = {str(k): int(v) for k, v in counts.items()}
        if holders.size:
            own = evaluate_eligibility(
                view.state.iloc[holders],
                target,
                view.as_of,
                state.rule_set,
                state.dataset.freeze_periods,
            )
            # Their verdicts replace the block's in the counts (as one evaluation would give).
            bars = np.array([r.kind == "bar" for r in state.rule_set.rules])
            as_judged = judged.hits[in_pool][:, bars].sum(axis=0)
            for rule_id, failing, before in zip(
                counts.index, own.counts_by_rule(), as_judged, strict=True
            ):
                by_rule[str(rule_id)] += int(failing) - int(before)
            eligible = eligible[~np.isin(eligible, holders[~own.eligible])]
        features = view.employees.pair_array(position_id, eligible)
        scored = score_top(state, features, view.nips[eligible], self.k, self.k, self.n_reasons)
        self.pairs_scored += len(eligible)
        head = {
            "position_id": position_id,
            "target_region_code": vacancy["target_region_code"],
            "target_unit_id": target.unit_id,
            "target_instansi_code": vacancy["target_instansi_code"],
            "block_id": vacancy["block_id"],
            "n_considered": len(pool),
            "n_eligible": len(eligible),
            "ineligible_by_rule": json.dumps(by_rule),
        }
        if not scored.rows:
            records.append({**head, "rank": None})
        for r in scored.rows:
            row = int(eligible[r.row])
            records.append({**head, **self._row(r), **self._current(row)})

    def _current(self, row: int) -> dict[str, object]:
        view = self.view
        return {
            "nip": str(view.nips[row]),
            "current_position_id": view.position_ids[row],
            "current_unit_id": view.unit_ids[row],
            "current_region_code": self._region[row],
            "source_instansi_code": self._source_instansi[row],
        }

    @staticmethod
    def _row(r: ScoredRow) -> dict[str, object]:
        p = r.prediction
        return {
            "rank": r.rank,
            "rating": p.rating,
            "lower": p.lower,
            "upper": p.upper,
            "interval_level": p.interval_level,
            "p_baik_or_better": p.p_baik_or_better,
            "raw_prediction": r.raw_prediction,
            "shap_base_value": r.shap_base_value,
            "reasons": json.dumps([c.model_dump() for c in r.contributions], ensure_ascii=False),
        }
