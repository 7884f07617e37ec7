"""The feature catalogue (``catalogue.yaml``): every model feature, its meaning and constraints.

The catalogue is the shared interface between feature building, training and serving: its order
is the model's column order, its ``monotone`` field becomes LightGBM monotone constraints, its
``requires`` / ``fallback`` fields say which features degrade when an optional table is absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from features.contract import OPTIONAL_TABLES, Table

GROUPS: tuple[str, ...] = (
    "education", "grade", "competency", "experience", "performance", "mobility", "staffing",
    "retirement",
)  # fmt: skip


class CatalogueError(ValueError):
    """The catalogue file is malformed."""


@dataclass(frozen=True)
class FeatureSpec:
    """One model feature as the catalogue describes it."""

    name: str
    group: str
    unit: str
    meaning_en: str
    meaning_id: str
    monotone: int
    requires: tuple[str, ...] = ()
    fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeatureCatalogue:
    """All features in model column order."""

    version: str
    features: tuple[FeatureSpec, ...]

    @property
    def names(self) -> list[str]:
        """Feature names in model column order."""
        return [f.name for f in self.features]

    def by_name(self, name: str) -> FeatureSpec:
        """The spec of one feature; ``KeyError`` naming it if unknown."""
        for spec in self.features:
            if spec.name == name:
                return spec
        raise KeyError(f"feature {name!r} is not in the catalogue (version {self.version})")

    def monotone_constraints(self) -> list[int]:
        """Monotone constraint per column, in column order (LightGBM ``monotone_constraints``)."""
        return [f.monotone for f in self.features]

    def needing(self, tables: Iterable[Table | str]) -> list[str]:
        """Features that become NaN without any of ``tables``."""
        wanted = {Table(t).value for t in tables}
        return [f.name for f in self.features if wanted.intersection(f.requires)]

    def falling_back(self, tables: Iterable[Table | str]) -> list[str]:
        """Features that fall back to snapshot values without any of ``tables``."""
        wanted = {Table(t).value for t in tables}
        return [f.name for f in self.features if wanted.intersection(f.fallback)]

    def to_frame(self) -> pd.DataFrame:
        """One row per feature, columns as in the YAML (lists joined with ``;``)."""
        rows = [
            {
                **{fd.name: getattr(f, fd.name) for fd in fields(FeatureSpec)},
                "requires": ";".join(f.requires),
                "fallback": ";".join(f.fallback),
            }
            for f in self.features
        ]
        return pd.DataFrame(rows, columns=[fd.name for fd in fields(FeatureSpec)])


def _spec(raw: Any, position: int) -> FeatureSpec:
    """Parse and check one catalogue entry."""
    if not isinstance(raw, dict):
        raise CatalogueError(f"catalogue feature #{position}: expected a mapping")
    name = raw.get("name")
    where = f"catalogue feature #{position} ({name!r})"
    missing = [k for k in ("name", "group", "unit", "meaning_en", "meaning_id") if not raw.get(k)]
    if missing:
        raise CatalogueError(f"{where}: missing {missing}")
    if raw["group"] not in GROUPS:
        raise CatalogueError(f"{where}: unknown group {raw['group']!r}, expected one of {GROUPS}")
    monotone = raw.get("monotone", 0)
    if monotone not in (-1, 0, 1):
        raise CatalogueError(f"{where}: monotone must be -1, 0 or 1, got {monotone!r}")
    optional = {t.value for t in OPTIONAL_TABLES}
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("requires", "fallback"):
        value = raw.get(key) or []
        if not isinstance(value, list) or not set(value) <= optional:
            raise CatalogueError(f"{where}: {key} must list optional tables, got {value!r}")
        lists[key] = tuple(value)
    return FeatureSpec(
        name=str(name),
        group=str(raw["group"]),
        unit=str(raw["unit"]),
        meaning_en=str(raw["meaning_en"]),
        meaning_id=str(raw["meaning_id"]),
        monotone=int(monotone),
        requires=lists["requires"],
        fallback=lists["fallback"],
    )


def parse_catalogue(raw: Any) -> FeatureCatalogue:
    """Build a :class:`FeatureCatalogue` from the YAML structure, checking every entry."""
    if not isinstance(raw, dict) or not isinstance(raw.get("features"), list):
        raise CatalogueError("catalogue needs a 'features' list")
    specs = tuple(_spec(item, i + 1) for i, item in enumerate(raw["features"]))
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CatalogueError(f"catalogue: duplicate feature names {duplicates}")
    return FeatureCatalogue(version=str(raw.get("version", "")), features=specs)


@lru_cache(maxsize=4)
def load_catalogue(path: Path | None = None) -> FeatureCatalogue:
    """The catalogue (the packaged ``catalogue.yaml`` unless ``path`` is given); cached."""
    if path is None:
        text = resources.files("features").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_catalogue(yaml.safe_load(text))
