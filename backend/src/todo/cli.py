"""`todo`: one command, many roles (Netflix/dispatch style): serve, migrate, worker …"""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from todo.observability.logging import configure as configure_logging
from todo.settings import get_settings

# The largest WebSocket frame a client may send (an auth message, a ping).
WS_MAX_SIZE = 64 * 1024

app = typer.Typer(no_args_is_help=True, help="The Todo service and its workers.")


@app.command()
def migrate() -> None:
    """Apply database migrations up to the newest."""
    from todo.storage.migrate import upgrade

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    upgrade(settings.database_url)
    typer.echo(f"migrated {settings.database_url.split('@')[-1]}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default $PORT or 8000)")] = None,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = False,
) -> None:
    """Serve the API (and, in embedded mode, every subscriber in-process)."""
    from todo.api.app import create_app

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    if migrate_first:
        from todo.storage.migrate import upgrade

        upgrade(settings.database_url)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        proxy_headers=False,
        # WebSocket frames: an auth message, a ping; uvicorn's default (16 MiB) invites abuse.
        ws_max_size=WS_MAX_SIZE,
    )


@app.command()
def worker(
    role: Annotated[str, typer.Argument(help="audit, recurrence, reminders, notifier, realtime")],
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1)")] = None,
    port: Annotated[int, typer.Option(help="The port its Dapr sidecar calls")] = 8001,
) -> None:
    """Run one subscriber role on its own, behind a Dapr sidecar (stack and cluster modes)."""
    from todo.services.registry import ROLES
    from todo.workers.app import create_worker_app

    if role not in ROLES:
        raise typer.BadParameter(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    uvicorn.run(
        create_worker_app(settings, role),
        host=host or settings.host,
        port=port,
        log_config=None,
        proxy_headers=False,
        # WebSocket frames: an auth message, a ping; uvicorn's default (16 MiB) invites abuse.
        ws_max_size=WS_MAX_SIZE,
    )


events = typer.Typer(no_args_is_help=True, help="The event store.")
app.add_typer(events, name="events")


@events.command("rebuild")
def events_rebuild() -> None:
    """Replay the event store; report every task whose rebuilt state differs from its row."""
    import asyncio

    from todo import bootstrap
    from todo.services import audit

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)

    async def run() -> list[str]:
        runtime = bootstrap.build(settings, ("audit",), with_relay=False)
        try:
            return await audit.rebuild(runtime.ctx)
        finally:
            await runtime.stop()

    differences = asyncio.run(run())
    for line in differences:
        typer.echo(line)
    typer.echo(f"rebuild: {len(differences)} difference(s)")
    raise typer.Exit(1 if differences else 0)


if __name__ == "__main__":
    app()
