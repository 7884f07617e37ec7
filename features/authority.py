"""Who decides a move: its scope from the two employing pemda, then the rule set's authority.

A move's scope depends on the ``instansi_code`` (BPS code of the employing pemda, see the data
contract) of the employee's current unit and of the target unit (PP 11/2017 Pasal 191-193):

- the same pemda: ``same_instansi`` (its PPK decides);
- two pemda of one province, i.e. codes sharing their first two digits (two kab/kota, or the
  province and one of its kab/kota): ``within_province`` (the governor decides);
- pemda of two provinces: ``across_provinces`` (the Minister of Home Affairs decides).

A dataset without instansi codes is one pemda, so a move with both codes missing is within it;
with one code missing the scope is ``unknown``: nobody can say who decides, and the answer says
so rather than guessing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.rule_set import RuleSet

UNKNOWN = "unknown"
AUTHORITY_COLUMNS: tuple[str, ...] = (
    "move_scope",
    "authority_id",
    "decided_by_id",
    "decided_by_en",
    "authority_source",
)


def _codes(values: object) -> np.ndarray:
    series = pd.Series(np.asarray(values, dtype=object)).astype("str")
    return series.where(series.str.fullmatch(r"[0-9]{2}|[0-9]{4}"), "").to_numpy(dtype=object)


def move_scope(source_instansi: object, target_instansi: object) -> np.ndarray:
    """Scope of each move (one per pair of codes; missing codes as None/NaN/"")."""
    source, target = _codes(source_instansi), _codes(target_instansi)
    if len(source) != len(target):
        raise ValueError(f"move_scope: {len(source)} source codes but {len(target)} targets")
    known_source, known_target = source != "", target != ""
    same_province = np.array(
        [s[:2] == t[:2] for s, t in zip(source, target, strict=True)], dtype=bool
    )
    return np.select(
        [
            ~known_source & ~known_target,
            ~known_source | ~known_target,
            source == target,
            same_province,
        ],
        ["same_instansi", UNKNOWN, "same_instansi", "within_province"],
        default="across_provinces",
    ).astype(object)


def decision_authority(
    rule_set: RuleSet, source_instansi: object, target_instansi: object
) -> pd.DataFrame:
    """Per move: scope, authority id, who decides (id/en) and the legal source.

    An ``unknown`` scope (one code missing), or a rule set without authorities, leaves the
    authority columns empty, never a guess.
    """
    scope = move_scope(source_instansi, target_instansi)
    rows: dict[str, tuple[str | None, ...]] = {
        a.scope: (a.id, a.decided_by_id, a.decided_by_en, a.source) for a in rule_set.authorities
    }
    blank = (None, None, None, None)
    values = [rows.get(str(s), blank) for s in scope]
    frame = pd.DataFrame(values, columns=list(AUTHORITY_COLUMNS[1:]), dtype=object)
    frame.insert(0, "move_scope", scope)
    return frame
