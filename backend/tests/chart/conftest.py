"""Fixtures of the chart checks: the tools and every rendered release (rendered once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chart import tools


@pytest.fixture(scope="session")
def helm() -> Path:
    return tools.go_tool("helm")


@pytest.fixture(scope="session")
def render_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rendered")


@pytest.fixture(scope="session")
def renders(helm: Path, render_dir: Path) -> dict[str, tools.Render]:
    return {name: tools.render(helm, name, render_dir) for name in tools.RENDERS}


@pytest.fixture(params=list(tools.RENDERS))
def rendered(request: pytest.FixtureRequest, renders: dict[str, tools.Render]) -> tools.Render:
    return renders[request.param]
