"""Child processes of the stack: start with output to a log file, probe, stop gently.

Each child gets its own session (process group), so a Ctrl-C in the terminal reaches only the
launcher, which then stops everything in order; and each child is asked (PR_SET_PDEATHSIG) to
receive its stop signal if the launcher dies without cleaning up, so nothing is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import httpx

from todo.stack.errors import StackError

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent(sig: int, parent: int) -> Callable[[], None]:
    def preexec() -> None:  # runs in the child between fork and exec: keep it tiny
        if _libc is not None:
            _libc.prctl(_PR_SET_PDEATHSIG, sig)
        if os.getppid() != parent:  # the launcher died before prctl took effect
            os.kill(os.getpid(), sig)

    return preexec


class Proc:
    """One long-running child process, e.g. daprd, Kafka or an app."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
        stop_signal: int = signal.SIGTERM,
        stop_timeout: float = 10.0,
        hint: str | None = None,
    ) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log = log
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.user = user
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self.hint = hint
        self._proc: asyncio.subprocess.Process | None = None
        self.started_at = 0.0
        self.stopping = False  # set by stop(): an exit after it is expected

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc else None

    async def start(self) -> None:
        if self.running:
            return
        self.stopping = False
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            out.write(f"=== {stamp} start {self.name}: {' '.join(self.argv)}\n".encode())
            out.flush()
            extra: dict[str, object] = {}
            if self.user:
                extra = {"user": self.user, "group": self.user, "extra_groups": []}
            try:
                self._proc = await asyncio.create_subprocess_exec(
                    *self.argv,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=out,
                    stderr=asyncio.subprocess.STDOUT,
                    env=self.env,
                    cwd=self.cwd,
                    start_new_session=True,
                    preexec_fn=_die_with_parent(self.stop_signal, os.getpid()),
                    **extra,  # type: ignore[arg-type]
                )
            except OSError as e:
                raise StackError(
                    f"could not start {self.argv[0]}: {e}", process=self.name, hint=self.hint
                ) from e
        self.started_at = time.monotonic()

    async def wait(self) -> int:
        """Wait for a one-shot process (initdb, migrations) to end; its exit code."""
        assert self._proc is not None, f"{self.name} was never started"
        return await self._proc.wait()

    async def stop(self) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        self.stopping = True
        self._signal(self.stop_signal)
        try:
            await asyncio.wait_for(proc.wait(), self.stop_timeout)
        except TimeoutError:
            self._signal(signal.SIGKILL)
            await proc.wait()
        with self.log.open("ab") as out:
            out.write(f"=== stopped {self.name} (exit {proc.returncode})\n".encode())

    async def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: no clean shutdown. An expected exit."""
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        self.stopping = True
        self._signal(signal.SIGKILL)
        await proc.wait()
        with self.log.open("ab") as out:
            out.write(f"=== killed {self.name} (SIGKILL)\n".encode())

    def _signal(self, sig: int) -> None:
        assert self._proc is not None
        # the child leads its own process group: this reaches it and its own children only
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, sig)

    def error(self, message: str, hint: str | None = None) -> StackError:
        return StackError(message, process=self.name, log=self.log, hint=hint or self.hint)

    async def wait_until(
        self, check: Callable[[], Awaitable[bool]], *, what: str, within: float
    ) -> float:
        """Poll `check` until true; fail fast if the process exits. Returns seconds waited."""
        t0 = time.monotonic()
        deadline = t0 + within
        while True:
            if self._proc is not None and self._proc.returncode is not None:
                raise self.error(f"exited with code {self._proc.returncode} before {what}")
            if await check():
                return time.monotonic() - t0
            if time.monotonic() > deadline:
                raise self.error(f"not ready after {within:.0f}s: {what}")
            await asyncio.sleep(0.1)


def http_ok(
    client: httpx.AsyncClient, url: str, statuses: tuple[int, ...] = (200, 204)
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        try:
            return (await client.get(url)).status_code in statuses
        except httpx.HTTPError:
            return False

    return check


def probe_client() -> httpx.AsyncClient:
    # trust_env=False: never route loopback probes through a proxy from the environment
    return httpx.AsyncClient(timeout=2.0, trust_env=False)


def port_open(port: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True

    return check


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def rss_mb(pid: int | None) -> float:
    """Resident memory of a process and its descendants, in MB (Linux /proc)."""
    if pid is None:
        return 0.0
    total = 0
    for p in [pid, *_descendants(pid)]:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{p}/statm").read_text().split()
            total += int(fields[1]) * os.sysconf("SC_PAGE_SIZE")
    return total / 1e6


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    found += [int(child), *_descendants(int(child))]
    return found
