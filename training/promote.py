"""``mutasi promote``: move the ``champion`` alias to the ``challenger`` if it is at least as good.

Both versions are evaluated on the challenger's test split (:mod:`training.holdout`). Promotion
passes through a list of gates, each returning a :class:`GateResult`: the metric gate compares the
primary metric (oracle-gain NDCG@10 when the data has an oracle, else Spearman) and breaks exact
ties with RMSE; the fairness gate refuses a challenger whose shortlists treat a protected group
confidently worse than today's practice or the champion beyond what merit explains
(:mod:`training.fairness_gate`).
``force`` overrides failing gates; its reason and the overridden gates are recorded. Every
decision is recorded: tags on the model versions and a run in the ``mutasi-promotions``
experiment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import mlflow
import numpy as np
from rich.markup import escape
from rich.table import Table as RichTable

from mutasi.settings import Settings, get_settings
from training import tracking
from training.bundle import ModelBundle, load_bundle
from training.evaluate import (
    COUNTS,
    LOWER_IS_BETTER,
    PRIMARY_WITH_ORACLE,
    PRIMARY_WITHOUT_ORACLE,
    SECONDARY,
    Evaluation,
)
from training.fairness_audit import review_metrics
from training.fairness_gate import holdout_review, judge
from training.fairness_review import GateRule, Review
from training.holdout import Holdout, evaluate_bundle, rebuild_holdout
from training.training_set import Progress


class PromotionError(RuntimeError):
    """Promotion cannot be decided (no challenger, bad arguments)."""


@dataclass(frozen=True)
class GateResult:
    """One gate's verdict."""

    gate: str
    passed: bool
    reason: str


@dataclass
class Comparison:
    """Champion and challenger metrics on the challenger's test split."""

    primary: str
    challenger_version: str
    challenger: dict[str, float]
    champion_version: str | None = None
    champion: dict[str, float] | None = None
    # FairnessReport.metrics() of each version's own report (None: no report).
    challenger_fairness: dict[str, float] | None = None
    champion_fairness: dict[str, float] | None = None


@dataclass
class PromotionContext:
    """What a gate may look at."""

    comparison: Comparison
    challenger: ModelBundle
    champion: ModelBundle | None
    holdout: Holdout | None
    # The challenger's fairness review the gate judges: with a champion, computed afresh on the
    # challenger's pools with a champion column; without, the one its bundle stores.
    review: Review | None = None
    rule: GateRule = field(default_factory=GateRule)


Gate = Callable[[PromotionContext], GateResult]


def metric_gate(ctx: PromotionContext, tolerance: float = 0.0) -> GateResult:
    """Challenger >= champion on the primary metric; an exact tie is broken by RMSE."""
    cmp = ctx.comparison
    if cmp.champion is None:
        return GateResult("metrics", True, "no champion yet")
    new, old = cmp.challenger.get(cmp.primary, np.nan), cmp.champion.get(cmp.primary, np.nan)
    if not (np.isfinite(new) and np.isfinite(old)):
        return GateResult("metrics", False, f"{cmp.primary} undefined ({new} vs {old})")
    if new > old + tolerance:
        return GateResult("metrics", True, f"{cmp.primary} {new:.4f} > champion {old:.4f}")
    if new < old - tolerance:
        return GateResult("metrics", False, f"{cmp.primary} {new:.4f} < champion {old:.4f}")
    new_s, old_s = cmp.challenger[SECONDARY], cmp.champion[SECONDARY]
    passed = new_s <= old_s
    verdict = "<=" if passed else ">"
    return GateResult(
        "metrics",
        passed,
        f"{cmp.primary} tied ({new:.4f}); {SECONDARY} {new_s:.4f} {verdict} champion {old_s:.4f}",
    )


def fairness_gate(ctx: PromotionContext) -> GateResult:
    """No protected group shortlisted confidently worse than today's practice or the champion
    beyond what merit explains (:mod:`training.fairness_gate`, rule in
    :mod:`training.fairness_review`). A challenger without a review cannot be audited and is
    refused (``--force`` with a reason can still promote it)."""
    passed, reason = judge(ctx.review, ctx.rule, ctx.comparison.champion_version)
    return GateResult("fairness", passed, reason)


# Gates run in order; all must pass.
DEFAULT_GATES: list[Gate] = [metric_gate, fairness_gate]


@dataclass
class Decision:
    """The outcome of a promotion attempt."""

    promoted: bool
    forced: bool
    reason: str
    comparison: Comparison
    gates: list[GateResult] = field(default_factory=list)
    record_run_id: str | None = None
    force_reason: str | None = None  # as given, when forced
    overridden: list[str] = field(default_factory=list)  # gates that failed but were forced
    # Each protected four-fifths flag against the references, and which of them it exceeds.
    references: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """``promoted`` or ``refused``."""
        return "promoted" if self.promoted else "refused"


def decide(
    ctx: PromotionContext, gates: Sequence[Gate], force: bool = False, reason: str | None = None
) -> Decision:
    """Run the gates; promote if all pass, or if forced (which needs a reason)."""
    if force and not (reason and reason.strip()):
        raise PromotionError("--force needs --reason: a forced promotion must say why")
    results = [gate(ctx) for gate in gates]
    passed = all(r.passed for r in results)
    failed = "; ".join(f"{r.gate}: {r.reason}" for r in results if not r.passed)
    lines = ctx.review.flag_lines(ctx.rule) if ctx.review is not None else []
    if passed:
        why = "; ".join(f"{r.gate}: {r.reason}" for r in results)
        return Decision(True, False, why, ctx.comparison, results, references=lines)
    if force:
        return Decision(
            True,
            True,
            f"forced: {reason} (gates failed: {failed})",
            ctx.comparison,
            results,
            force_reason=reason,
            overridden=[r.gate for r in results if not r.passed],
            references=lines,
        )
    return Decision(False, False, failed, ctx.comparison, results, references=lines)


def _metrics(evaluation: Evaluation) -> dict[str, float]:
    return dict(evaluation.metrics[evaluation.models[0]])


def compare(
    settings: Settings, progress: Progress | None = None
) -> tuple[PromotionContext, Evaluation | None]:
    """Load challenger and champion and evaluate both on the challenger's test split."""
    client = tracking.configure(settings)
    name = settings.model_name
    challenger_mv = tracking.version_by_alias(client, name, tracking.CHALLENGER)
    if challenger_mv is None:
        raise PromotionError(
            f"model {name} has no '{tracking.CHALLENGER}' version: run mutasi train"
        )
    champion_mv = tracking.version_by_alias(client, name, tracking.CHAMPION)
    if champion_mv is not None and champion_mv.version == challenger_mv.version:
        raise PromotionError(f"version {challenger_mv.version} is already the champion")
    challenger = load_bundle(f"models:/{name}/{challenger_mv.version}")
    if champion_mv is None:
        metrics = {
            k: float(v) for k, v in challenger.manifest.metrics.items() if k.startswith("test_")
        }
        comparison = Comparison(
            _primary_name(challenger.manifest.has_oracle),
            str(challenger_mv.version),
            {k.removeprefix("test_"): v for k, v in metrics.items()},
            challenger_fairness=_fairness_metrics(challenger),
        )
        rule = _rule(settings)
        return PromotionContext(comparison, challenger, None, None, challenger.review, rule), None
    champion = load_bundle(f"models:/{name}/{champion_mv.version}")
    holdout = rebuild_holdout(challenger.manifest, settings, progress=progress)
    new = evaluate_bundle(challenger, holdout)
    old = evaluate_bundle(champion, holdout)
    comparison = Comparison(
        new.primary_metric, str(challenger_mv.version), _metrics(new), str(champion_mv.version),
        _metrics(old), _fairness_metrics(challenger), _fairness_metrics(champion),
    )  # fmt: skip
    review = holdout_review(challenger, champion, holdout, (new, old))
    if review is None:  # no pools to rank again: the stored review (status quo only)
        review = challenger.review
    ctx = PromotionContext(comparison, challenger, champion, holdout, review, _rule(settings))
    return ctx, new


def _rule(settings: Settings) -> GateRule:
    return GateRule(settings.fairness_gate_margin, settings.fairness_gate_level)


def _primary_name(has_oracle: bool) -> str:
    return PRIMARY_WITH_ORACLE if has_oracle else PRIMARY_WITHOUT_ORACLE


def _fairness_metrics(bundle: ModelBundle) -> dict[str, float] | None:
    if bundle.fairness is None:
        return None
    return bundle.fairness.metrics() | review_metrics(bundle.review)


def record(decision: Decision, settings: Settings) -> str:
    """Apply the decision to the registry and log it as a run in ``mutasi-promotions``."""
    client = tracking.configure(settings)
    name, cmp = settings.model_name, decision.comparison
    experiment_id = tracking.ensure_experiment(tracking.PROMOTIONS_EXPERIMENT, settings)
    override = {
        "overridden_gates": ",".join(decision.overridden) or "none",
        "force_reason": (decision.force_reason or "")[:5000],
    }
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"promote-v{cmp.challenger_version}"
    ) as run:
        mlflow.set_tags(
            {
                "decision": decision.outcome,
                "reason": decision.reason[:5000],
                "forced": str(decision.forced).lower(),
                **override,
                "challenger_version": cmp.challenger_version,
                "champion_version": cmp.champion_version or "none",
                "primary_metric": cmp.primary,
            }
        )
        mlflow.log_metrics(_decision_metrics(cmp))
        mlflow.log_dict(
            {
                "decision": {
                    "outcome": decision.outcome,
                    "forced": decision.forced,
                    "reason": decision.reason,
                    "force_reason": decision.force_reason,
                    "overridden_gates": decision.overridden,
                },
                "gates": [asdict(g) for g in decision.gates],
                "references": decision.references,
                "comparison": asdict(cmp),
            },
            "decision.json",
        )
    tags = {
        "promotion_decision": decision.outcome,
        "promotion_reason": decision.reason[:5000],
        "promotion_forced": str(decision.forced).lower(),
        **{f"promotion_{key}": value for key, value in override.items()},
        "promotion_run_id": run.info.run_id,
    }
    tracking.tag_version(client, name, cmp.challenger_version, tags)
    if decision.promoted:
        tracking.set_alias(client, name, tracking.CHAMPION, cmp.challenger_version)
        client.delete_registered_model_alias(name, tracking.CHALLENGER)
        if cmp.champion_version is not None:
            tracking.tag_version(
                client, name, cmp.champion_version, {"retired_by": cmp.challenger_version}
            )
    run_id: str = run.info.run_id
    return run_id


def _decision_metrics(cmp: Comparison) -> dict[str, float]:
    """Both sides' metrics and fairness metrics, prefixed ``challenger_`` / ``champion_``."""
    # FairnessReport.metrics() names start with "fairness.": no clash with the test metrics.
    sides = {
        "challenger": {**cmp.challenger, **(cmp.challenger_fairness or {})},
        "champion": {**(cmp.champion or {}), **(cmp.champion_fairness or {})},
    }
    return {
        f"{side}_{name}": value
        for side, values in sides.items()
        for name, value in values.items()
        if np.isfinite(value)
    }


def promote(
    force: bool = False,
    reason: str | None = None,
    gates: Sequence[Gate] | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> Decision:
    """Compare, decide and record. Returns the recorded decision."""
    settings = settings or get_settings()
    if force and not (reason and reason.strip()):
        raise PromotionError("--force needs --reason: a forced promotion must say why")
    ctx, _ = compare(settings, progress)
    decision = decide(ctx, DEFAULT_GATES if gates is None else gates, force, reason)
    decision.record_run_id = record(decision, settings)
    return decision


def comparison_table(decision: Decision) -> RichTable:
    """Champion vs challenger per metric and per fairness measure, the better value marked."""
    cmp = decision.comparison
    table = RichTable(
        title=f"Promotion: challenger v{cmp.challenger_version} vs champion "
        f"{'v' + cmp.champion_version if cmp.champion_version else '(none)'}"
    )
    for col in ("metric", "champion", "challenger", "delta"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    rest = sorted(set(cmp.challenger) - {cmp.primary, SECONDARY} - COUNTS)
    for metric in [cmp.primary, SECONDARY, *rest]:
        label = f"[bold]{metric}[/bold]" if metric == cmp.primary else metric
        _add_row(
            table,
            label,
            (cmp.champion or {}).get(metric, np.nan),
            cmp.challenger.get(metric, np.nan),
            metric in LOWER_IS_BETTER,
        )
    table.add_section()
    for name, label, lower_is_better in fairness_rows(cmp):
        _add_row(
            table,
            label,
            (cmp.champion_fairness or {}).get(name, np.nan),
            (cmp.challenger_fairness or {}).get(name, np.nan),
            lower_is_better,
            digits=0 if name.endswith(("flags", "groups")) else 4,
        )
    table.caption_justify = "left"
    table.caption = escape(
        f"{decision.outcome.upper()}: {decision.reason}"
        + (f"  (decision run {decision.record_run_id})" if decision.record_run_id else "")
    )
    return table


def fairness_rows(cmp: Comparison) -> list[tuple[str, str, bool]]:
    """(metric name, label, lower is better) of the fairness part of the table: the flag
    counts, then the lowest selection impact ratio of each attribute either side reports."""
    names = set(cmp.challenger_fairness or {}) | set(cmp.champion_fairness or {})
    prefix, suffix = "fairness.", ".min_selection_impact_ratio"
    attributes = sorted(
        n.removeprefix(prefix).removesuffix(suffix) for n in names if n.endswith(suffix)
    )
    return [
        ("fairness.review.blocking_groups", "fairness: groups blocking promotion", True),
        ("fairness.confident_four_fifths_flags", "fairness: confident four-fifths flags", True),
        ("fairness.four_fifths_flags", "fairness: four-fifths flags", True),
        *[
            (f"{prefix}{a}{suffix}", f"fairness: min selection impact ratio, {a}", False)
            for a in attributes
        ],
    ]


def _add_row(
    table: RichTable, label: str, old: float, new: float, lower_is_better: bool, digits: int = 4
) -> None:
    """One comparison row; the challenger's value green where it is better."""
    better = (new < old) if lower_is_better else (new > old)
    new_text = f"{new:.{digits}f}" if np.isfinite(new) else "-"
    table.add_row(
        label,
        f"{old:.{digits}f}" if np.isfinite(old) else "-",
        f"[green]{new_text}[/green]" if better else new_text,
        f"{new - old:+.{digits}f}" if np.isfinite(new - old) else "-",
    )
