"""The monitoring report as Markdown (``report.md``, logged with the MLflow run)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from serving.schemas.monitoring import GroupMetrics, Metrics, MonitoringReport

_METRIC_COLUMNS = ("n", "mae", "rmse", "bias", "spearman", "coverage", "brier")


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _metric_row(label: str, m: Metrics) -> list[object]:
    return [label, *(getattr(m, c) for c in _METRIC_COLUMNS)]


def _groups(title: str, groups: Sequence[GroupMetrics]) -> list[str]:
    if not groups:
        return []
    rows = [
        [
            g.attribute,
            g.group + (" (small)" if g.small else ""),
            *(getattr(g, c) for c in _METRIC_COLUMNS),
        ]
        for g in groups
    ]
    return [f"### {title}", "", *_table(["attribute", "group", *_METRIC_COLUMNS], rows)]


def report_markdown(report: MonitoringReport) -> str:
    """The whole report for people: counts, evaluation, overrides, drift, mentoring, verdict."""
    r, ev = report.reconciliation, report.evaluation
    lines = [
        f"# Monitoring report {report.report_id}",
        "",
        f"Model {report.model.name} version {report.model.version or '-'} "
        f"(run {report.model.run_id}) on export {report.snapshot_id[:12]} "
        f"({report.export_date}), moves effective {r.since} .. {r.until}.",
        "",
        f"**Recommendation: {report.recommendation.action.upper()}**",
        "",
        *[f"- {e.text_en}" for e in report.recommendation.evidence],
        "",
        "## Moves and proposals (counts reconcile: " + ("yes" if r.consistent else "NO") + ")",
        "",
        *_table(
            ["category", "total", "rated", "unrated", "superseded"],
            [
                [name, c.total, c.rated, c.unrated, c.superseded]
                for name, c in (
                    ("recommended & moved", r.recommended_and_moved),
                    ("moved only", r.moved_only),
                )
            ],
        ),
        f"Recommended only (proposals not followed): {r.recommended_only.total} "
        f"(left service {r.recommended_only.left_service}, moved elsewhere "
        f"{r.recommended_only.moved_elsewhere}, post filled by someone else "
        f"{r.recommended_only.filled_by_other}, window still open "
        f"{r.recommended_only.window_open}).",
        f"{r.n_answers} answers, {r.n_items} items, {r.n_decisions} decisions, "
        f"{r.n_proposals} distinct proposals; recommended & moved by basis: "
        + ", ".join(f"{k} {v}" for k, v in r.by_basis.items() if v),
        "",
        "## Realised vs predicted",
        "",
        *_table(
            ["predictions", *_METRIC_COLUMNS],
            [_metric_row(f"as answered, model v{v.model_version}", v) for v in ev.as_answered]
            + [_metric_row(f"model v{report.model.version} on every rated move", ev.model)],
        ),
        f"Nominal interval coverage: {report.interval_level:.0%}. Groups under "
        f"{ev.min_group_size} moves are shown, not compared.",
        "",
        *_table(
            ["decile", "n", "mean predicted", "mean realised"],
            [[d.decile, d.n, d.mean_predicted, d.mean_realised] for d in ev.calibration],
        ),
        *_groups("By protected group", ev.by_group),
        *_groups("By sector", ev.by_sector),
        *_groups("By category", ev.by_category),
        "## Overrides vs followed recommendations",
        "",
        *_table(
            [
                "decisions",
                "n",
                "rated",
                "mean realised",
                "mean predicted",
                "share baik+",
                "mean truth",
            ],
            [
                [
                    name,
                    o.n,
                    o.n_rated,
                    o.mean_realised,
                    o.mean_predicted,
                    o.share_baik_or_better,
                    o.mean_truth,
                ]
                for name, o in (
                    ("followed", report.overrides.followed),
                    ("overridden", report.overrides.overridden),
                )
            ],
        ),
        f"Model's first candidate where overridden: mean predicted "
        f"{_cell(report.overrides.model_pick_mean_predicted)}, mean truth "
        f"{_cell(report.overrides.model_pick_mean_truth)}.",
        "",
        "## Drift",
        "",
    ]
    drift = report.drift
    if not drift.available:
        lines += [f"Not measured: {drift.note}", ""]
    else:
        lines += [
            f"Reference: moves {drift.reference_period.get('from')} .. "
            f"{drift.reference_period.get('to')}; shifted when PSI >= {drift.psi_threshold} and "
            f"chi-square p < {drift.p_value_threshold} (at least {drift.min_rows} rows).",
            "",
            *_table(
                ["column", "kind", "n ref", "n now", "PSI", "p", "shifted"],
                [
                    [
                        c.name,
                        c.kind,
                        c.n_reference,
                        c.n_current,
                        c.psi,
                        c.p_value,
                        "yes" if c.shifted and c.used else ("unused" if c.shifted else ""),
                    ]
                    for c in drift.columns
                ],
            ),
        ]
    m, t = report.mentoring, report.truth
    lines += [
        "## Mentoring list (daftar pendampingan)",
        "",
        f"{m.n_entries} people: " + ", ".join(f"{k} {v}" for k, v in m.by_flag.items()) + ".",
        "",
    ]
    if t.available:
        lines += [
            "## Against the generator's truth",
            "",
            f"Model MAE against the noise-free rating: {_cell(t.mae_vs_truth)} over {t.n_moves} "
            f"moves. Mentoring list precision {_cell(t.mentoring_precision)} ({t.n_listed} "
            f"listed on a realised outcome), recall {_cell(t.mentoring_recall)} of {t.n_at_risk} "
            f"truly at risk; early list precision {_cell(t.early_precision)} ({t.n_early}).",
            "",
        ]
    lines += [f"- {note}" for note in report.notes]
    return "\n".join(lines) + "\n"
