"""Every metric a dashboard or a rule names exists somewhere real.

Sources: the app's registry (every role exposes it on /metrics), the recording rules' outputs,
daprd's /metrics captured from a real sidecar (monitoring/reference/daprd-1.18.2-metrics.txt),
and the external exporters listed with their source (monitoring/reference/external-metrics.txt).
A name found nowhere fails.
"""

from __future__ import annotations

import pytest

from tests.monitoring.sources import (
    DAPRD_REFERENCE,
    DASHBOARDS,
    EXTERNAL_REFERENCE,
    app_metric_names,
    daprd_metric_names,
    dashboard,
    dashboard_exprs,
    external_metric_names,
    metric_names,
    recorded_names,
    rules,
)


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("rate(todo_http_requests_total[5m])", {"todo_http_requests_total"}),
        (
            'sum by (namespace, le) (rate(a_bucket{route=~"/api/.+", status!~"5.."}[$__rate_interval]))',
            {"a_bucket"},
        ),
        ("histogram_quantile(0.95, sum(rate(x_bucket[5m])) by (le))", {"x_bucket"}),
        ("a:b:c > 0.2 and on (ns) group_left (pod) d offset 10m", {"a:b:c", "d"}),
        ("x unless x offset 10m or sum without (le) (y) * 1e3 > bool 2", {"x", "y"}),
        ('label_replace(m, "dst", "$1", "src", "(.*)") # a comment naming fake_metric', {"m"}),
        ("max_over_time(m[10m:1m]) - min_over_time(m @ 1700000000 [10m])", {"m"}),
        ("-vector(1) + scalar(count(up == 0))", {"up"}),
    ],
)
def test_metric_names_extractor(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_app_registry_is_read() -> None:
    names = app_metric_names()
    assert "todo_http_requests_total" in names
    assert "todo_http_request_duration_seconds_bucket" in names
    assert "todo_outbox_oldest_age_seconds" in names


def test_daprd_reference_is_a_real_capture() -> None:
    header = DAPRD_REFERENCE.read_text().splitlines()[:8]
    assert any("capture_daprd_metrics.py" in line for line in header), "no producing command"
    names = daprd_metric_names()
    assert "dapr_http_server_request_count" in names
    assert all(n.startswith(("dapr_", "go_", "process_")) for n in names), sorted(names)


def test_external_metrics_name_their_source() -> None:
    for name, source in external_metric_names().items():
        assert source.strip(), f"{EXTERNAL_REFERENCE.name}: {name} has no source"
        assert not name.startswith(("todo_", "dapr_")), f"{name}: app/daprd metrics go elsewhere"


def _uses() -> list[tuple[str, str]]:
    used = []
    for rule in rules():
        kind = f"rule {rule.get('alert') or rule.get('record')}"
        used += [(kind, name) for name in metric_names(rule["expr"])]
    for path in DASHBOARDS:
        for place, expr in dashboard_exprs(dashboard(path)):
            used += [(f"{path.name} {place}", name) for name in metric_names(expr)]
    return used


def test_every_metric_used_exists() -> None:
    app, recorded = app_metric_names(), recorded_names()
    daprd, external = daprd_metric_names(), set(external_metric_names())
    missing = []
    for where, name in _uses():
        if name.startswith("todo_"):
            ok = name in app  # the app's own names must come from its registry
        elif name.startswith("dapr_"):
            ok = name in daprd
        else:
            ok = name in recorded or name in external or name in app
        if not ok:
            missing.append(f"{name} (in {where})")
    assert not missing, (
        "metrics found in no source (app registry, recording rules, "
        f"{DAPRD_REFERENCE.name}, {EXTERNAL_REFERENCE.name}):\n  " + "\n  ".join(sorted(missing))
    )
    assert len(_uses()) > 50  # the extractor found the queries at all
