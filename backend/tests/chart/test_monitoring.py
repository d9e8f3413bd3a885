"""The chart's kube-prometheus-stack objects: a PodMonitor that scrapes exactly what `make
stack`'s Prometheus scrapes (with the same job and role labels), PrometheusRules that are the
tested rule files, and dashboard ConfigMaps that are the tested dashboards.

The rule files and dashboards live in monitoring/ (promtool and the metric-name checks of
tests/monitoring run there); Helm cannot read files outside the chart, so the chart carries
copies in helm/todo-app/files/, which must stay identical. The kinds' schemas (prometheus-
operator's CRDs) are checked by test_kubeconform.py.
"""

from __future__ import annotations

import filecmp
import json
from pathlib import Path
from typing import Any

import yaml

from tests.chart import tools
from todo.stack.prometheus import write_config

MONITORING = tools.REPO / "monitoring"
COPIES = {
    MONITORING / "prometheus" / "rules": tools.CHART / "files" / "prometheus",
    MONITORING / "grafana" / "dashboards": tools.CHART / "files" / "grafana",
}
SYNC = "make monitoring"
BACKEND = ["api", "audit", "recurrence", "reminders", "notifier", "realtime"]
# The name Dapr's sidecar injector gives daprd's metrics port (pkg/injector/consts).
DAPRD_METRICS_PORT = "dapr-metrics"


def test_the_charts_copies_are_the_tested_files() -> None:
    for source, copy in COPIES.items():
        names = sorted(p.name for p in source.iterdir() if p.is_file())
        assert names, source
        assert sorted(p.name for p in copy.iterdir()) == names, f"re-sync: {SYNC}"
        _, mismatch, errors = filecmp.cmpfiles(source, copy, names, shallow=False)
        assert not mismatch and not errors, f"{mismatch + errors} differ; re-sync: {SYNC}"


def _enabled(render: tools.Render) -> bool:
    return bool(render.values["monitoring"]["enabled"])


def test_pod_monitor_scrapes_every_backend_pod_and_its_sidecar(rendered: tools.Render) -> None:
    if not _enabled(rendered):
        assert not rendered.kinds("PodMonitor")
        return
    [monitor] = rendered.kinds("PodMonitor")
    assert monitor["metadata"]["namespace"] == tools.NAMESPACE
    for key, value in rendered.values["monitoring"]["labels"].items():
        assert monitor["metadata"]["labels"][key] == value
    spec = monitor["spec"]
    selected = set()
    for deployment in rendered.kinds("Deployment"):
        template = deployment["spec"]["template"]
        labels = template["metadata"]["labels"]
        role = labels["app.kubernetes.io/component"]
        if tools.selector_matches(spec["selector"], labels):
            selected.add(role)
            app = next(c for c in template["spec"]["containers"] if c["name"] == role)
            assert "http" in {p["name"] for p in app["ports"]}, role
            annotations = template["metadata"]["annotations"]
            assert annotations["dapr.io/enable-metrics"] == "true", role
            assert annotations["dapr.io/metrics-port"] == "9090", role
    assert selected == set(BACKEND), "the frontend (nginx) has no /metrics; every other role has"
    endpoints = {e["port"]: e for e in spec["podMetricsEndpoints"]}
    assert set(endpoints) == {"http", DAPRD_METRICS_PORT}
    for port, job in (("http", "todo"), (DAPRD_METRICS_PORT, "daprd")):
        relabel = endpoints[port]["relabelings"]
        assert {"targetLabel": "job", "replacement": job} in relabel
        assert {
            "sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_component"],
            "targetLabel": "role",
        } in relabel
        assert endpoints[port]["path"] == "/metrics"


def test_cluster_jobs_are_the_stacks_jobs(tmp_path: Path) -> None:
    """Dashboards and rules see job="todo"/"daprd" and a role label in both places."""
    config = json.loads(write_config(tmp_path / "prometheus.yml", [], 0).read_text())
    jobs = {c["job_name"] for c in config["scrape_configs"]}
    assert {"todo", "daprd"} <= jobs


def test_prometheus_rules_are_the_rule_files(rendered: tools.Render) -> None:
    rules = rendered.kinds("PrometheusRule")
    if not _enabled(rendered):
        assert not rules
        return
    by_name = {r["metadata"]["name"]: r["spec"] for r in rules}
    source = MONITORING / "prometheus" / "rules"
    expected = {
        f"{tools.RELEASE}-{f.stem.removeprefix('todo-')}": yaml.safe_load(f.read_text())
        for f in source.glob("*.yml")
    }
    assert by_name == expected
    alerts = [r for spec in by_name.values() for g in spec["groups"] for r in g["rules"]]
    assert any("alert" in r for r in alerts) and any("record" in r for r in alerts)


def test_dashboards_are_configmaps_for_grafanas_sidecar(rendered: tools.Render) -> None:
    maps = [m for m in rendered.kinds("ConfigMap") if "dashboard" in m["metadata"]["name"]]
    if not _enabled(rendered):
        assert not maps
        return
    cfg = rendered.values["monitoring"]["dashboards"]
    source = MONITORING / "grafana" / "dashboards"
    seen: dict[str, Any] = {}
    for m in maps:
        assert m["metadata"]["labels"][cfg["label"]] == cfg["labelValue"]
        assert m["metadata"]["annotations"][cfg["folderAnnotation"]] == cfg["folder"]
        [(name, text)] = m["data"].items()
        assert text == (source / name).read_text(), f"{name} changed on the way into the chart"
        seen[name] = json.loads(text)
    assert sorted(seen) == sorted(p.name for p in source.glob("*.json"))
    assert len({d["uid"] for d in seen.values()}) == len(seen)


def test_monitoring_can_be_switched_off(helm: Path) -> None:
    """A cluster without prometheus-operator's CRDs installs the chart with monitoring off."""
    proc = tools.run(
        [
            helm,
            "template",
            tools.RELEASE,
            tools.CHART,
            "-n",
            tools.NAMESPACE,
            *tools.helm_args("prod"),
            "--set",
            "monitoring.enabled=false",
        ]
    )
    assert proc.returncode == 0, proc.stderr
    kinds = {d["kind"] for d in yaml.safe_load_all(proc.stdout) if d}
    assert not kinds & {"PodMonitor", "PrometheusRule"}
    names = [d["metadata"]["name"] for d in yaml.safe_load_all(proc.stdout) if d]
    assert not [n for n in names if "dashboard" in n]


def test_prometheus_may_scrape_what_the_pod_monitor_names(rendered: tools.Render) -> None:
    """The NetworkPolicies let Prometheus in on the app's port and daprd's 9090."""
    if not (_enabled(rendered) and rendered.values["networkPolicy"]["enabled"]):
        return
    prom = rendered.values["networkPolicy"]["prometheus"]
    assert prom["enabled"], "monitoring is on but the NetworkPolicies keep Prometheus out"
    for role in BACKEND:
        policy = rendered.one("NetworkPolicy", f"{tools.RELEASE}-{role}")
        ports = {
            p["port"]
            for rule in policy["spec"]["ingress"]
            for peer in rule["from"]
            if peer.get("namespaceSelector", {})
            .get("matchLabels", {})
            .get("kubernetes.io/metadata.name")
            == prom["namespace"]
            for p in rule["ports"]
        }
        assert {rendered.values["roles"][role]["port"], 9090} <= ports, role
