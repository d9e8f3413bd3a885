"""The one error the launcher raises: what failed, the log's tail, and what to do next."""

from __future__ import annotations

from pathlib import Path


def tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not path.exists():
        return "(no log)"
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 64 * 1024))
        text = f.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


class StackError(RuntimeError):
    """A part of the stack could not start or stop; the message says which and why."""

    def __init__(
        self,
        message: str,
        *,
        process: str | None = None,
        log: Path | None = None,
        hint: str | None = None,
    ) -> None:
        self.process = process
        self.log = log
        self.hint = hint
        parts = [f"{process}: {message}" if process else message]
        if log is not None:
            parts.append(f"--- last 30 lines of {log} ---\n{tail(log)}\n--- end of {log.name} ---")
        if hint:
            parts.append(f"next: {hint}")
        super().__init__("\n".join(parts))
