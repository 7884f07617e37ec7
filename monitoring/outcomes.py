"""The outcome join: what the audit log put forward, against the moves a newer export shows.

A **proposal** is a (nip, position) pair an answer put forward:

- ``decision`` / ``override`` / ``override_ineligible``: the person an official chose on a
  ranking (ranked first / ranked lower / found ineligible by the rules);
- ``plan``: every move of a transfer plan;
- ``ranking_top``: the first candidate of a ranking nobody recorded a decision on;
- ``recommendation_top``: the first vacancy recommended to an employee.

Every other returned item is ``listed``: it carries a prediction for a move that happens to
follow it, but was not put forward. A pair proposed by several answers counts once, with the
strongest basis (in the order above) and then the latest answer.

A move *follows* a proposal when the same person moved into the same position on or after the
answer's decision date and at most ``match_days`` later. Every move of the window (``since``
to the export date) is then ``recommended_and_moved`` or ``moved_only``; every proposal is
``recommended_and_moved`` or ``recommended_only``. A move's outcome is the SKP rating of its
first full calendar year in the new post (the training label, :func:`label_moves`): ``rated``,
``unrated`` (that year is not in the export yet) or ``superseded`` (moved again before it
ended). Nothing is dropped: the counts reconcile (:class:`Reconciliation`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import numpy as np
import pandas as pd

from features.contract import Dataset
from serving.audit.answered import Answered
from training.training_set import label_moves

BASES: tuple[str, ...] = (
    "decision", "override", "override_ineligible", "plan", "ranking_top", "recommendation_top",
)  # fmt: skip
LISTED, NONE = "listed", "none"
RANKING_ENDPOINTS = frozenset({"rank_position", "rank_inline"})
RECOMMENDED, MOVED_ONLY, RECOMMENDED_ONLY = (
    "recommended_and_moved",
    "moved_only",
    "recommended_only",
)
STATUSES: tuple[str, ...] = ("rated", "unrated", "superseded")
_ITEM_COLUMNS = [
    "request_id", "rank", "nip", "position_id", "prediction", "lower", "upper",
    "p_baik_or_better", "shap_values",
]  # fmt: skip
_ANSWER_COLUMNS = [
    "request_id", "created_at", "endpoint", "as_of", "position_id", "model_version", "run_id",
    "interval_level",
]  # fmt: skip


def _frame(rows: list[object], columns: list[str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame([asdict(r) for r in rows])[columns]  # type: ignore[call-overload]


@dataclass(frozen=True)
class ProposalCounts:
    """How the audit log's items became proposals."""

    n_answers: int
    n_items: int
    n_decisions: int
    n_inline_items: int
    n_proposal_rows: int
    n_proposals: int


def proposals(answered: Answered) -> tuple[pd.DataFrame, pd.DataFrame, ProposalCounts]:
    """Distinct proposed pairs and distinct listed pairs (see the module docstring)."""
    answers = _frame(list(answered.answers), _ANSWER_COLUMNS).rename(
        columns={"position_id": "answer_position_id"}
    )
    items = _frame(list(answered.items), _ITEM_COLUMNS).merge(answers, on="request_id")
    decisions = _frame(
        list(answered.decisions),
        ["request_id", "chosen_nip", "chosen_rank", "override", "reason_code", "decided_by"],
    )
    decisions = decisions.loc[decisions["request_id"].isin(answers["request_id"])]
    inline = items["position_id"].isna()
    n_inline = int(inline.sum())
    items = items.loc[~inline].reset_index(drop=True)

    decided = items.merge(decisions, on="request_id", how="left")
    is_ranking = decided["endpoint"].isin(RANKING_ENDPOINTS)
    has_decision = decided["chosen_nip"].notna()
    chosen = has_decision & (decided["nip"] == decided["chosen_nip"])
    basis = np.select(
        [
            chosen & (decided["rank"] == 1),
            chosen,
            decided["endpoint"] == "plan",
            is_ranking & ~has_decision & (decided["rank"] == 1),
            (decided["endpoint"] == "recommend") & (decided["rank"] == 1),
        ],
        ["decision", "override", "plan", "ranking_top", "recommendation_top"],
        default=LISTED,
    )
    decided = decided.assign(basis=basis)
    picks = items.loc[items["rank"] == 1, ["request_id", "nip", "prediction"]].rename(
        columns={"nip": "model_pick_nip", "prediction": "model_pick_prediction"}
    )
    decided = decided.merge(picks, on="request_id", how="left")
    decided.loc[decided["basis"] != "override", ["model_pick_nip", "model_pick_prediction"]] = None

    ineligible = _ineligible_choices(decisions, items, answers, picks)
    rows = pd.concat([decided, ineligible], ignore_index=True)
    proposed = _distinct(rows.loc[rows["basis"] != LISTED])
    listed = _distinct(rows.loc[rows["basis"] == LISTED])
    listed = listed.loc[~_pairs(listed).isin(_pairs(proposed))].reset_index(drop=True)
    counts = ProposalCounts(
        n_answers=len(answers),
        n_items=len(answered.items),
        n_decisions=len(decisions),
        n_inline_items=n_inline,
        n_proposal_rows=int((rows["basis"] != LISTED).sum()),
        n_proposals=len(proposed),
    )
    return proposed, listed, counts


def _ineligible_choices(
    decisions: pd.DataFrame, items: pd.DataFrame, answers: pd.DataFrame, picks: pd.DataFrame
) -> pd.DataFrame:
    """Decisions whose chosen person is not among the answer's items (ruled ineligible)."""
    returned = set(zip(items["request_id"], items["nip"], strict=True))
    keep = [
        (r, n) not in returned
        for r, n in zip(decisions["request_id"], decisions["chosen_nip"], strict=True)
    ]
    rows = decisions.loc[keep].merge(answers, on="request_id")
    rows = rows.loc[rows["answer_position_id"].notna()]
    return rows.assign(
        nip=rows["chosen_nip"],
        position_id=rows["answer_position_id"],
        basis="override_ineligible",
        rank=np.nan,
    ).merge(picks, on="request_id", how="left")


def _pairs(frame: pd.DataFrame) -> pd.Series:
    return frame["nip"].astype(str) + "|" + frame["position_id"].astype(str)


def _distinct(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (nip, position): the strongest basis, then the latest answer."""
    strength = rows["basis"].map({b: i for i, b in enumerate((*BASES, LISTED))})
    ordered = rows.assign(_strength=strength).sort_values(
        ["_strength", "as_of", "created_at"], ascending=[True, False, False], kind="stable"
    )
    n_answers = ordered.groupby(["nip", "position_id"])["request_id"].transform("nunique")
    ordered = ordered.assign(n_answers=n_answers)
    first = ordered.drop_duplicates(["nip", "position_id"], keep="first")
    return first.drop(columns="_strength").reset_index(drop=True)


@dataclass(frozen=True)
class Window:
    """The moves monitored: effective from ``since`` to ``until`` (the export date)."""

    since: date
    until: date
    match_days: int


def window_moves(dataset: Dataset, window: Window) -> pd.DataFrame:
    """Every move of the window with its outcome status, target unit and sector."""
    moves = label_moves(dataset)
    when = moves["effective_date"]
    moves = moves.loc[
        (when >= pd.Timestamp(window.since)) & (when <= pd.Timestamp(window.until))
    ].rename(columns={"to_position_id": "position_id"})
    status = np.where(
        moves["superseded"], "superseded", np.where(moves["rating"].notna(), "rated", "unrated")
    )
    positions = dataset.positions.set_index("position_id")
    sectors = dataset.units.set_index("unit_id")["sector"].astype(str)
    unit = moves["position_id"].map(positions["unit_id"])
    return moves.assign(status=status, unit_id=unit, sector=unit.map(sectors)).reset_index(
        drop=True
    )


def _follow(moves: pd.DataFrame, proposed: pd.DataFrame, match_days: int) -> pd.DataFrame:
    """(transfer_id, proposal index) of each proposal's first move within the window."""
    candidates = moves[["transfer_id", "nip", "position_id", "effective_date"]].merge(
        proposed[["nip", "position_id", "as_of"]].reset_index(names="proposal"),
        on=["nip", "position_id"],
    )
    start = pd.to_datetime(candidates["as_of"])
    after = candidates["effective_date"] >= start
    within = candidates["effective_date"] <= start + pd.Timedelta(days=match_days)
    candidates = candidates.loc[after & within].sort_values(["proposal", "effective_date"])
    first = candidates.drop_duplicates("proposal", keep="first")
    return first.drop_duplicates("transfer_id", keep="first")[["transfer_id", "proposal"]]


_CARRIED = [
    "basis", "request_id", "endpoint", "as_of", "created_at", "model_version", "run_id",
    "interval_level", "rank", "prediction", "lower", "upper", "p_baik_or_better", "shap_values",
    "decided_by", "reason_code", "model_pick_nip", "model_pick_prediction", "n_answers",
]  # fmt: skip


def _attach(moves: pd.DataFrame, proposed: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    carried = proposed.reindex(columns=_CARRIED).loc[links["proposal"].to_numpy()]
    carried = carried.assign(transfer_id=links["transfer_id"].to_numpy()).set_index("transfer_id")
    joined = moves.set_index("transfer_id").join(carried, how="left")
    return joined.reset_index()


@dataclass(frozen=True)
class Reconciliation:
    """Every move and every proposal, counted once (checks: ``consistent``)."""

    since: str
    until: str
    match_days: int
    n_answers: int
    n_items: int
    n_decisions: int
    n_inline_items: int
    n_proposals: int
    n_moves: int
    recommended_and_moved: dict[str, int]
    moved_only: dict[str, int]
    recommended_only: dict[str, int]
    by_basis: dict[str, int]
    moved_only_listed: int

    @property
    def consistent(self) -> bool:
        """Moves = recommended & moved + moved only; proposals = recommended & moved +
        recommended only; each category = rated + unrated + superseded."""
        rm, mo = self.recommended_and_moved["total"], self.moved_only["total"]
        ro = self.recommended_only["total"]
        parts = all(
            c["total"] == sum(c[s] for s in STATUSES)
            for c in (self.recommended_and_moved, self.moved_only)
        )
        return parts and self.n_moves == rm + mo and self.n_proposals == rm + ro


@dataclass(frozen=True)
class OutcomeJoin:
    """Moves of the window with their proposals, proposals not moved, and the counts."""

    moves: pd.DataFrame
    not_moved: pd.DataFrame
    reconciliation: Reconciliation


def _status_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = {s: int((frame["status"] == s).sum()) for s in STATUSES}
    return {"total": len(frame), **counts}


def join_outcomes(answered: Answered, dataset: Dataset, window: Window) -> OutcomeJoin:
    """The outcome join of an audit log and a newer export (see the module docstring)."""
    proposed, listed, counts = proposals(answered)
    moves = window_moves(dataset, window)
    links = _follow(moves, proposed, window.match_days)
    joined = _attach(moves, proposed, links)
    unmatched = ~joined["transfer_id"].isin(links["transfer_id"])
    listed_links = _follow(moves.loc[unmatched.to_numpy()], listed, window.match_days)
    by_listed = _attach(moves, listed, listed_links).set_index("transfer_id")
    fill = joined["transfer_id"].isin(listed_links["transfer_id"]).to_numpy()
    joined.loc[fill, _CARRIED] = by_listed.loc[joined.loc[fill, "transfer_id"], _CARRIED].to_numpy()
    category = np.where(joined["transfer_id"].isin(links["transfer_id"]), RECOMMENDED, MOVED_ONLY)
    joined = joined.assign(category=category, basis=joined["basis"].fillna(NONE))

    not_moved = _not_moved(proposed, links, moves, dataset, window)
    rec, only = joined.loc[joined["category"] == RECOMMENDED], joined.loc[category == MOVED_ONLY]
    reconciliation = Reconciliation(
        since=str(window.since),
        until=str(window.until),
        match_days=window.match_days,
        n_answers=counts.n_answers,
        n_items=counts.n_items,
        n_decisions=counts.n_decisions,
        n_inline_items=counts.n_inline_items,
        n_proposals=counts.n_proposals,
        n_moves=len(joined),
        recommended_and_moved=_status_counts(rec),
        moved_only=_status_counts(only),
        recommended_only={
            "total": len(not_moved),
            **{f: int(not_moved[f].sum()) for f in _NOT_MOVED_FLAGS},
        },
        by_basis={b: int((rec["basis"] == b).sum()) for b in BASES},
        moved_only_listed=int((only["basis"] == LISTED).sum()),
    )
    return OutcomeJoin(joined, not_moved, reconciliation)


_NOT_MOVED_FLAGS = ("left_service", "moved_elsewhere", "filled_by_other", "window_open")


def _not_moved(
    proposed: pd.DataFrame,
    links: pd.DataFrame,
    moves: pd.DataFrame,
    dataset: Dataset,
    window: Window,
) -> pd.DataFrame:
    """Proposals no move followed, with why that may be: the person left the service, moved
    elsewhere, someone else took the post, or the match window is still open."""
    rest = proposed.loc[~proposed.index.isin(links["proposal"])].reset_index(drop=True)
    start = pd.to_datetime(rest["as_of"])
    moved_nips = moves[["nip", "effective_date"]]
    later = rest[["nip"]].reset_index(names="row").merge(moved_nips, on="nip")
    later = later.loc[later["effective_date"].to_numpy() >= start.iloc[later["row"]].to_numpy()]
    filled = (
        rest[["nip", "position_id"]]
        .reset_index(names="row")
        .merge(
            moves[["position_id", "nip", "effective_date"]],
            on="position_id",
            suffixes=("", "_mover"),
        )
    )
    filled = filled.loc[
        (filled["effective_date"].to_numpy() >= start.iloc[filled["row"]].to_numpy())
        & (filled["nip_mover"] != filled["nip"]).to_numpy()
    ]
    in_service = set(dataset.employees["nip"].astype(str))
    closes = start + pd.Timedelta(days=window.match_days)
    flagged: pd.DataFrame = rest.assign(
        left_service=~rest["nip"].astype(str).isin(in_service),
        moved_elsewhere=rest.index.isin(later["row"]),
        filled_by_other=rest.index.isin(filled["row"]),
        window_open=(closes > pd.Timestamp(window.until)).to_numpy(),
    )
    return flagged
