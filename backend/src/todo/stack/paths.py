"""Where the launcher finds the repository, its tool scripts, the Dapr templates and `todo`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from todo.stack.errors import StackError


def repo_root() -> Path:
    """The checkout holding scripts/tools and dapr/local ($TODO_REPO_ROOT overrides)."""
    explicit = os.environ.get("TODO_REPO_ROOT")
    starts = [Path(explicit)] if explicit else [Path(__file__).resolve(), Path.cwd().resolve()]
    for start in starts:
        for candidate in (start, *start.parents):
            if (candidate / "scripts" / "tools" / "dapr.sh").is_file() and (
                candidate / "dapr" / "local"
            ).is_dir():
                return candidate
    raise StackError(
        "cannot find the repository (a directory with scripts/tools/dapr.sh and dapr/local/)",
        hint="run from inside the checkout, or set TODO_REPO_ROOT=/path/to/checkout",
    )


def tools_dir() -> Path:
    return repo_root() / "scripts" / "tools"


def templates_dir() -> Path:
    return repo_root() / "dapr" / "local"


def todo_executable() -> Path:
    """The backend venv's `todo` console script: one process per app, no `uv run` each."""
    beside = Path(sys.executable).parent / "todo"
    if beside.is_file():
        return beside
    in_repo = repo_root() / "backend" / ".venv" / "bin" / "todo"
    if in_repo.is_file():
        return in_repo
    raise StackError(
        f"no `todo` executable beside {sys.executable} nor in backend/.venv/bin",
        hint="install the backend first: cd backend && uv sync (or `make setup`)",
    )


def python_executable() -> Path:
    """The Python of the backend venv (runs the stub apps and the SMTP sink)."""
    return todo_executable().parent / "python"
