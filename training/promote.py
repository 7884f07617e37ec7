"""``mutasi promote``: move the ``champion`` alias to the ``challenger`` if it is at least as good.

Both versions are evaluated on the challenger's test split (:mod:`training.holdout`). Promotion
passes through a list of gates, each returning a :class:`GateResult`; the metric gate compares the
primary metric (oracle-gain NDCG@10 when the data has an oracle, else Spearman) and breaks exact
ties with RMSE. A later fairness gate is one more callable appended to :data:`DEFAULT_GATES`.
``force`` overrides failing gates; its reason is recorded. Every decision is recorded: tags on
the model versions and a run in the ``mutasi-promotions`` experiment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import mlflow
import numpy as np
from rich.table import Table as RichTable

from mutasi.settings import Settings, get_settings
from training import tracking
from training.bundle import ModelBundle, load_bundle
from training.data import Progress
from training.evaluate import (
    COUNTS,
    LOWER_IS_BETTER,
    PRIMARY_WITH_ORACLE,
    PRIMARY_WITHOUT_ORACLE,
    SECONDARY,
    Evaluation,
)
from training.holdout import Holdout, evaluate_bundle, rebuild_holdout


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


@dataclass
class PromotionContext:
    """What a gate may look at."""

    comparison: Comparison
    challenger: ModelBundle
    champion: ModelBundle | None
    holdout: Holdout | None


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


# Gates run in order; all must pass. The fairness audit issue appends its gate here.
DEFAULT_GATES: list[Gate] = [metric_gate]


@dataclass
class Decision:
    """The outcome of a promotion attempt."""

    promoted: bool
    forced: bool
    reason: str
    comparison: Comparison
    gates: list[GateResult] = field(default_factory=list)
    record_run_id: str | None = None


def decide(
    ctx: PromotionContext, gates: Sequence[Gate], force: bool = False, reason: str | None = None
) -> Decision:
    """Run the gates; promote if all pass, or if forced (which needs a reason)."""
    if force and not (reason and reason.strip()):
        raise PromotionError("--force needs --reason: a forced promotion must say why")
    results = [gate(ctx) for gate in gates]
    passed = all(r.passed for r in results)
    failed = "; ".join(f"{r.gate}: {r.reason}" for r in results if not r.passed)
    if passed:
        why = "; ".join(f"{r.gate}: {r.reason}" for r in results)
        return Decision(True, False, why, ctx.comparison, results)
    if force:
        return Decision(
            True, True, f"forced: {reason} (gates failed: {failed})", ctx.comparison, results
        )
    return Decision(False, False, failed, ctx.comparison, results)


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
        )
        return PromotionContext(comparison, challenger, None, None), None
    champion = load_bundle(f"models:/{name}/{champion_mv.version}")
    holdout = rebuild_holdout(challenger.manifest, settings, progress=progress)
    new = evaluate_bundle(challenger, holdout)
    old = evaluate_bundle(champion, holdout)
    comparison = Comparison(
        new.primary_metric, str(challenger_mv.version), _metrics(new), str(champion_mv.version),
        _metrics(old),
    )  # fmt: skip
    return PromotionContext(comparison, challenger, champion, holdout), new


def _primary_name(has_oracle: bool) -> str:
    return PRIMARY_WITH_ORACLE if has_oracle else PRIMARY_WITHOUT_ORACLE


def record(decision: Decision, settings: Settings) -> str:
    """Apply the decision to the registry and log it as a run in ``mutasi-promotions``."""
    client = tracking.configure(settings)
    name, cmp = settings.model_name, decision.comparison
    experiment_id = tracking.ensure_experiment(tracking.PROMOTIONS_EXPERIMENT, settings)
    outcome = "promoted" if decision.promoted else "refused"
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"promote-v{cmp.challenger_version}"
    ) as run:
        mlflow.set_tags(
            {
                "decision": outcome,
                "reason": decision.reason[:5000],
                "forced": str(decision.forced).lower(),
                "challenger_version": cmp.challenger_version,
                "champion_version": cmp.champion_version or "none",
                "primary_metric": cmp.primary,
            }
        )
        metrics = {f"challenger_{k}": v for k, v in cmp.challenger.items()}
        metrics |= {f"champion_{k}": v for k, v in (cmp.champion or {}).items()}
        mlflow.log_metrics({k: v for k, v in metrics.items() if np.isfinite(v)})
        mlflow.log_dict(
            {"gates": [asdict(g) for g in decision.gates], "comparison": asdict(cmp)},
            "decision.json",
        )
    tags = {
        "promotion_decision": outcome,
        "promotion_reason": decision.reason[:5000],
        "promotion_forced": str(decision.forced).lower(),
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
    return run.info.run_id


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
    """Champion vs challenger per metric, the better value marked."""
    cmp = decision.comparison
    table = RichTable(
        title=f"Promotion: challenger v{cmp.challenger_version} vs champion "
        f"{'v' + cmp.champion_version if cmp.champion_version else '(none)'}"
    )
    for col in ("metric", "champion", "challenger", "delta"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    rest = sorted(set(cmp.challenger) - {cmp.primary, SECONDARY} - COUNTS)
    names = [cmp.primary, SECONDARY, *rest]
    for metric in names:
        new = cmp.challenger.get(metric, np.nan)
        old = (cmp.champion or {}).get(metric, np.nan)
        better = (new < old) if metric in LOWER_IS_BETTER else (new > old)
        label = f"[bold]{metric}[/bold]" if metric == cmp.primary else metric
        delta = f"{new - old:+.4f}" if np.isfinite(new - old) else "-"
        new_text = f"{new:.4f}" if np.isfinite(new) else "-"
        table.add_row(
            label, f"{old:.4f}" if np.isfinite(old) else "-",
            f"[green]{new_text}[/green]" if better else new_text, delta,
        )  # fmt: skip
    table.caption = (
        ("PROMOTED" if decision.promoted else "REFUSED")
        + f": {decision.reason}"
        + (f"  (decision run {decision.record_run_id})" if decision.record_run_id else "")
    )
    return table
