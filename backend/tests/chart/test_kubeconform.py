"""Every rendered manifest validates, strictly, against offline schemas.

Kubernetes kinds against the schemas of the PyPI package kubernetes-validate (refs made
local by scripts/tools/k8s-schemas.sh), for the oldest and the newest Kubernetes the chart
supports; Dapr's kinds against schemas converted from Dapr's own CRDs (its Helm chart).
prometheus-operator's kinds (PodMonitor, PrometheusRule) against its CRDs (Go module proxy).
Strimzi's and cert-manager's kinds have no schema here: test_structure.py checks them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.chart import tools

NO_SCHEMA = {"KafkaTopic", "KafkaUser", "Kafka", "KafkaNodePool", "ClusterIssuer"}


@pytest.fixture(scope="session")
def kubeconform() -> Path:
    return tools.go_tool("kubeconform")


@pytest.fixture(scope="session")
def schemas() -> Path:
    return tools.schemas_dir()


def validate(kubeconform: Path, schemas: Path, version: str, files: list[Path]) -> list[dict]:
    proc = tools.run(
        [
            kubeconform,
            "-strict",
            "-output",
            "json",
            "-verbose",
            "-skip",
            ",".join(sorted(NO_SCHEMA)),
            # Offline only: never kubeconform's default (GitHub) schema location.
            "-schema-location",
            f"{schemas}/kubernetes/v{version}/{{{{.ResourceKind}}}}{{{{.KindSuffix}}}}.json",
            "-schema-location",
            f"{schemas}/crds/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json",
            *files,
        ]
    )
    out = json.loads(proc.stdout or "{}")
    # Empty YAML documents (a file's leading `---`) come back without a kind: not resources.
    resources: list[dict] = [r for r in out.get("resources", []) if r.get("kind")]
    bad = [r for r in resources if r["status"] not in ("statusValid", "statusSkipped")]
    assert proc.returncode == 0 and not bad, json.dumps(bad or out, indent=1)[:6000] + proc.stderr
    return resources


@pytest.fixture(scope="session")
def results_by_version(
    kubeconform: Path, schemas: Path, renders: dict[str, tools.Render]
) -> dict[str, list[dict]]:
    """One kubeconform run per Kubernetes version over every render (schemas load once)."""
    files = [r.path for r in renders.values()]
    return {v: validate(kubeconform, schemas, v, files) for v in tools.schema_versions()}


@pytest.mark.parametrize("version", tools.schema_versions())
def test_rendered_manifests_validate(
    results_by_version: dict[str, list[dict]], rendered: tools.Render, version: str
) -> None:
    results = [r for r in results_by_version[version] if r["filename"] == str(rendered.path)]
    assert len(results) == len(rendered.docs), "kubeconform did not see every document"
    skipped = {r["kind"] for r in results if r["status"] == "statusSkipped"}
    assert skipped <= NO_SCHEMA
    valid = {r["kind"] for r in results if r["status"] == "statusValid"}
    assert {"Deployment", "NetworkPolicy", "Component", "Subscription", "Configuration"} <= valid
    if rendered.values["monitoring"]["enabled"]:
        assert {"PodMonitor", "PrometheusRule"} <= valid


def test_kafka_exporter_pod_monitor_validates(kubeconform: Path, schemas: Path) -> None:
    results = validate(
        kubeconform,
        schemas,
        tools.schema_versions()[-1],
        [tools.REPO / "kafka" / "cluster" / "podmonitor.yaml"],
    )
    assert [(r["kind"], r["status"]) for r in results] == [("PodMonitor", "statusValid")]


def test_dapr_resources_of_the_repo_validate(kubeconform: Path, schemas: Path) -> None:
    """dapr/components, dapr/config (the chart's examples) and dapr/local (the stack's)."""
    files = sorted((tools.REPO / "dapr").rglob("*.yaml"))
    results = validate(kubeconform, schemas, tools.schema_versions()[-1], files)
    kinds = {r["kind"] for r in results if r["status"] == "statusValid"}
    assert {"Component", "Configuration", "Resiliency", "Subscription"} <= kinds


def test_schemas_are_strict_and_local(kubeconform: Path, schemas: Path, tmp_path: Path) -> None:
    """An unknown field fails (strict schemas), and every schema reference is a local file."""
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "i", "imagePullPolicee": "x"}]},
            },
        },
    }
    component = {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "x"},
        "spec": {"type": "pubsub.kafka", "version": "v1", "metadata": [{"nam": "brokers"}]},
    }
    pod_monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": "x"},
        "spec": {"selector": {}, "podMetricsEndpoints": [{"port": "http", "intervall": "30s"}]},
    }
    for doc in (deployment, component, pod_monitor):
        f = tmp_path / f"{doc['kind']}.yaml"
        f.write_text(yaml.safe_dump(doc))
        proc = tools.run(
            [
                kubeconform,
                "-strict",
                "-schema-location",
                f"{schemas}/kubernetes/v{tools.schema_versions()[0]}/{{{{.ResourceKind}}}}{{{{.KindSuffix}}}}.json",
                "-schema-location",
                f"{schemas}/crds/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json",
                f,
            ]
        )
        assert proc.returncode != 0, f"{doc['kind']} with an unknown field passed"
    for f in schemas.rglob("*.json"):
        text = f.read_text()
        assert '"$ref":"http' not in text and '"$ref": "http' not in text, f
