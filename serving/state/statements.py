"""The usulan statements a served state applies, as answers cite them (no database here).

A statement is one version of an employee's usulan (serving.domain.participation.usulan): the
units wished for with their priority, or an opt-out from being moved, or a withdrawal. It counts
for every decision date on or after ``effective_on`` (the service's "today" when it arrived).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class StatementRef:
    """One applied statement: enough to cite it and to act on its opt-out."""

    statement_id: str
    nip: str
    version: int
    kind: str  # usulan | withdrawal
    effective_on: date
    units: tuple[tuple[str, int], ...]  # (unit_id, priority), first choice first
    opt_out_reason: str | None


class Statements:
    """Applied statements by NIP, each NIP's versions in order."""

    def __init__(self, refs: Iterable[StatementRef] = (), token: object = None) -> None:
        self.token = token
        self.by_nip: dict[str, list[StatementRef]] = {}
        for ref in sorted(refs, key=lambda r: (r.nip, r.version)):
            self.by_nip.setdefault(ref.nip, []).append(ref)

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_nip.values())

    def active(self, nip: str, as_of: date) -> StatementRef | None:
        """The latest version of ``nip``'s statement in effect on ``as_of`` (None: none)."""
        found = None
        for ref in self.by_nip.get(nip, ()):
            if ref.effective_on <= as_of:
                found = ref
        return found

    def opt_outs(self, as_of: date) -> dict[str, StatementRef]:
        """NIPs whose statement in effect on ``as_of`` opts out of being moved."""
        out: dict[str, StatementRef] = {}
        for nip in self.by_nip:
            ref = self.active(nip, as_of)
            if ref is not None and ref.opt_out_reason is not None:
                out[nip] = ref
        return out


NO_STATEMENTS = Statements()
