"""Domain errors of the serving logic; ``serving.api.app`` maps each to an HTTP status.

The logic modules (ranking, explain, state, audit) raise these instead of HTTP exceptions so
that they stay usable without FastAPI (benchmarks, notebooks, the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass


class ServingError(Exception):
    """Base class of every error the service answers with a clear message."""


@dataclass(frozen=True)
class FieldProblem:
    """One invalid request field: where it is (e.g. ``("body", "as_of")``) and why."""

    loc: tuple[str | int, ...]
    message: str
    value: object = None


class RequestFieldError(ServingError):
    """The request is well-formed JSON but a field breaks a rule only the service knows.

    Examples: ``as_of`` too far in the future, a candidate pool over the configured maximum,
    an inline position naming a unit that is not in the snapshot. Answered with 422 in the same
    field-level shape as FastAPI's own validation errors.
    """

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, p.loc))}: {p.message}" for p in problems))
        self.problems = problems


class NotFoundError(ServingError):
    """A position, employee or stored answer that does not exist (404)."""


class NotReadyError(ServingError):
    """No model/snapshot has been loaded yet, or the last start-up load failed (503)."""


class ReloadError(ServingError):
    """A reload could not build the new state; the old one keeps serving (409)."""


class ReloadBusyError(ReloadError):
    """Another reload is running; reloads are serialised (409)."""


class AuditError(ServingError):
    """The audit store cannot be used (503)."""


class AuditWriteError(AuditError):
    """The audit record could not be committed, so the answer must not be given (503)."""
