"""A private PostgreSQL cluster in the run dir (or an existing server), and its URLs.

initdb and postgres refuse to run as root: as root they run as the `postgres` system user
(`nobody` if there is none), the same as `runuser -u postgres` in the notes, done by the
subprocess itself so signals reach the server directly.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

from todo.stack.errors import StackError
from todo.stack.procs import Proc

DATABASE = "todo"


def asyncpg_url(url: str) -> str:
    """SQLAlchemy URL for the apps: postgresql+asyncpg://..."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith(("postgresql", "postgres")):
        raise StackError(f"not a PostgreSQL URL: {url!r}")
    return f"postgresql+asyncpg://{rest}"


def plain_url(url: str) -> str:
    """The same URL as asyncpg itself takes it (no +driver)."""
    return "postgresql://" + url.partition("://")[2]


def libpq_dsn(url: str) -> str:
    """keyword=value form for Dapr's state.postgresql (pgx), e.g. host=... port=... dbname=..."""
    parts = urlsplit(plain_url(url))
    fields = {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password) if parts.password else None,
        "dbname": unquote(parts.path.lstrip("/")) or DATABASE,
        "sslmode": "disable",
    }

    def quote(value: str) -> str:
        if value and all(c not in value for c in " '\\"):
            return value
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return " ".join(f"{k}={quote(v)}" for k, v in fields.items() if v is not None)


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise StackError("running as root, but there is neither a `postgres` nor a `nobody` user")


class PrivatePostgres:
    def __init__(self, bin_dir: Path, root: Path, port: int, log: Path, *, durable: bool) -> None:
        self.bin = bin_dir
        self.root = root
        self.port = port
        self.log = log
        self.user = _server_user()
        options = ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"]
        if not durable:  # tests: nothing to keep, so skip the fsyncs
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off"]
            options += ["-c", "full_page_writes=off"]
        self.proc = Proc(
            "postgres",
            [
                str(bin_dir / "postgres"),
                "-D",
                str(root / "data"),
                "-k",
                str(root),
                "-p",
                str(port),
                *options,
            ],
            log=log,
            cwd=root,
            user=self.user,
            stop_signal=signal.SIGINT,  # fast shutdown (SIGTERM waits for clients to leave)
            stop_timeout=20.0,
            hint=f"look at {log}; is port {port} taken? (ss -ltnp | grep :{port})",
        )

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    async def start(self) -> float:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.user:
            shutil.chown(self.root, user=self.user, group=self.user)
        self.root.chmod(0o700)
        if not (self.root / "data" / "PG_VERSION").exists():
            await self._initdb()
        await self.proc.start()
        return await self.proc.wait_until(self._accepts, what="accepting connections", within=60)

    async def _initdb(self) -> None:
        init = Proc(
            "initdb",
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.root / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            log=self.log,
            cwd=self.root,
            user=self.user,
        )
        await init.start()
        code = await init.wait()
        if code != 0:
            raise init.error(f"initdb failed (exit {code})", hint=f"look at {self.log}")

    async def _accepts(self) -> bool:
        try:
            conn = await asyncpg.connect(plain_url(self.url("postgres")), timeout=2)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    async def stop(self) -> None:
        await self.proc.stop()


async def create_database(admin_url: str, name: str = DATABASE) -> None:
    conn = await asyncpg.connect(plain_url(admin_url), timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
