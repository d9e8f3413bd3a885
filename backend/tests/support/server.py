"""A real `todo serve` process on a free loopback port, for e2e and schema tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.postgres import free_port


@contextmanager
def running_server(database_url: str, log: Path, **env: str) -> Iterator[str]:
    """Start `todo serve --migrate`; yield its base URL once /readyz answers; stop it after."""
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "TODO_ENVIRONMENT": "test",
        **env,
    }
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "todo.cli", "serve", "--migrate"],
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"todo serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"todo serve did not become ready:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
