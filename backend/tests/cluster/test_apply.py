"""Every shipped object, applied for real (server-side, strict) to the local kube-apiserver.

Each values combination the chart checks render (tests/chart/tools.RENDERS) goes into its own
namespace, hooks and `helm test` pods included (helm template renders them as plain objects).
The controller-manager then makes the Deployments' and Jobs' pods: each must be admitted under
Pod Security `restricted` (no node runs them; admission happens at creation). The rendered
examples in dapr/ and kafka/ are applied as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart import tools
from tests.cluster.kube import Kube, failed_creates, pod_security_warnings
from tests.cluster.renders import Applied, expected_pods

REPO = tools.REPO


@pytest.mark.parametrize("name", list(tools.RENDERS))
def test_chart_is_accepted_and_its_pods_admitted(
    name: str, kube: Kube, applied: dict[str, Applied]
) -> None:
    ns, docs, result = applied[name].namespace, applied[name].docs, applied[name].result
    assert result.returncode == 0, f"the apiserver refused {name}:\n{result.stderr}"
    assert not pod_security_warnings(result.stderr), result.stderr

    stored = json.loads(
        kube.run("get", "-f", "-", "-o", "json", stdin=yaml.safe_dump_all(docs)).stdout
    )
    sent = sorted((d["kind"], d["metadata"]["name"]) for d in docs)
    assert sorted((o["kind"], o["metadata"]["name"]) for o in stored["items"]) == sent
    assert {o["metadata"]["namespace"] for o in stored["items"]} == {ns}

    want = expected_pods(docs)
    assert want > 0
    kube.wait_for(
        f"{want} pods in {ns} (controllers: {failed_creates(kube, ns)})",
        lambda: len(kube.items("pods", ns)) >= want or failed_creates(kube, ns),
        timeout=120,
    )
    assert failed_creates(kube, ns) == []
    assert len(kube.items("pods", ns)) == want


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


EXAMPLES = sorted(
    [
        *(REPO / "dapr" / "components").glob("*.yaml"),
        *(REPO / "dapr" / "config").glob("*.yaml"),
        *(REPO / "kafka").glob("*.yaml"),
        *(REPO / "kafka" / "cluster").glob("*.yaml"),
        REPO / "scripts" / "cloud" / "manifests" / "cluster-issuers.yaml",
    ]
)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_manifest_is_accepted(path: Path, kube: Kube, crds: list[str]) -> None:
    docs = _docs(path)
    assert docs, f"{path} holds no objects"
    for ns in sorted({d["metadata"].get("namespace", "") for d in docs} - {""}):
        kube.namespace(ns)
    kube.apply(docs)
    stored = json.loads(
        kube.run("get", "-f", "-", "-o", "json", stdin=yaml.safe_dump_all(docs)).stdout
    )
    assert sorted((o["kind"], o["metadata"]["name"]) for o in stored["items"]) == sorted(
        (d["kind"], d["metadata"]["name"]) for d in docs
    )
