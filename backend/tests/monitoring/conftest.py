"""The monitoring checks need promtool and amtool: scripts/tools/prometheus.sh fetches them once
(Debian's packages, unpacked into the cache, no daemon) and prints their directory. A failure
fails the tests with what to run; they never skip."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.monitoring.sources import PROMETHEUS_SH


@pytest.fixture(scope="session")
def prometheus_bin() -> Path:
    result = subprocess.run(
        ["bash", str(PROMETHEUS_SH)], capture_output=True, text=True, timeout=600, check=False
    )
    lines = result.stdout.strip().splitlines()
    bin_dir = Path(lines[-1]) if result.returncode == 0 and lines else None
    if bin_dir is None or not (bin_dir / "promtool").exists() or not (bin_dir / "amtool").exists():
        pytest.fail(
            "promtool/amtool are not available: scripts/tools/prometheus.sh failed "
            f"(exit {result.returncode}).\n{result.stderr[-3000:]}\n"
            "Run it by hand to see why: bash scripts/tools/prometheus.sh "
            "(needs apt; as root it runs apt-get update when apt knows no candidate)",
            pytrace=False,
        )
    return bin_dir


@pytest.fixture(scope="session")
def promtool(prometheus_bin: Path) -> Path:
    return prometheus_bin / "promtool"


@pytest.fixture(scope="session")
def amtool(prometheus_bin: Path) -> Path:
    return prometheus_bin / "amtool"
