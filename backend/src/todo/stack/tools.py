"""The tool bootstrap scripts (scripts/tools/*.sh): progress on stderr, the result (a dir) is
the last stdout line."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from todo.stack.errors import StackError
from todo.stack.paths import tools_dir

Say = Callable[[str], None]


@dataclass(frozen=True)
class Tools:
    pg_bin: Path | None  # None when an existing server (DATABASE_URL) is used
    kafka_libs: Path
    dapr_bin: Path

    @property
    def kafka_log4j(self) -> Path:
        return self.kafka_libs.parent / "config" / "log4j2.properties"


async def run_tool(name: str, say: Say) -> Path:
    script = tools_dir() / f"{name}.sh"
    proc = await asyncio.create_subprocess_exec(
        "bash",
        str(script),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    progress: list[str] = []

    async def relay() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            progress.append(line)
            say(f"  {line}")

    relay_task = asyncio.create_task(relay())
    stdout = await proc.stdout.read()
    await proc.wait()
    await relay_task
    lines = [ln for ln in stdout.decode().splitlines() if ln.strip()]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(progress[-30:])
        raise StackError(
            f"{script} failed (exit {proc.returncode})\n{tail}",
            process=f"tools/{name}",
            hint=f"run it by hand to see everything: bash {script}",
        )
    result = Path(lines[-1].strip())
    if not result.is_dir():  # noqa: ASYNC240 - one stat, once per start
        raise StackError(f"{script} printed {result}, which is not a directory", process=name)
    return result


async def ensure_tools(say: Say, *, need_postgres: bool) -> Tools:
    """Run the needed scripts concurrently (all are instant once their cache is warm)."""
    names = ["kafka", "dapr", *(["postgres"] if need_postgres else [])]
    results = await asyncio.gather(*(run_tool(n, say) for n in names))
    found = dict(zip(names, results, strict=True))
    return Tools(pg_bin=found.get("postgres"), kafka_libs=found["kafka"], dapr_bin=found["dapr"])
