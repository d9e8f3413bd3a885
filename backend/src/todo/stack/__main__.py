"""`python -m todo.stack` (what `make stack` runs): the whole stack on fixed loopback ports,
a local SMTP sink, a summary of the addresses; Ctrl-C stops everything in order."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from todo.stack import smtp
from todo.stack.config import StackConfig
from todo.stack.errors import StackError
from todo.stack.stack import Stack


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m todo.stack", description=__doc__)
    p.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or 8000),
        help="the app's public port (default $PORT or 8000)",
    )
    p.add_argument(
        "--free-ports",
        action="store_true",
        help="free ports for everything but the app (when the fixed ones are taken)",
    )
    p.add_argument(
        "--run-dir",
        type=Path,
        help="keep state and logs here (reused on the next start); default: a temp "
        "dir removed at exit",
    )
    p.add_argument("--keep", action="store_true", help="do not remove the temp run dir at exit")
    p.add_argument("--realtime", type=int, default=2, help="realtime replicas (default 2)")
    p.add_argument("--sweep", default="@every 1m", help="reminder sweep schedule (bindings.cron)")
    p.add_argument("--smtp-port", type=int, default=1025, help="the local SMTP sink's port")
    p.add_argument("--no-smtp", action="store_true", help="do not start the SMTP sink")
    p.add_argument(
        "--database-url",
        default=_pg_from_env(),
        help="an existing PostgreSQL on 127.0.0.1 instead of a private cluster "
        "(default: $DATABASE_URL if it is a postgresql URL)",
    )
    p.add_argument(
        "--zipkin",
        default=os.environ.get("ZIPKIN_ENDPOINT") or None,
        help="an existing Zipkin endpoint for daprd traces instead of the stack's own Zipkin, "
        "e.g. http://127.0.0.1:9411/api/v2/spans",
    )
    p.add_argument(
        "--no-zipkin", action="store_true", help="do not start a Zipkin server (no traces)"
    )
    p.add_argument("--no-prometheus", action="store_true", help="do not start a Prometheus server")
    p.add_argument(
        "--stub",
        action="store_true",
        help="run the launcher's stub app instead of every real service (self-test)",
    )
    return p.parse_args(argv)


def _pg_from_env() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgresql", "postgres:")) else None


def summary(stack: Stack, mail: str) -> str:
    rows = [
        f"Todo stack is up in {stack.timings.get('total', 0):.1f}s "
        f"(RSS {sum(stack.rss().values()):.0f} MB)",
        f"  app          {stack.api_url}   (/ the web app, /api, /ws)",
        f"  Kafka        {stack.kafka_bootstrap}",
        f"  PostgreSQL   {stack.database_url.replace('+asyncpg', '')}",
        f"  scheduler    127.0.0.1:{stack.ports.scheduler}",
        f"  SMTP sink    {mail}",
        f"  Zipkin       {stack.zipkin_url or stack.config.zipkin_endpoint or 'off'}"
        + ("   (open it for the traces)" if stack.zipkin_url else ""),
        f"  Prometheus   {stack.prometheus_url or 'off'}"
        + ("   (every app and sidecar, with the alert rules)" if stack.prometheus_url else ""),
        "",
        f"  {'instance':<12} {'app':>6} {'daprd http':>10} {'grpc':>6}  logs",
    ]
    for name, inst in stack.instances.items():
        rows.append(
            f"  {name:<12} {inst.app_port:>6} {inst.dapr.http:>10} {inst.dapr.grpc:>6}  "
            f"{name}.log, {name}.daprd.log"
        )
    rows += [
        "",
        "  Dapr tokens  "
        + (
            f"daprd wants dapr-api-token: `. {stack.run_dir}/dapr/tokens.env` for curl"
            if stack.tokens
            else "off"
        ),
        f"  logs         {stack.logs_dir}",
        f"  run dir      {stack.run_dir}" + ("" if stack.config.keep else " (removed at exit)"),
        "  Ctrl-C stops everything.",
    ]
    return "\n".join(rows)


async def run(args: argparse.Namespace) -> int:
    config = StackConfig(
        run_dir=args.run_dir,
        keep=args.keep or args.run_dir is not None,
        fixed_ports=not args.free_ports,
        api_port=args.port,
        sweep_schedule=args.sweep,
        smtp_port=args.smtp_port,
        realtime_replicas=args.realtime,
        database_url=args.database_url,
        zipkin_endpoint=args.zipkin,
        zipkin=not args.no_zipkin and not args.zipkin,
        prometheus=not args.no_prometheus,
        stub=args.stub,
        say=say,
    )
    stack = Stack(config)
    stack.logs_dir.mkdir(parents=True, exist_ok=True)
    server = None
    if args.no_smtp:
        mail = "not started (--no-smtp)"
    elif not smtp.available():
        mail = "not started: aiosmtpd is not installed (cd backend && uv sync installs it)"
    else:
        try:
            server = await smtp.serve("127.0.0.1", args.smtp_port, stack.logs_dir / "smtp.log", say)
        except OSError as e:
            await stack.stop()  # nothing started yet: just removes the empty run dir
            raise StackError(
                f"SMTP sink cannot listen on 127.0.0.1:{args.smtp_port}: {e}",
                hint="pass --smtp-port N, or --no-smtp",
            ) from e
        mail = f"127.0.0.1:{args.smtp_port} (each mail is printed here; full text in smtp.log)"
    try:
        async with stack:
            print(summary(stack, mail), flush=True)
            reported: set[str] = set()
            while True:
                await asyncio.sleep(1)
                for proc in stack.exited():
                    if proc.name not in reported:
                        reported.add(proc.name)
                        say(
                            f"[stack] WARNING: {proc.name} exited with code {proc.returncode}; "
                            f"see {proc.log}"
                        )
    finally:
        if server is not None:
            server.close()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)

    async def guarded() -> int:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            if task.cancelling():
                say("[stack] still stopping, please wait (each process gets a few seconds)")
            else:
                say("[stack] stopping ...")
                task.cancel()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal)
        t0 = time.monotonic()
        try:
            return await run(args)
        except asyncio.CancelledError:
            say(f"[stack] stopped after {time.monotonic() - t0:.0f}s")
            return 0
        except StackError as e:
            say(f"[stack] FAILED: {e}")
            return 1

    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(guarded())
    return 130


if __name__ == "__main__":
    sys.exit(main())
