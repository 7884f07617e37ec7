"""What every analyst notebook needs first: a province to read and an MLflow store to write.

A notebook given no directories works in a temporary one (removed when the kernel exits): it
generates a small synthetic province there and points ``MUTASI_VAR_DIR`` at a throw-away MLflow
store, so that running the notebooks (``make test`` does) never touches the user's ``var/``.
Given a contract directory that does not exist yet, it generates the province into it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

from features.data import TABLE_SUFFIXES
from features.synth import generate_province
from mutasi.settings import Settings, get_settings


@dataclass(frozen=True)
class Workspace:
    """Where a notebook reads its province and keeps its MLflow store and scratch files."""

    province: Path
    var_dir: Path
    scratch: Path
    settings: Settings
    generated: bool
    _tmp: tempfile.TemporaryDirectory[str] = field(repr=False)


def has_tables(directory: Path) -> bool:
    """Whether ``directory`` holds an employees table (a contract directory, however messy)."""
    return any((directory / f"employees{suffix}").is_file() for suffix in TABLE_SUFFIXES)


def open_workspace(
    province_dir: str | Path | None,
    var_dir: str | Path | None,
    *,
    seed: int = 7,
    n_employees: int = 600,
    preset: str = "gorontalo",
) -> Workspace:
    """Resolve the notebook's directories, generating the province if it is not there yet.

    ``var_dir=None`` uses a throw-away MLflow store (and ignores ``MUTASI_MLFLOW_TRACKING_URI``,
    which could point at a shared server); settings are re-read so that every module sees it.
    """
    tmp = tempfile.TemporaryDirectory(prefix="mutasi-notebook-")
    scratch = Path(tmp.name)
    province = Path(province_dir) if province_dir is not None else scratch / "province"
    generated = not has_tables(province)
    if generated:
        generate_province(preset=preset, seed=seed, n_employees=n_employees, out_dir=province)
    var = Path(var_dir) if var_dir is not None else scratch / "var"
    os.environ["MUTASI_VAR_DIR"] = str(var.resolve())
    os.environ["MUTASI_DATA_DIR"] = str(province.resolve())
    if var_dir is None:
        os.environ.pop("MUTASI_MLFLOW_TRACKING_URI", None)
    get_settings.cache_clear()
    return Workspace(province.resolve(), var.resolve(), scratch, get_settings(), generated, tmp)


def show_figures() -> str:
    """Draw figures inline in a Jupyter kernel, off-screen (Agg) anywhere else.

    Called after the project's imports: ``training.plots`` switches matplotlib to Agg when
    imported (it logs figures from CLIs), which would hide a notebook's figures.
    """
    shell = _ipython()
    if shell is None:
        matplotlib.use("Agg")
    else:  # the magic, not matplotlib.use: it also registers IPython's figure display hooks
        shell.run_line_magic("matplotlib", "inline")
    return str(matplotlib.get_backend())


def _ipython() -> Any:
    """The running IPython kernel's shell, or None outside a Jupyter kernel."""
    if "ipykernel" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()
