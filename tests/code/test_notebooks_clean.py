"""The analyst notebooks are committed clean: no outputs or execution counts, the ``python3``
kernel, and a first code cell tagged ``parameters``.

``make test`` executes them with nbmake (notebooks/README.md); this only checks what is committed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {
    "01_explore_province.ipynb",
    "02_train_and_compare.ipynb",
    "03_explanations.ipynb",
    "04_monitoring_and_simulation.ipynb",
}
KERNEL = "python3"


def problems(notebook: Any) -> list[str]:
    """What keeps a notebook from being committed as it is (empty = clean)."""
    found: list[str] = []
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    if kernel != KERNEL:
        found.append(f"kernel {kernel!r} instead of {KERNEL!r}")
    code = [(i, cell) for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    for i, cell in code:
        if cell.get("outputs"):
            found.append(f"cell {i} has outputs")
        if cell.get("execution_count") is not None:
            found.append(f"cell {i} has execution count {cell['execution_count']}")
        if "execution" in cell.metadata:
            found.append(f"cell {i} has execution timing metadata")
    if not code or "parameters" not in code[0][1].metadata.get("tags", []):
        found.append("the first code cell is not tagged 'parameters'")
    return found


def test_every_notebook_is_there() -> None:
    assert {p.name for p in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_clean(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert problems(notebook) == [], f"{path.name}: clear outputs before committing"


def test_an_executed_notebook_is_caught() -> None:
    notebook = nbformat.read(NOTEBOOK_DIR / "01_explore_province.ipynb", as_version=4)
    executed = copy.deepcopy(notebook)
    cell = next(c for c in executed.cells if c.cell_type == "code")
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
    executed.metadata["kernelspec"]["name"] = "mutasi-venv"
    assert problems(notebook) == []
    assert problems(executed) == [
        "kernel 'mutasi-venv' instead of 'python3'",
        "cell 1 has outputs",
        "cell 1 has execution count 1",
    ]
