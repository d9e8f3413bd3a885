"""Error paths render tracebacks without locals, in both log modes.

The console renderer's default (rich, with every frame's locals) spent 10-20 s on one error
whose frames held large values, with the event loop blocked meanwhile.
"""

from __future__ import annotations

import io
import sys

import pytest

from todo.observability.logging import configure, get_logger


@pytest.mark.parametrize("json", [True, False])
def test_tracebacks_carry_no_locals(json: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)
    configure("INFO", json=json)
    try:
        held = {"marker": "LOCAL-VALUE-NOT-TO-RENDER", "bulk": ["x" * 1000] * 1000}
        raise ValueError(f"failed with {len(held)} keys")
    except ValueError:
        get_logger("test").exception("handling failed")
    finally:
        monkeypatch.undo()
        configure("INFO", json=False)  # back to what the other tests run with
    text = out.getvalue()
    assert "ValueError: failed with 2 keys" in text
    assert "LOCAL-VALUE-NOT-TO-RENDER" not in text
    assert len(text) < 20_000
