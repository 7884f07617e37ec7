"""Keys across rows and tables: duplicate keys and rows, missing references, and the cascade.

Keys are compared as the exported text. The first row holding a key wins; later rows with
the same key are rejected. A row whose parent row was rejected is rejected in turn (rule
``cascade``), repeated until nothing changes, so no accepted row points at a rejected one.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.contract import FOREIGN_KEYS, PRIMARY_KEYS, Table
from features.validation.report import CASCADE, ERROR, concat_issues, issues_frame

Frames = Mapping[Table, pd.DataFrame]
Rejected = dict[Table, pd.Series]  # per table: bool per row (index = row number)


def text_isin(values: pd.Series, keys: pd.Series) -> pd.Series:
    """Which values are among the keys (missing values never are).

    Arrow's hash lookup: pandas' ``isin`` on ``str`` columns walks the key set in Python,
    which is far too slow for a million performance rows against 100,000 NIPs.
    """
    found = pc.is_in(pa.array(values), value_set=pa.array(keys.dropna().unique()))
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


def duplicate_keys(raw: Frames) -> pd.DataFrame:
    """Rows repeating the primary key of an earlier row (rows lacking a key part are skipped)."""
    parts = []
    for table, key in PRIMARY_KEYS.items():
        if table not in raw:
            continue
        keys = raw[table][list(key)].dropna()
        repeated = keys.duplicated(keep="first")
        first_row = keys.index.to_series().groupby([keys[k] for k in key]).transform("first")
        rows = keys.index[repeated.to_numpy()]
        shown = reduce(lambda a, b: a + ", " + b, (keys.loc[rows, k] for k in key))
        parts.append(
            issues_frame(
                table=table.value,
                rows=rows.to_numpy(),
                column=",".join(key),
                rule="duplicate_key",
                value=shown.to_numpy(),
                message=("duplicates row " + first_row[rows].astype("str")).to_numpy(),
                severity=ERROR,
            )
        )
    return concat_issues(parts)


def duplicate_rows(raw: Frames) -> pd.DataFrame:
    """Rows of a table without a primary key that repeat an earlier row in every column.

    A repeated preference or assessment would count twice in the features; the first wins.
    """
    parts = []
    for table, frame in raw.items():
        if table in PRIMARY_KEYS:
            continue
        repeated = frame.duplicated(keep="first").to_numpy()
        if not repeated.any():
            continue
        groups = [frame[c] for c in frame.columns]
        first_row = frame.index.to_series().groupby(groups, dropna=False).transform("first")
        rows = frame.index[repeated]
        parts.append(
            issues_frame(
                table=table.value,
                rows=rows.to_numpy(),
                column=None,
                rule="duplicate_row",
                message=("repeats row " + first_row[rows].astype("str") + " exactly").to_numpy(),
                severity=ERROR,
            )
        )
    return concat_issues(parts)


def missing_references(raw: Frames) -> pd.DataFrame:
    """Rows whose foreign key matches no row of the referenced table."""
    parts = []
    for (child, column), (parent, parent_column) in FOREIGN_KEYS.items():
        if child not in raw or parent not in raw:
            continue
        values = raw[child][column]
        missing = values.notna() & ~text_isin(values, raw[parent][parent_column])
        parts.append(
            issues_frame(
                table=child.value,
                rows=values.index[missing.to_numpy()].to_numpy(),
                column=column,
                rule="foreign_key",
                value=values[missing].to_numpy(),
                message=f"not found in {parent.value}.{parent_column}",
                severity=ERROR,
            )
        )
    return concat_issues(parts)


def cascade(raw: Frames, rejected: Rejected) -> tuple[pd.DataFrame, Rejected]:
    """Reject rows referencing rejected rows, to a fixed point; the issues name the parent."""
    rejected = {t: mask.copy() for t, mask in rejected.items()}
    parts: list[pd.DataFrame] = []
    while True:
        # All references are judged against the state at the start of a round, so the order
        # of FOREIGN_KEYS does not matter.
        found = [_orphans(raw, rejected, fk, ref) for fk, ref in FOREIGN_KEYS.items()]
        found = [f for f in found if len(f)]
        if not found:
            return concat_issues(parts), rejected
        for issues in found:
            rejected[Table(str(issues["table"].iat[0]))].loc[issues["row"].to_numpy("int64")] = True
        parts.extend(found)


def _orphans(
    raw: Frames, rejected: Rejected, fk: tuple[Table, str], ref: tuple[Table, str]
) -> pd.DataFrame:
    """Accepted rows of the child table whose parent key belongs only to rejected rows."""
    (child, column), (parent, parent_column) = fk, ref
    if child not in raw or parent not in raw:
        return issues_frame()
    parents = raw[parent][parent_column]
    values = raw[child][column]
    accepted_keys = parents[~rejected[parent]]
    orphan = ~rejected[child] & values.notna() & ~text_isin(values, accepted_keys)
    if not orphan.any():
        return issues_frame()
    # The first rejected row holding each key is the one named as the cause.
    rejected_parents = parents[rejected[parent]].dropna()
    parent_row = pd.Series(rejected_parents.index, index=rejected_parents.to_numpy())
    parent_row = parent_row[~parent_row.index.duplicated()]
    keys = values[orphan]
    return issues_frame(
        table=child.value,
        rows=keys.index.to_numpy(),
        column=column,
        rule=CASCADE,
        value=keys.to_numpy(),
        message=(
            f"references rejected {parent.value} row "
            + keys.map(parent_row).astype("Int64").astype("str")
            + f" ({parent_column}="
            + keys
            + ")"
        ).to_numpy(),
        severity=ERROR,
    )
