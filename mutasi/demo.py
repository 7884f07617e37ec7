"""``mutasi demo-keys``: API keys for the local demo, and a ready-to-paste call.

The demo's keys are written in plain text under ``<var_dir>/demo/`` so that ``make demo`` can
be run again without new keys; that is fine for a laptop demo and never for a deployment,
where ``mutasi keys`` prints a key once and only its hash is kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from features.data import load_dataset
from mutasi.settings import get_settings
from serving.api.security import Role, key_line, new_key


def demo_keys(var_dir: Path) -> dict[str, str]:
    """The demo's plain keys per role (created once) and the hashed settings file beside them."""
    folder = var_dir / "demo"
    plain_file, hashed_file = folder / "keys.json", folder / "api_keys.json"
    if plain_file.exists():
        keys: dict[str, str] = json.loads(plain_file.read_text(encoding="utf-8"))
    else:
        keys = {role.value: new_key() for role in Role}
        folder.mkdir(parents=True, exist_ok=True)
        plain_file.write_text(json.dumps(keys, indent=2), encoding="utf-8")
        plain_file.chmod(0o600)
    lines = [key_line(f"demo-{role}", Role(role), key) for role, key in keys.items()]
    hashed_file.write_text(json.dumps(lines), encoding="utf-8")
    return keys


def a_vacancy(data_dir: Path) -> str:
    """The active position with the largest shortage (abk_need - bezetting)."""
    dataset = load_dataset(data_dir)
    headcount = dataset.employees["position_id"].value_counts()
    positions = dataset.positions
    active = positions[positions["is_active"]]
    shortage = (active["abk_need"] - active["position_id"].map(headcount).fillna(0)).to_numpy()
    return str(active["position_id"].to_numpy()[int(shortage.argmax())])


def demo_keys_command(
    data_dir: Path | None = typer.Argument(None, help="Snapshot served (default: settings)."),
) -> None:
    """Create (once) the demo's API keys and print how to call the running service."""
    settings = get_settings()
    keys = demo_keys(settings.var_dir)
    position = a_vacancy(data_dir or settings.data_dir)
    base = f"http://{settings.host}:{settings.port}"
    body = json.dumps({"k": 5, "explain_top": 3})
    console = Console()
    console.rule("[bold]Mutasi demo")
    console.print(f"Keys (demo only) are in {settings.var_dir / 'demo' / 'keys.json'}.")
    console.print("Rank candidates for the post with the largest shortage:\n")
    console.print(
        f"curl -s -X POST {base}/v1/positions/{position}/rankings \\\n"
        f"  -H 'X-API-Key: {keys[Role.HR_SYSTEM.value]}' \\\n"
        f"  -H 'Content-Type: application/json' -d '{body}'",
        soft_wrap=True,
        highlight=False,
    )
    console.print(f"\nOpenAPI docs: {base}/docs    metrics: {base}/metrics")
    console.print(f"Auditor key: {keys[Role.AUDITOR.value]}", soft_wrap=True, highlight=False)
