"""``mutasi features DIR --position ID``: candidates' fit features and eligibility, explained.

For a target position at a date, prints each candidate's features next to the catalogue's
meaning of every feature, then the eligibility rule results with their messages. Candidates are
the given ``--nip`` values, or else the ``--top`` employees by field fit (people already in the
position left out). Exit 2 with one clear line on unusable input.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from features.catalogue import FeatureCatalogue
from features.codes import FeatureInputError
from features.contract import Dataset
from features.data import UnusableInputError, load_dataset
from features.eligibility import PositionTarget, evaluate_eligibility, rule_set_from_settings
from features.fit import EmployeeSnapshot, FitFeatureBuilder
from mutasi.settings import get_settings

# Field fit first; sector fit and sector experience break ties.
RANK_BY = ("field_position_fit", "field_sector_fit", "years_in_target_sector")


def _fail(message: str) -> NoReturn:
    """One clear line on stderr, no traceback, exit 2."""
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(2)


def select_candidates(
    snapshot: EmployeeSnapshot, position_id: str, nips: list[str] | None, top: int
) -> pd.DataFrame:
    """Features of the given NIPs (in that order), or of the ``top`` by field fit."""
    if nips:
        return snapshot.pair_features(position_id, nips)
    everyone = snapshot.pair_features(position_id)
    holders = snapshot.state["position_id"].to_numpy() == position_id
    ranked = everyone.loc[~holders].sort_values(list(RANK_BY), ascending=False, kind="stable")
    best: pd.DataFrame = ranked.head(top)
    return best


def _value(value: float, unit: str) -> str:
    if math.isnan(value):
        return "[dim]n/a[/]"
    if unit == "bool":
        return "yes" if value else "no"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def features_table(features: pd.DataFrame, catalogue: FeatureCatalogue, lang: str) -> RichTable:
    """Rows = catalogue features with their meaning underneath, columns = candidates #1..#n."""
    table = RichTable(title="Fit features (n/a = missing)")
    table.add_column("feature / meaning", overflow="fold", ratio=1)
    table.add_column("unit", style="dim", max_width=12, overflow="fold")
    for k in range(len(features)):
        table.add_column(f"#{k + 1}", justify="right", no_wrap=True, min_width=5)
    group = ""
    for spec in catalogue.features:
        if spec.group != group:
            group = spec.group
            table.add_section()
            table.add_row(f"[bold]{group}[/]")
        meaning = spec.meaning_id if lang == "id" else spec.meaning_en
        values = [_value(v, spec.unit) for v in features[spec.name].to_numpy()]
        table.add_row(f"{spec.name}\n[dim]{escape(meaning)}[/]", spec.unit, *values)
    return table


def candidates_table(snapshot: EmployeeSnapshot, nips: list[str]) -> RichTable:
    """Who #1..#n are: NIP and where they work at the date."""
    state = snapshot.state.set_index("nip").loc[nips]
    table = RichTable(title=f"Candidates on {snapshot.as_of.date()}")
    for name in ("#", "nip", "position now", "unit now", "years in position"):
        table.add_column(name, no_wrap=name != "unit now")
    for k, (nip, row) in enumerate(state.iterrows(), start=1):
        table.add_row(
            f"#{k}", str(nip), str(row["position_id"]), f"{row['unit_id']} ({row['sector']})",
            f"{row['years_in_position']:.1f}",
        )  # fmt: skip
    return table


def _load(data_dir: Path) -> Dataset:
    try:
        return load_dataset(data_dir, max_cell_length=get_settings().max_cell_length)
    except UnusableInputError as exc:
        _fail(str(exc))


def _target(dataset: Dataset, position_id: str) -> PositionTarget:
    """The eligibility target of a position id; unknown or inactive posts are errors."""
    rows = dataset.positions.loc[dataset.positions["position_id"] == position_id]
    if rows.empty:
        _fail(f"positions.position_id: unknown id {position_id!r}")
    try:
        return PositionTarget.from_position(rows.iloc[0], dataset.units)
    except ValueError as exc:
        _fail(str(exc))


def _print_eligibility(
    console: Console,
    dataset: Dataset,
    snapshot: EmployeeSnapshot,
    target: PositionTarget,
    nips: list[str],
) -> None:
    """Rule results per candidate, with the messages of failed rules and raised flags."""
    rule_set = rule_set_from_settings(get_settings())
    state = snapshot.state.set_index("nip", drop=False).loc[nips].reset_index(drop=True)
    result = evaluate_eligibility(state, target, snapshot.as_of, rule_set, dataset.freeze_periods)
    table = RichTable(title=f"Eligibility (rule set {escape(rule_set.version)})")
    table.add_column("#", no_wrap=True)
    table.add_column("eligible")
    table.add_column("failed rules and flags", overflow="fold")
    messages = pd.concat([result.failures, result.flags], ignore_index=True)
    for k, (nip, ok) in enumerate(zip(result.nip, result.eligible, strict=True), start=1):
        mine = messages.loc[messages["nip"] == nip]
        lines = [f"{r.rule_id}: {r.message_en} ({r.source})" for r in mine.itertuples()]
        verdict = "[green]yes[/]" if ok else "[red]no[/]"
        table.add_row(f"#{k}", verdict, escape("\n".join(lines)) or "[dim]all rules pass[/]")
    console.print(table)


def features_command(
    data_dir: Annotated[
        Path, typer.Argument(help="Contract directory: one <table>.csv or .parquet per table.")
    ],
    position: Annotated[str, typer.Option("--position", help="Target position_id.")],
    as_of: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Date of the decision; only records before it are used. "
            "[default: the day after the export date]",
            show_default=False,
        ),
    ] = None,
    nip: Annotated[
        list[str] | None,
        typer.Option("--nip", help="Candidate NIP (repeatable). [default: top N by field fit]"),
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=50, help="How many candidates by default.")] = 5,
    lang: Annotated[str, typer.Option(help="Meanings in 'en' or 'id'.")] = "en",
) -> None:
    """Print candidates' fit features with their meanings, and the eligibility rule results."""
    if lang not in ("en", "id"):
        _fail(f"--lang must be 'en' or 'id', got {lang!r}")
    console = Console()
    dataset = _load(data_dir)
    target = _target(dataset, position)
    try:
        builder = FitFeatureBuilder().fit(dataset)
        export = dataset.export_date or pd.Timestamp.today().normalize()
        day = pd.Timestamp(as_of) if as_of is not None else export + pd.Timedelta(days=1)
        snapshot = builder.snapshot(day)
        features = select_candidates(snapshot, position, nip, top)
    except FeatureInputError as exc:
        _fail(str(exc))
    row = dataset.positions.loc[dataset.positions["position_id"] == position].iloc[0]
    unit = dataset.units.loc[dataset.units["unit_id"] == row["unit_id"]].iloc[0]
    console.print(
        f"[bold]{escape(str(row['title']))}[/] ({escape(position)}, {row['jabatan_type']}) in "
        f"{escape(str(unit['name']))} ({unit['sector']}, region {unit['region_code']}), "
        f"as of {snapshot.as_of.date()}; snapshot {escape(dataset.snapshot_id or '-')}",
        highlight=False,
    )
    if features.empty:
        _fail(f"no candidates in service on {snapshot.as_of.date()}")
    nips = [str(n) for n in features.index]
    console.print(candidates_table(snapshot, nips))
    console.print(features_table(features, builder.catalogue_, lang))
    for note in builder.degradation_.notes:
        console.print(f"[yellow]degraded:[/] {escape(note)}")
    _print_eligibility(console, dataset, snapshot, target, nips)
