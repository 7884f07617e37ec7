"""``mutasi serve`` (run the API) and ``mutasi keys`` (issue an API key)."""

from __future__ import annotations

import os
import secrets

import typer
from rich.console import Console

from mutasi.settings import get_settings
from serving.api.security import Role, key_line, new_key


def serve_command(
    host: str | None = typer.Option(None, help="Listen address (default: settings, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default: settings, 8000)."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
    workers: int | None = typer.Option(
        None, min=1, max=64, help="Worker processes (default: settings, 1); docs/operations.md."
    ),
) -> None:
    """Serve the ranking API (loads the champion model and the HR snapshot once at start)."""
    import uvicorn

    from serving.api.app import create_app, preload
    from serving.errors import NotReadyError

    settings = get_settings()
    n_workers = workers or settings.workers
    warn = Console(stderr=True)
    if not settings.api_keys:
        warn.print(
            "[yellow]No API keys configured (MUTASI_API_KEYS): every /v1 endpoint will "
            "answer 401. Create one with `mutasi keys <role>`.[/yellow]"
        )
    if n_workers > 1 and settings.web_session_secret is None:
        warn.print(
            "[yellow]Several workers and no MUTASI_WEB_SESSION_SECRET: each worker signs "
            "auditor sessions with its own random key, so sign-ins fail at random. Set one."
            "[/yellow]"
        )
    app = create_app(settings)
    if settings.require_model_at_start:
        try:
            preload(app)  # with several workers: a check here, then every worker loads its own
        except NotReadyError as exc:
            warn.print(f"mutasi serve: {exc}", soft_wrap=True, highlight=False, markup=False)
            raise typer.Exit(2) from None
    listen_host, listen_port = host or settings.host, port or settings.port
    if n_workers == 1:
        uvicorn.run(
            app,
            host=listen_host,
            port=listen_port,
            log_level=log_level,
            timeout_keep_alive=settings.keep_alive_seconds,
        )
        return
    del app  # the workers build their own, from the same settings (environment)
    os.environ["MUTASI_WORKERS"] = str(n_workers)
    uvicorn.run(
        "serving.api.app:create_app",
        factory=True,
        workers=n_workers,
        timeout_worker_healthcheck=settings.worker_start_seconds,
        timeout_keep_alive=settings.keep_alive_seconds,
        host=listen_host,
        port=listen_port,
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
