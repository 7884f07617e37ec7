"""``mutasi plan``: a transfer plan for a list of vacancies, from a contract directory and a
registered model: a summary on screen, CSV files, an Excel workbook and the JSON answer.

The command builds the same state the API serves (model bundle, HR snapshot, rule set) and calls
the same :func:`serving.domain.plan.answer.make_plan` as ``POST /v1/plans``, so a plan made
at the command line and one made through the API are the same plan.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from mutasi.settings import get_settings
from planning.errors import PlanError
from planning.request_files import PlanFileError, plan_request
from serving.errors import RequestFieldError, ServingError
from serving.schemas.plans import DEFAULT_POLICY, PlanResponse

console = Console()
SHOWN_MOVES = 40
WORKBOOK = "plan.xlsx"
ANSWER = "plan.json"


def plan_command(
    data_dir: Annotated[Path, typer.Argument(help="Contract directory (e.g. var/data/gorontalo).")],
    vacancies: Annotated[
        Path,
        typer.Option(
            help="CSV of vacancies: position_id, optional count (empty = the position's shortage)."
        ),
    ],
    as_of: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Decision date (default: the snapshot's export date).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output directory (default: <var_dir>/plans/<timestamp>).", show_default=False
        ),
    ] = None,
    shortage_weight: Annotated[
        float, typer.Option(min=0, help="Value of reducing the unit shortage by one person.")
    ] = DEFAULT_POLICY.shortage_weight,
    min_unit_share: Annotated[
        float,
        typer.Option(
            min=0, max=1, help="A unit keeps ceil(share x ABK need) staff after moves out."
        ),
    ] = DEFAULT_POLICY.min_unit_share,
    max_moves_out: Annotated[
        int | None,
        typer.Option(
            min=0, help="At most this many people leave any one unit.", show_default=False
        ),
    ] = DEFAULT_POLICY.max_moves_out,
    preference_weight: Annotated[
        float, typer.Option(min=0, help="Bonus for a move the employee asked for (first choice).")
    ] = DEFAULT_POLICY.preference_weight,
    fair_floor: Annotated[
        bool,
        typer.Option(
            "--fair-floor/--no-fair-floor",
            help="Give each gender, age band and region of origin at least its share of the "
            "moves (FA*IR's floor; docs/fairness.md).",
        ),
    ] = False,
    fair_target: Annotated[
        float, typer.Option(min=0.01, max=1, help="Floor as a share of a group's candidate share.")
    ] = 1.0,
    fair_alpha: Annotated[
        float, typer.Option(min=0.001, max=0.999, help="Binomial tolerance of the floor.")
    ] = 0.1,
    opt_out: Annotated[
        Path | None,
        typer.Option(help="CSV with a nip column: people never moved.", show_default=False),
    ] = None,
    pins: Annotated[
        Path | None,
        typer.Option(
            help="CSV nip,position_id,pin: pin 'in' = the move must happen, 'out' = must not.",
            show_default=False,
        ),
    ] = None,
    model_uri: Annotated[
        str, typer.Option(help="Model alias or URI, e.g. champion or models:/mutasi-fit@champion.")
    ] = "champion",
) -> None:
    """Plan transfers into the listed vacancies: optimal under the staffing rules, explained."""
    from planning.export import write_csv, write_workbook
    from serving.api.routes.answering import new_request_id
    from serving.domain.plan.answer import make_plan
    from serving.state import build_state
    from training.bundle import load_bundle

    settings = get_settings()
    policy = {
        "shortage_weight": shortage_weight,
        "min_unit_share": min_unit_share,
        "max_moves_out": max_moves_out,
        "preference_weight": preference_weight,
        **({"fairness": {"target": fair_target, "alpha": fair_alpha}} if fair_floor else {}),
    }
    try:
        request = plan_request(
            vacancies,
            as_of=as_of.date() if as_of else None,
            policy=policy,
            opt_out=opt_out,
            pins=pins,
        )
        with console.status("Loading the model and the HR snapshot"):
            state = build_state(settings, load_bundle(model_uri, settings), None, data_dir)
        export = state.dataset.export_date
        if request.as_of is None and export is not None:
            request = request.model_copy(update={"as_of": export.date()})
        with console.status("Planning"):
            outcome = make_plan(
                state,
                request,
                request_id=new_request_id(),
                today=date.today(),
                settings=settings,
            )
    except PlanFileError as exc:
        _fail(str(exc))
    except PlanError as exc:
        named = exc.message.startswith(f"{exc.constraint}:")
        _fail(f"no plan: {exc.message}" if named else f"no plan ({exc.constraint}): {exc.message}")
    except RequestFieldError as exc:
        _fail("; ".join(f"{_field(p.loc, vacancies)}: {p.message}" for p in exc.problems))
    except (ServingError, ValueError, KeyError, OSError, RuntimeError) as exc:
        _fail(str(exc))
    print_plan(outcome.response)
    out_dir = out or settings.var_dir / "plans" / datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        written = write_csv(outcome.result, out_dir)
        write_workbook(outcome.result, out_dir / WORKBOOK)
        (out_dir / ANSWER).write_text(outcome.response.model_dump_json(indent=2), encoding="utf-8")
    except OSError as exc:
        _fail(f"{out_dir}: cannot write the plan ({exc.strerror or exc})")
    names = ", ".join(p.name for p in written)
    console.print(
        f"Written to {escape(str(out_dir))}: {names}, {WORKBOOK}, {ANSWER}", highlight=False
    )


def _fail(message: str) -> NoReturn:
    """One clear line on stderr, no traceback, exit 1."""
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(1)


def _field(loc: tuple[str | int, ...], vacancies: Path) -> str:
    """Where a request field came from: a line of the vacancies file, or an option."""
    parts = [part for part in loc if part != "body"]
    if parts[:1] == ["vacancies"] and len(parts) == 3 and isinstance(parts[1], int):
        return f"{vacancies}, line {parts[1] + 2}, {parts[2]}"  # the header is line 1
    return ".".join(map(str, parts))


def print_plan(plan: PlanResponse) -> None:
    """Headline numbers, the moves, the units whose shortage changes, the binding rules."""
    parts = plan.objective
    summary = RichTable(title="Transfer plan", show_header=False)
    model = plan.model
    summary.add_row("model", f"{model.name} v{model.version}, rule set {model.rule_set_version}")
    summary.add_row("snapshot", f"{model.snapshot_id}, as of {plan.as_of.isoformat()}")
    summary.add_row("status", f"{plan.status} ({plan.method}), gap {plan.mip_gap:.2g}")
    summary.add_row(
        "objective",
        f"{parts.total:.3f} = performance {parts.performance:.3f} + preference "
        f"{parts.preference_bonus:.3f} + shortage term {parts.shortage_term:.3f}",
    )
    summary.add_row(
        "shortage", f"{parts.shortage_before} -> {parts.shortage_after} staff (all units)"
    )
    seats = sum(v.open_headcount for v in plan.vacancies)
    moves = sum(v.filled for v in plan.vacancies)
    summary.add_row("moves", f"{moves} of {seats} seats filled, solved in {plan.solve_seconds} s")
    console.print(summary)
    console.print(_moves_table(plan))
    console.print(_units_table(plan))
    for rule in plan.binding:
        console.print(f"[bold]{rule.family}[/]: {escape(rule.detail)}", highlight=False)


def _moves_table(plan: PlanResponse) -> RichTable:
    table = RichTable(title="Moves")
    for column in ("position", "unit", "nip", "name", "from unit", "rating", "preference"):
        table.add_column(column, justify="right" if column in ("rating", "preference") else "left")
    shown = 0
    total = sum(len(v.assignments) for v in plan.vacancies)
    for vacancy in plan.vacancies:
        for move in vacancy.assignments[: max(SHOWN_MOVES - shown, 0)]:
            priority = move.preference_priority
            table.add_row(
                escape(vacancy.position.position_id or ""),
                escape(vacancy.position.unit_id),
                move.nip,
                escape(move.name or ""),
                escape(move.from_unit_id),
                f"{move.prediction.rating:.2f}",
                "" if priority is None else f"choice {priority}",
            )
            shown += 1
    if total > shown:
        table.caption = f"{shown} of {total} moves shown; all in plan_assignments.csv"
    return table


def _units_table(plan: PlanResponse) -> RichTable:
    table = RichTable(title="Units whose shortage changes")
    for column in ("unit", "name", "ABK need", "bezetting", "shortage"):
        table.add_column(column)
    for unit in plan.units:
        if unit.shortage_before != unit.shortage_after:
            table.add_row(
                escape(unit.unit_id),
                escape(unit.unit_name or ""),
                str(unit.abk_need),
                f"{unit.bezetting_before} -> {unit.bezetting_after}",
                f"{unit.shortage_before} -> {unit.shortage_after}",
            )
    return table
