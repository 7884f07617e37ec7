"""Education field -> sector fit taxonomy, read from ``taxonomy.yaml`` beside this module."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import yaml

from features.contract import EDUCATION_FIELDS, SECTORS


class TaxonomyError(ValueError):
    """The taxonomy file does not cover the contract or is malformed."""


@dataclass(frozen=True)
class Taxonomy:
    """Fit of each education field to each sector, in [0, 1].

    ``matrix[i, j]`` is the fit of ``EDUCATION_FIELDS[i]`` to ``SECTORS[j]``.
    """

    version: str
    levels: dict[str, float]
    matrix: np.ndarray
    meanings: dict[str, str]

    def field_sector_fit(self, education_field: str, sector: str) -> float:
        """Fit of one degree field to one sector."""
        return float(self.matrix[EDUCATION_FIELDS.index(education_field), SECTORS.index(sector)])

    def core_fields(self, sector: str) -> tuple[str, ...]:
        """Fields for which ``sector`` is a core sector."""
        j = SECTORS.index(sector)
        core = self.levels["core"]
        return tuple(f for i, f in enumerate(EDUCATION_FIELDS) if self.matrix[i, j] >= core)


def parse_taxonomy(raw: dict[str, object]) -> Taxonomy:
    """Build a :class:`Taxonomy` from the YAML structure, checking coverage of every code."""
    levels = raw.get("levels")
    fields = raw.get("fields")
    if not isinstance(levels, dict) or not isinstance(fields, dict):
        raise TaxonomyError("taxonomy needs 'levels' and 'fields' mappings")
    for name in ("core", "related", "general", "none"):
        if name not in levels:
            raise TaxonomyError(f"taxonomy levels: missing level {name!r}")
    unknown = set(fields) - set(EDUCATION_FIELDS)
    missing = set(EDUCATION_FIELDS) - set(fields)
    if unknown or missing:
        raise TaxonomyError(
            f"taxonomy fields must equal the contract's: missing {sorted(missing)}, "
            f"unknown {sorted(unknown)}"
        )
    matrix = np.zeros((len(EDUCATION_FIELDS), len(SECTORS)))
    meanings: dict[str, str] = {}
    for i, name in enumerate(EDUCATION_FIELDS):
        entry = fields[name]
        if not isinstance(entry, dict):
            raise TaxonomyError(f"taxonomy field {name!r}: expected a mapping")
        elsewhere = entry.get("elsewhere", "none")
        if elsewhere not in ("general", "none"):
            raise TaxonomyError(f"taxonomy field {name!r}: elsewhere must be general or none")
        matrix[i, :] = float(levels[elsewhere])
        for level in ("related", "core"):  # core last: it wins if a sector is listed twice
            for sector in entry.get(level) or []:
                if sector not in SECTORS:
                    raise TaxonomyError(f"taxonomy field {name!r}: unknown sector {sector!r}")
                matrix[i, SECTORS.index(sector)] = float(levels[level])
        meanings[name] = str(entry.get("meaning", ""))
    uncovered = [s for j, s in enumerate(SECTORS) if matrix[:, j].max() < levels["related"]]
    if uncovered:
        raise TaxonomyError(f"taxonomy: sectors no field fits: {uncovered}")
    return Taxonomy(str(raw.get("version", "")), dict(levels), matrix, meanings)


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    """The project's taxonomy (cached; it is read-only)."""
    text = resources.files("features").joinpath("taxonomy.yaml").read_text(encoding="utf-8")
    return parse_taxonomy(yaml.safe_load(text))


_SYMBOL = {"core": "●", "related": "◐", "general": "○", "none": "·"}


def taxonomy_markdown(taxonomy: Taxonomy) -> str:
    """The field x sector matrix as a Markdown table (docs/taxonomy.md embeds it; a test checks)."""
    by_value = {v: _SYMBOL[k] for k, v in taxonomy.levels.items()}
    header = "| field | " + " | ".join(SECTORS) + " |"
    rule = "|---|" + "---|" * len(SECTORS)
    rows = [
        f"| `{f}` | " + " | ".join(by_value[float(v)] for v in taxonomy.matrix[i]) + " |"
        for i, f in enumerate(EDUCATION_FIELDS)
    ]
    return "\n".join([header, rule, *rows]) + "\n"
