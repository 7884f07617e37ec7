"""Gaps between a person and a post's requirements at the export date, and the training that
would close each (``trainings.yaml``, or the file in ``MUTASI_MONITOR_TRAININGS_FILE``).

- competency: a required ``code:level`` of the post against the latest assessment before the
  export date (never assessed: an assessment is the first step);
- education level: below the post's minimum (D4 = S1);
- education field: the post lists fields and the person's is not one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from features.contract import (
    COMPETENCY_CODES,
    EDUCATION_RANK,
    NON_TECHNICAL_COMPETENCIES,
    parse_competency_requirements,
    parse_education_fields,
)
from features.history import EmployeeHistory
from serving.schemas.monitoring import Gap, GapKind


@dataclass(frozen=True)
class Programme:
    """One training programme in both languages (``{placeholders}`` filled per gap)."""

    text_id: str
    text_en: str

    def filled(self, **values: str) -> tuple[str, str]:
        """The texts with the placeholders filled."""
        return self.text_id.format(**values), self.text_en.format(**values)


@dataclass(frozen=True)
class TrainingCatalogue:
    """Competency ladders (by required level) and the education programmes."""

    competency: dict[str, list[tuple[int, Programme]]]
    unassessed: Programme
    education_level: Programme
    education_field: Programme

    def for_competency(self, code: str, required: int) -> Programme:
        """The programme of a competency code at a required level (technical: by sector)."""
        family = code if code in NON_TECHNICAL_COMPETENCIES else "teknis"
        ladder = self.competency.get(family, [])
        for up_to, programme in ladder:
            if required <= up_to:
                return programme
        return ladder[-1][1] if ladder else self.unassessed


def _programme(raw: dict[str, Any], where: str) -> Programme:
    try:
        return Programme(str(raw["id"]), str(raw["en"]))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"training catalogue {where}: needs 'id' and 'en' texts") from exc


@lru_cache(maxsize=4)
def load_trainings(path: Path | None = None) -> TrainingCatalogue:
    """The training catalogue (the packaged one by default); a clear error if malformed."""
    source = path or Path(str(resources.files("monitoring").joinpath("trainings.yaml")))
    raw = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}
    try:
        competency = {
            family: [
                (int(step["up_to_level"]), _programme(step, f"{source}: {family}"))
                for step in steps
            ]
            for family, steps in raw["competency"].items()
        }
        return TrainingCatalogue(
            competency=competency,
            unassessed=_programme(raw["unassessed"], f"{source}: unassessed"),
            education_level=_programme(raw["education_level"], f"{source}: education_level"),
            education_field=_programme(raw["education_field"], f"{source}: education_field"),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(f"training catalogue {source} is malformed: {exc}") from exc


def _gap(
    kind: GapKind,
    code: str,
    required: str,
    held: str | None,
    gap: float | None,
    texts: tuple[str, str],
) -> Gap:
    return Gap(
        kind=kind,
        code=code,
        required=required,
        held=held,
        gap=gap,
        training_id=texts[0],
        training_en=texts[1],
    )


def competency_gaps(
    requirements: dict[str, int], held: dict[str, float], sector: str, trainings: TrainingCatalogue
) -> list[Gap]:
    """Required competencies the person lacks (or was never assessed in)."""
    gaps = []
    for code, level in sorted(requirements.items()):
        have = held.get(code, float("nan"))
        if np.isnan(have):
            texts = trainings.unassessed.filled(code=code, sector=sector)
            gaps.append(_gap("competency_unassessed", code, str(level), None, None, texts))
        elif have < level:
            texts = trainings.for_competency(code, level).filled(code=code, sector=sector)
            gaps.append(
                _gap("competency", code, str(level), f"{have:g}", float(level - have), texts)
            )
    return gaps


def education_gaps(
    level: str | None, field: str | None, post: Mapping[str, Any], trainings: TrainingCatalogue
) -> list[Gap]:
    """Education level under the post's minimum; a field the post does not list."""
    gaps = []
    minimum = post.get("min_education_level")
    if pd.notna(minimum) and level in EDUCATION_RANK:
        short = EDUCATION_RANK[str(minimum)] - EDUCATION_RANK[str(level)]
        if short > 0:
            texts = trainings.education_level.filled(level=str(minimum))
            gaps.append(
                _gap("education_level", "education_level", str(minimum), level, float(short), texts)
            )
    fields = parse_education_fields(post.get("education_fields"))
    if fields and field not in fields:
        texts = trainings.education_field.filled(fields=", ".join(fields))
        gaps.append(
            _gap("education_field", "education_field", ";".join(fields), field, None, texts)
        )
    return gaps


def person_gaps(
    history: EmployeeHistory,
    employees: pd.DataFrame,
    posts: pd.DataFrame,
    nips: list[str],
    position_ids: list[str],
    as_of: pd.Timestamp,
    trainings: TrainingCatalogue,
) -> list[list[Gap]]:
    """Gaps of each (nip, position) at ``as_of`` (assessments up to and including that day)."""
    if not nips:
        return []
    codes = history.nip_codes(pd.Series(nips, dtype="object"))
    day = np.int64(
        (as_of + pd.Timedelta(days=1)).to_datetime64().astype("datetime64[D]").astype(np.int64)
    )
    held = history.competencies_at(codes, day)
    # Plain dicts of the few rows needed: a pandas row lookup per person costs milliseconds.
    needed = posts.loc[sorted(set(position_ids))]
    post_of = {str(k): {str(c): v for c, v in row.items()} for k, row in needed.iterrows()}
    wanted = employees.loc[employees["nip"].isin(set(nips))].set_index("nip")
    person_of = {
        str(nip): {"education_level": level, "education_field": field}
        for nip, level, field in zip(
            wanted.index, wanted["education_level"], wanted["education_field"], strict=True
        )
    }
    out = []
    for i, (nip, position_id) in enumerate(zip(nips, position_ids, strict=True)):
        post, person = post_of[position_id], person_of[nip]
        have = {c: float(held[i, j]) for j, c in enumerate(COMPETENCY_CODES)}
        requirements = parse_competency_requirements(post.get("competency_requirements"))
        sector = str(post.get("sector", ""))
        gaps = competency_gaps(requirements, have, sector, trainings)
        level, field = person.get("education_level"), person.get("education_field")
        gaps += education_gaps(
            None if pd.isna(level) else str(level),
            None if pd.isna(field) else str(field),
            post,
            trainings,
        )
        out.append(gaps)
    return out
