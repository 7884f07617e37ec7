"""The CSV files of ``mutasi plan`` read into the API's plan request, errors naming file and row.

- vacancies: ``position_id`` and an optional ``count`` (empty = the position's shortage);
- opt-out: a ``nip`` column, people never moved;
- pins: ``nip``, ``position_id``, ``pin`` (``in``: the move must happen, ``out``: it must not).

Rows go through the same pydantic models as ``POST /v1/plans``, so a file is checked exactly as
a request body would be. Row numbers in messages are file lines (the header is line 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from pydantic import BaseModel, TypeAdapter, ValidationError

from serving.schemas.common import Nip
from serving.schemas.plans import PlanPin, PlanPolicyRequest, PlanRequest, PlanVacancy

PIN_KINDS: tuple[str, ...] = ("in", "out")
_NIP = TypeAdapter(Nip)
M = TypeVar("M", bound=BaseModel)


class PlanFileError(ValueError):
    """A plan input file cannot be used; the message names the file, line and field."""


def read_rows(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> list[dict]:
    """The rows of a CSV file as stripped text, ``None`` for empty cells."""
    try:
        frame = pd.read_csv(path, dtype="str", keep_default_na=False)
    except FileNotFoundError:
        raise PlanFileError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:  # pandas' parser errors are ValueErrors
        raise PlanFileError(f"{path}: not a readable CSV file ({str(exc).strip()})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise PlanFileError(f"{path}: missing column(s) {missing}; has {list(frame.columns)}")
    kept = [c for c in (*required, *optional) if c in frame.columns]
    return [
        {c: (str(v).strip() or None) for c, v in zip(kept, values, strict=True)}
        for values in frame[kept].itertuples(index=False, name=None)
    ]


def _line(i: int) -> int:
    return i + 2  # the header is line 1


def _validated(model: type[M], row: dict[str, Any], path: Path, i: int) -> M:
    try:
        # A CSV cell is text: "2" is read as 2 here, while the API takes JSON numbers only.
        return model.model_validate(row, strict=False)
    except ValidationError as exc:
        raise PlanFileError(f"{path}, line {_line(i)}: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def read_vacancies(path: Path) -> list[PlanVacancy]:
    """The vacancies file: ``position_id`` and an optional ``count``."""
    rows = read_rows(path, ("position_id",), ("count",))
    if not rows:
        raise PlanFileError(f"{path}: no vacancies (the file has a header only)")
    return [_validated(PlanVacancy, row, path, i) for i, row in enumerate(rows)]


def read_opt_out(path: Path) -> list[str]:
    """The opt-out file: one ``nip`` per line."""
    nips = []
    for i, row in enumerate(read_rows(path, ("nip",))):
        try:
            nips.append(_NIP.validate_python(row["nip"]))
        except ValidationError as exc:
            raise PlanFileError(f"{path}, line {_line(i)}: nip: {_describe(exc)}") from None
    return nips


def read_pins(path: Path) -> tuple[list[PlanPin], list[PlanPin]]:
    """The pins file: (pins in, pins out)."""
    pins: dict[str, list[PlanPin]] = {kind: [] for kind in PIN_KINDS}
    for i, row in enumerate(read_rows(path, ("nip", "position_id", "pin"))):
        kind = (row.pop("pin") or "").lower()
        if kind not in pins:
            raise PlanFileError(
                f"{path}, line {_line(i)}: pin: must be one of {list(PIN_KINDS)}, got {kind!r}"
            )
        pins[kind].append(_validated(PlanPin, row, path, i))
    return pins["in"], pins["out"]


def plan_request(
    vacancies: Path,
    *,
    as_of: date | None,
    policy: dict[str, Any],
    opt_out: Path | None = None,
    pins: Path | None = None,
) -> PlanRequest:
    """The request the files and the policy options describe."""
    pins_in, pins_out = read_pins(pins) if pins is not None else ([], [])
    opted = read_opt_out(opt_out) if opt_out is not None else []
    try:
        checked = PlanPolicyRequest(**policy, opt_out=opted, pins_in=pins_in, pins_out=pins_out)
    except ValidationError as exc:
        raise PlanFileError(f"policy: {_describe(exc)}") from None
    try:
        return PlanRequest(vacancies=read_vacancies(vacancies), as_of=as_of, policy=checked)
    except ValidationError as exc:  # e.g. a position listed twice
        raise PlanFileError(f"{vacancies}: {_describe(exc)}") from None
