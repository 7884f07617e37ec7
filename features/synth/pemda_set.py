"""Many pemda in one dataset: a province's government and each of its kab/kota governments.

Each pemda is simulated on its own (its organisation, ten years of careers, its own pilkada
freezes), exactly as :func:`~features.synth.generate.generate_province` simulates one; the
exports are then merged into one contract dataset whose units carry ``instansi_code`` (the
employing pemda). Employees of one kab/kota may then be ranked for vacancies of another, and
every such move has an authority that decides it (features/rules.yaml ``authorities``: PPK,
Gubernur, Mendagri). With two provinces, moves across provinces exist too.

Ids are made unique by prefixing them with the instansi code (``7501-U00001``); a NIP drawn by
two pemda keeps its meaning (birth date, TMT CPNS, gender) and gets the next free serial.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from features.contract import CONTRACT_VERSION, Table
from features.synth.generate import (
    DEFAULT_END,
    MIN_EMPLOYEES,
    GenerationSummary,
    _check,
    _Progress,
    simulate_export,
)
from features.synth.oracle import ORACLE_DIR
from features.synth.outcome import StructuralModel
from features.synth.policy import PolicyParams
from features.synth.presets import Preset, Region, get_preset
from features.synth.tables import Export
from features.synth.write import MANIFEST, clear_dataset, write_oracle, write_table

PROVINCE_SHARE = 0.25  # of a province's employees who work for the provincial government
UNIT_COLUMNS = ("unit_id", "parent_unit_id")
POSITION_COLUMNS = ("position_id", "from_position_id", "to_position_id")


@dataclass(frozen=True)
class Pemda:
    """One simulated government of the set and its size."""

    instansi_code: str
    name: str
    level: str
    n_employees: int


@dataclass(frozen=True)
class PemdaSetSummary:
    """What a multi-pemda generation wrote."""

    provinces: tuple[str, ...]
    seed: int
    out_dir: Path
    fmt: str
    exported_at: date
    pemda: tuple[Pemda, ...]
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def n_employees(self) -> int:
        """Employees of all pemda together."""
        return self.rows.get(Table.EMPLOYEES.value, 0)

    @property
    def source(self) -> str:
        """The manifest's source string."""
        return f"mutasi-synth pemda-set {'+'.join(self.provinces)} (kab/kota) seed {self.seed}"


def kabkota_presets(province: Preset) -> tuple[Preset, ...]:
    """Each kab/kota of a province as a pemda of its own; the others are where staff may live."""
    if province.level != "provinsi":
        raise ValueError(f"preset {province.key!r} is a {province.level}, not a province")
    out = []
    for region in province.regions:
        others: tuple[Region, ...] = tuple(r for r in province.regions if r != region)
        level = "kota" if region.name.startswith("Kota") else "kabupaten"
        out.append(
            replace(
                province,  # same key: names and surnames of the province
                pemda=f"Pemerintah {region.name}",
                level=level,
                seat=region.code,
                regions=(region,),
                home_only=others + province.home_only,
                subdistricts=(),
            )
        )
    return tuple(out)


def pemda_sizes(presets: Sequence[Preset], n_employees: int) -> list[int]:
    """Employees per pemda: 200 each, the rest shared out (a province's government a quarter of
    its province, each kab/kota by population weight)."""
    floor = MIN_EMPLOYEES * len(presets)
    if n_employees < floor:
        raise ValueError(
            f"{len(presets)} pemda need at least {floor} employees ({MIN_EMPLOYEES} each), "
            f"got {n_employees}"
        )
    weights = np.array(
        [
            PROVINCE_SHARE if p.level == "provinsi" else (1 - PROVINCE_SHARE) * p.regions[0].weight
            for p in presets
        ]
    )
    extra = np.floor(weights / weights.sum() * (n_employees - floor)).astype(int)
    return [MIN_EMPLOYEES + int(e) for e in extra]


def _prefixed(frame: pd.DataFrame, code: str, columns: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            values = out[column]
            out[column] = (code + "-" + values.astype("str")).where(values.notna(), None)
    return out


class _Nips:
    """NIPs unique across the set: a collision keeps digits 1-15 and takes a free serial."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.rng = np.random.default_rng(0)

    def assign(self, nips: pd.Series, pppk: pd.Series) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for nip, is_pppk in zip(nips.astype(str), pppk.to_numpy(dtype=bool), strict=True):
            new = nip
            while new in self.taken:
                if is_pppk:
                    new = str(self.rng.integers(1, 10)) + "".join(
                        map(str, self.rng.integers(0, 10, 17))
                    )
                else:
                    serial = (int(new[15:]) % 999) + 1
                    new = f"{new[:15]}{serial:03d}"
            self.taken.add(new)
            if new != nip:
                mapping[nip] = new
        return mapping


def _renamed(frame: pd.DataFrame, code: str, nips: dict[str, str]) -> pd.DataFrame:
    out = _prefixed(frame, code, UNIT_COLUMNS + POSITION_COLUMNS + ("transfer_id",))
    if "nip" in out.columns and nips:
        out["nip"] = out["nip"].astype("str").replace(nips)
    return out


def merge_exports(parts: Sequence[tuple[str, Export]]) -> Export:
    """One export of several pemda's exports: ids prefixed, NIPs unique, regions once."""
    registry = _Nips()
    tables: dict[Table, list[pd.DataFrame]] = {}
    oracle: dict[str, list[pd.DataFrame]] = {}
    for code, export in parts:
        employees = export.tables[Table.EMPLOYEES]
        nips = registry.assign(employees["nip"], employees["employment_type"] == "PPPK")
        for table, frame in export.tables.items():
            tables.setdefault(table, []).append(_renamed(frame, code, nips))
        for name, frame in export.oracle.items():
            oracle.setdefault(name, []).append(_renamed(frame, code, nips))
    merged = {t: pd.concat(frames, ignore_index=True) for t, frames in tables.items()}
    merged[Table.FREEZE_PERIODS] = (
        merged[Table.FREEZE_PERIODS].drop_duplicates().reset_index(drop=True)
    )
    truth = {name: pd.concat(frames, ignore_index=True) for name, frames in oracle.items()}
    truth["regions"] = truth["regions"].drop_duplicates("region_code").reset_index(drop=True)
    return Export(merged, truth)


def generate_pemda_set(
    provinces: Sequence[str] = ("gorontalo",),
    seed: int = 7,
    n_employees: int = 3000,
    out_dir: Path | str = Path("var/data/pemda_set"),
    *,
    fmt: str = "csv",
    end_date: date | None = None,
    progress: bool = False,
) -> PemdaSetSummary:
    """Simulate each province's government and its kab/kota governments into one dataset.

    ``n_employees`` is shared out over all pemda (:func:`pemda_sizes`); each has at least 200.
    """
    started = time.perf_counter()
    end = end_date or DEFAULT_END
    presets: list[Preset] = []
    for name in dict.fromkeys(provinces):
        province = get_preset(name)
        presets += [province, *kabkota_presets(province)]
    for p in presets:
        _check(p.key, MIN_EMPLOYEES, fmt, end)
    sizes = pemda_sizes(presets, n_employees)
    seeds = np.random.SeedSequence(seed).generate_state(len(presets))
    model = StructuralModel()
    out = Path(out_dir)
    with _Progress(progress) as step:
        exports = [
            (p.instansi_code, simulate_export(p, int(s), n, end, model, step).export)
            for p, s, n in zip(presets, seeds, sizes, strict=True)
        ]
        export = merge_exports(exports)
        out.mkdir(parents=True, exist_ok=True)
        clear_dataset(out)
        for table, frame in export.tables.items():
            write_table(table, frame, out, fmt)
    counts = {code: len(e.tables[Table.EMPLOYEES]) for code, e in exports}  # survivors at export
    pemda = tuple(
        Pemda(p.instansi_code, p.pemda, p.level, counts[p.instansi_code]) for p in presets
    )
    summary = PemdaSetSummary(
        tuple(get_preset(n).key for n in dict.fromkeys(provinces)),
        seed,
        out,
        fmt,
        end,
        pemda,
        {t.value: len(f) for t, f in export.tables.items()},
    )
    manifest = {
        "contract_version": CONTRACT_VERSION,
        "source": summary.source,
        "exported_at": end.isoformat(),
        "pemda": [asdict(p) for p in pemda],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    meta = {
        "model": model.to_dict(),
        "policy": asdict(PolicyParams()),
        "preset": "+".join(summary.provinces),
        "seed": seed,
        "n_employees": summary.n_employees,
        "exported_at": end.isoformat(),
        "pemda": manifest["pemda"],
    }
    write_oracle(out, export.oracle, meta)
    assert (out / ORACLE_DIR).is_dir()
    return replace(summary, seconds=time.perf_counter() - started)


__all__ = ["GenerationSummary", "PemdaSetSummary", "generate_pemda_set", "kabkota_presets"]
