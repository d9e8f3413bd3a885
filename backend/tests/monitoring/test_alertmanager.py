"""The Alertmanager configuration: valid, routes by severity, placeholder addresses only."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.monitoring.sources import ALERTMANAGER, alerts


def amtool_run(amtool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(amtool), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_amtool_check_config(amtool: Path) -> None:
    result = amtool_run(amtool, "check-config", str(ALERTMANAGER))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        (["severity=critical", "alertname=TodoOutboxStale", "service=outbox"], "page,ticket"),
        (["severity=warning", "alertname=TodoOutboxStale", "service=outbox"], "ticket"),
        (["severity=info", "alertname=Other"], "ticket"),
    ],
)
def test_routes_by_severity(amtool: Path, labels: list[str], receivers: str) -> None:
    result = amtool_run(
        amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER}", *labels
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == receivers


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_only_placeholder_addresses() -> None:
    config = yaml.safe_load(ALERTMANAGER.read_text())
    for text in _strings(config):
        for url in re.findall(r"[a-z]+://([^/:\s]+)", text):
            assert url in {"127.0.0.1", "localhost"}, f"real address in alertmanager.yml: {text}"
        for host in re.findall(r"@([A-Za-z0-9.-]+)", text):
            assert host.endswith(".invalid"), f"real mail domain in alertmanager.yml: {text}"
    assert config["global"]["smtp_smarthost"].startswith("127.0.0.1:")


def test_inhibitions_name_existing_alerts() -> None:
    config = yaml.safe_load(ALERTMANAGER.read_text())
    names = {r["alert"] for r in alerts()}
    for rule in config["inhibit_rules"]:
        for matcher in rule.get("source_matchers", []) + rule.get("target_matchers", []):
            if m := re.match(r'alertname(=~|=)"(.*)"', matcher):
                wanted = m.group(2).split("|") if m.group(1) == "=~" else [m.group(2)]
                assert set(wanted) <= names, f"inhibition names unknown alerts: {matcher}"
    equal = {tuple(r.get("equal", [])) for r in config["inhibit_rules"]}
    assert ("alertname", "namespace", "service", "pod") in equal, "critical must inhibit warning"
