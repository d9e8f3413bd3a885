"""Grafana dashboards: generated and committed in step, provisionable, every query valid."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.monitoring.sources import (
    DASHBOARDS,
    GENERATOR,
    as_promql,
    dashboard,
    dashboard_exprs,
    metric_names,
    panels,
)

# Issue 6: what each dashboard must show, as metrics its queries must read.
REQUIRED = {
    "todo-service-overview": {
        "todo_http_requests_total",
        "todo_http_request_duration_seconds_bucket",
    },
    "todo-event-pipeline": {
        "todo_outbox_oldest_age_seconds",
        "todo_outbox_pending",
        "todo_outbox_published_total",
        "todo_outbox_publish_failures_total",
        "todo_events_handled_total",
        "todo_event_age_seconds_bucket",
        "kafka_consumergroup_lag",
        "todo:dead_letters:increase10m",
    },
    "todo-reminders": {
        "todo_reminders_scheduled_total",
        "todo_reminders_fired_total",
        "todo_reminder_lateness_seconds_bucket",
    },
    "todo-kafka-dapr": {
        "kafka_topic_partition_under_replicated_partition",
        "kafka_consumergroup_lag",
        "dapr_http_server_request_count",
        "dapr_component_pubsub_ingress_count",
        "dapr_component_pubsub_egress_bulk_count",
    },
}


def test_generated_dashboards_are_committed() -> None:
    result = subprocess.run(
        [sys.executable, "-B", str(GENERATOR), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, (
        f"{result.stderr}monitoring/grafana/dashboards/ is not what {GENERATOR.name} writes: "
        f"run python3 {GENERATOR.relative_to(GENERATOR.parents[2])} and commit the JSON"
    )


def test_dashboards_are_provisionable() -> None:
    boards = {p.name: dashboard(p) for p in DASHBOARDS}
    assert {b["uid"] for b in boards.values()} == set(REQUIRED)
    assert len({b["title"] for b in boards.values()}) == len(boards)
    for name, board in boards.items():
        assert "__inputs" not in board, f"{name}: import-only ${{DS_...}} inputs do not provision"
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource", name
        assert variables["datasource"]["query"] == "prometheus", name
        ids = [p["id"] for p in panels(board)]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        for panel in panels(board):
            if panel["type"] == "row":
                continue
            assert panel["datasource"]["uid"] == "${datasource}", f"{name}: {panel['title']}"
            assert panel["targets"], f"{name}: {panel['title']} has no query"
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, f"{name}: {panel['title']} overflows the grid"


def test_dashboards_show_what_the_issue_asks_for() -> None:
    for path in DASHBOARDS:
        board = dashboard(path)
        used = set().union(*(metric_names(e) for _, e in dashboard_exprs(board)))
        missing = REQUIRED[board["uid"]] - used
        assert not missing, f"{path.name} does not show {sorted(missing)}"


def test_every_dashboard_query_is_valid_promql(promtool: Path, tmp_path: Path) -> None:
    """promtool parses each query (Grafana's variables replaced) as a recording rule."""
    rules = []
    where = {}
    for path in DASHBOARDS:
        for i, (place, expr) in enumerate(dashboard_exprs(dashboard(path))):
            record = f"dashboard:{path.stem.replace('-', '_')}:q{i}"
            where[record] = f"{path.name} {place}"
            rules.append({"record": record, "expr": as_promql(expr)})
    file = tmp_path / "dashboard-queries.yml"
    file.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = subprocess.run(
        [str(promtool), "check", "rules", str(file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout}{result.stderr}\nqueries: {where}"
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout
