"""Plan test helpers: random instances, and an independent rule checker and brute force.

The checker and the brute force work from the input frames with plain Python, sharing no code
with planning/, so that they can catch the optimiser's own mistakes.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planning.problem import PlanPolicy, PlanProblem


@dataclass
class Frames:
    """The four plan input frames."""

    vacancies: pd.DataFrame
    candidates: pd.DataFrame
    pairs: pd.DataFrame
    units: pd.DataFrame

    def problem(self, policy: PlanPolicy | None = None) -> PlanProblem:
        """The encoded problem under ``policy``."""
        return PlanProblem.from_frames(
            self.vacancies, self.candidates, self.pairs, self.units, policy
        )


def frames(
    units: list[tuple[str, int, int]],
    vacancies: list[tuple[str, str, int]],
    candidates: list[tuple[str, str]],
    pairs: list[tuple[str, str, float] | tuple[str, str, float, int]],
) -> Frames:
    """Hand-made frames: units (id, abk_need, bezetting), vacancies (position, unit, seats),
    candidates (nip, unit; the current post is ``"cur-<nip>"``), pairs (nip, position, score[,
    priority])."""
    return Frames(
        vacancies=pd.DataFrame(vacancies, columns=["position_id", "unit_id", "open_headcount"]),
        candidates=pd.DataFrame(
            [(n, f"cur-{n}", u) for n, u in candidates], columns=["nip", "position_id", "unit_id"]
        ),
        pairs=pd.DataFrame(
            [(*p[:3], p[3] if len(p) > 3 else None) for p in pairs],
            columns=["nip", "position_id", "score", "priority"],
        ),
        units=pd.DataFrame(units, columns=["unit_id", "abk_need", "bezetting"]),
    )


def random_frames(
    seed: int, n_units: int, n_vacancies: int, n_candidates: int, density: float
) -> Frames:
    """A random instance: units short or in surplus, a few seats per vacancy, some preferences."""
    rng = np.random.default_rng(seed)
    unit_ids = [f"U{i}" for i in range(n_units)]
    cand_unit = rng.integers(0, n_units, n_candidates)
    seated = np.bincount(cand_unit, minlength=n_units)
    bezetting = seated + rng.integers(0, 4, n_units)
    abk = np.maximum(bezetting + rng.integers(-3, 4, n_units), 0)
    vac_unit = rng.integers(0, n_units, n_vacancies)
    seats = rng.integers(1, 3, n_vacancies)
    rows = []
    for c in range(n_candidates):
        for v in range(n_vacancies):
            if rng.random() < density:
                priority = int(rng.integers(1, 4)) if rng.random() < 0.2 else None
                rows.append((f"N{c}", f"P{v}", round(float(rng.normal(3.8, 0.6)), 3), priority))
    if not rows:
        rows.append(("N0", "P0", 3.0, None))
    return Frames(
        vacancies=pd.DataFrame({
            "position_id": [f"P{v}" for v in range(n_vacancies)],
            "unit_id": [unit_ids[u] for u in vac_unit],
            "open_headcount": seats,
        }),
        candidates=pd.DataFrame({
            "nip": [f"N{c}" for c in range(n_candidates)],
            "position_id": [f"C{c}" for c in range(n_candidates)],
            "unit_id": [unit_ids[u] for u in cand_unit],
        }),
        pairs=pd.DataFrame(rows, columns=["nip", "position_id", "score", "priority"]),
        units=pd.DataFrame({"unit_id": unit_ids, "abk_need": abk, "bezetting": bezetting}),
    )  # fmt: skip


Move = tuple[str, str]  # (nip, position_id)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _mapping(frame: pd.DataFrame, key: str, value: str) -> dict[str, Any]:
    return {str(r[key]): r[value] for r in _records(frame)}


def rule_violations(f: Frames, policy: PlanPolicy, moves: list[Move]) -> list[str]:
    """Every rule the moves break, checked from the frames with plain Python."""
    eligible = {(r["nip"], r["position_id"]) for r in _records(f.pairs)}
    home = _mapping(f.candidates, "nip", "unit_id")
    post_unit = _mapping(f.vacancies, "position_id", "unit_id")
    seats = _mapping(f.vacancies, "position_id", "open_headcount")
    out: list[str] = []
    out += [f"ineligible {m}" for m in moves if m not in eligible]
    people = [n for n, _ in moves]
    out += [f"moves twice {n}" for n in set(people) if people.count(n) > 1]
    posts = [p for _, p in moves]
    out += [f"over headcount {p}" for p in set(posts) if posts.count(p) > seats[p]]
    out += [f"opted out {n}" for n in people if n in policy.opt_out]
    out += [f"pin in missing {p}" for p in policy.pins_in if p not in moves]
    out += [f"pin out present {p}" for p in policy.pins_out if p in moves]
    leaving = [home[n] for n, p in moves if home[n] != post_unit[p]]
    for unit in _records(f.units):
        gone = leaving.count(unit["unit_id"])
        floor = math.ceil(policy.min_unit_share * unit["abk_need"] - 1e-9)
        if gone and unit["bezetting"] - gone < floor:
            out.append(f"below floor {unit['unit_id']}")
        if policy.max_moves_out is not None and gone > policy.max_moves_out:
            out.append(f"too many out {unit['unit_id']}")
    return out


def objective(f: Frames, policy: PlanPolicy, moves: list[Move]) -> float:
    """score + preference bonus + lambda * reduction of the summed unit shortage."""
    pairs = {(r["nip"], r["position_id"]): r for r in _records(f.pairs)}
    home = _mapping(f.candidates, "nip", "unit_id")
    post_unit = _mapping(f.vacancies, "position_id", "unit_id")
    headcount = _mapping(f.units, "unit_id", "bezetting")
    need = _mapping(f.units, "unit_id", "abk_need")
    before = sum(max(0, need[u] - headcount[u]) for u in need)
    total = 0.0
    for nip, post in moves:
        row = pairs[(nip, post)]
        total += row["score"]
        if not pd.isna(row["priority"]):
            total += policy.preference_weight * (4 - row["priority"]) / 3
        headcount[home[nip]] -= 1
        headcount[post_unit[post]] += 1
    after = sum(max(0, need[u] - headcount[u]) for u in need)
    return total + policy.shortage_weight * (before - after)


def brute_force(f: Frames, policy: PlanPolicy) -> float | None:
    """The best objective over every plan (None if no plan obeys the rules). Tiny inputs only."""
    options: dict[str, list[str | None]] = {}
    for r in _records(f.pairs):
        options.setdefault(r["nip"], [None]).append(r["position_id"])
    nips = list(options)
    best: float | None = None
    for choice in itertools.product(*(options[n] for n in nips)):
        moves = [(n, p) for n, p in zip(nips, choice, strict=True) if p is not None]
        if rule_violations(f, policy, moves):
            continue
        value = objective(f, policy, moves)
        best = value if best is None else max(best, value)
    return best


def moves_of(assignments: pd.DataFrame) -> list[Move]:
    """(nip, position_id) of each row of a result's assignments frame."""
    return list(zip(assignments["nip"], assignments["position_id"], strict=True))
