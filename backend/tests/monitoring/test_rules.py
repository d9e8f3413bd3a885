"""Prometheus rules: valid, unit-tested (firing and quiet for every alert), and documented."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.monitoring.sources import (
    RULE_TESTS,
    RULES,
    RUNBOOK,
    alerts,
    metric_names,
    rules,
)

RUNBOOK_URL = re.compile(
    r"^https://github\.com/todo/todo/blob/main/docs/operations/runbook\.md#([a-z0-9-]+)$"
)

# Issue 6's alerts, and the metric each must be computed from (through recording rules).
ISSUE_ALERTS = {
    "TodoApiLatencyHigh": {"todo_http_request_duration_seconds_bucket"},
    "TodoApiErrorRateHigh": {"todo_http_requests_total"},
    "TodoOutboxStale": {"todo_outbox_oldest_age_seconds"},
    "TodoConsumerEventAgeHigh": {"todo_event_age_seconds_bucket"},
    "TodoEventsDeadLettered": {
        "kafka_topic_partition_current_offset",
        "todo_events_dead_lettered_total",
    },
    "TodoReminderLate": {"todo_reminder_lateness_seconds_bucket"},
    "TodoPodRestarting": {"kube_pod_container_status_restarts_total"},
    "TodoKafkaUnderReplicated": {"kafka_topic_partition_under_replicated_partition"},
}


def run(cmd: list[str | Path], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def test_rule_files_pass_promtool_check(promtool: Path) -> None:
    assert RULES, "no rule files under monitoring/prometheus/rules"
    result = run([promtool, "check", "rules", *RULES])
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass(promtool: Path) -> None:
    assert RULE_TESTS, "no promtool tests under monitoring/prometheus/tests"
    result = run([promtool, "test", "rules", *RULE_TESTS])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(RULE_TESTS), result.stdout


def test_unit_tests_load_every_rule_file() -> None:
    for path in RULE_TESTS:
        loaded = {
            (path.parent / f).resolve() for f in yaml.safe_load(path.read_text())["rule_files"]
        }
        assert loaded == {r.resolve() for r in RULES}, f"{path.name} does not load every rule file"


def test_issue_alerts_exist_and_use_the_named_metrics() -> None:
    exprs: dict[str, list[str]] = {}
    for rule in alerts():
        exprs.setdefault(rule["alert"], []).append(rule["expr"])

    sources: dict[str, list[str]] = {}
    for rule in rules():
        if "record" in rule:
            sources.setdefault(rule["record"], []).append(rule["expr"])

    def base_metrics(expr: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found = set()
        for name in metric_names(expr):
            if name in sources and name not in seen:
                for source in sources[name]:
                    found |= base_metrics(source, seen | {name})
            else:
                found.add(name)
        return found

    assert set(exprs) == set(ISSUE_ALERTS), "alerts differ from issue 6's list"
    for name, wanted in ISSUE_ALERTS.items():
        used = set().union(*(base_metrics(e) for e in exprs[name]))
        assert wanted <= used, f"{name} is computed from {sorted(used)}, not from {sorted(wanted)}"


def test_every_alert_has_severity_service_and_annotations() -> None:
    anchors = _runbook_anchors()
    for rule in alerts():
        name = rule["alert"]
        labels, notes = rule.get("labels", {}), rule.get("annotations", {})
        assert labels.get("severity") in {"critical", "warning"}, f"{name}: severity"
        assert labels.get("service"), f"{name}: no service label (Alertmanager groups by it)"
        for key in ("summary", "description", "runbook_url"):
            assert notes.get(key), f"{name}: no {key} annotation"
        match = RUNBOOK_URL.match(notes["runbook_url"])
        assert match, (
            f"{name}: runbook_url {notes['runbook_url']} is not docs/operations/runbook.md#..."
        )
        assert match.group(1) in anchors, f"{name}: no section #{match.group(1)} in {RUNBOOK}"
        assert match.group(1) == name.lower(), f"{name}: the anchor should be the alert's name"


def _runbook_anchors() -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    assert RUNBOOK.exists(), f"{RUNBOOK} is missing"
    anchors = set()
    for line in RUNBOOK.read_text().splitlines():
        if m := re.match(r"^#{1,6}\s+(.*?)\s*$", line):
            slug = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
            anchors.add(slug)
    return anchors


def _alert_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for path in RULE_TESTS:
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                cases.append((f"{path.name}: {test['name']}", case))
    return cases


@pytest.mark.parametrize(
    ("alert", "severity"),
    sorted({(r["alert"], r["labels"]["severity"]) for r in alerts()}),
)
def test_every_alert_is_tested_firing_and_quiet(alert: str, severity: str) -> None:
    cases = [(where, c) for where, c in _alert_cases() if c["alertname"] == alert]
    firing = [
        where
        for where, c in cases
        if any(e["exp_labels"].get("severity") == severity for e in c.get("exp_alerts") or [])
    ]
    quiet = [where for where, c in cases if not c.get("exp_alerts")]
    assert firing, f"no promtool test expects {alert} ({severity}) to fire"
    assert quiet, f"no promtool test expects {alert} to stay quiet"
