"""``mutasi serve`` (run the API) and ``mutasi keys`` (issue an API key)."""

from __future__ import annotations

import secrets

import typer
from rich.console import Console

from mutasi.settings import get_settings
from serving.api.security import Role, key_line, new_key


def serve_command(
    host: str | None = typer.Option(None, help="Listen address (default: settings, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default: settings, 8000)."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Serve the ranking API (loads the champion model and the HR snapshot once at start)."""
    import uvicorn

    from serving.api.app import create_app, preload
    from serving.errors import NotReadyError

    settings = get_settings()
    if not settings.api_keys:
        Console(stderr=True).print(
            "[yellow]No API keys configured (MUTASI_API_KEYS): every /v1 endpoint will "
            "answer 401. Create one with `mutasi keys <role>`.[/yellow]"
        )
    app = create_app(settings)
    if settings.require_model_at_start:
        try:
            preload(app)
        except NotReadyError as exc:
            Console(stderr=True).print(
                f"mutasi serve: {exc}", soft_wrap=True, highlight=False, markup=False
            )
            raise typer.Exit(2) from None
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level=log_level,
    )


def keys_command(
    role: Role = typer.Argument(..., help="hr_system, auditor, admin or employee_portal."),
    key_id: str | None = typer.Option(
        None, help="Name recorded in the audit log (default: <role>-<random>)."
    ),
) -> None:
    """Create an API key: prints the key once, and the line to add to MUTASI_API_KEYS."""
    key = new_key()
    line = key_line(key_id or f"{role.value}-{secrets.token_hex(3)}", role, key)
    console = Console()
    console.print(f"API key (shown once, give it to the client): {key}", soft_wrap=True)
    console.print("Add this entry to MUTASI_API_KEYS (JSON list) or .env; the key is not stored:")
    console.print(line, soft_wrap=True, highlight=False)
