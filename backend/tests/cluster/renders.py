"""The chart's values combinations rendered per namespace and applied at once, for the tests.

All nine are applied concurrently, once per package (kubectl waits mostly on the apiserver, so
four at a time roughly halve the wall time on two cores); each test then judges its own.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.chart import tools
from tests.cluster.kube import Kube


def render(helm: Path, name: str, namespace: str) -> list[dict[str, Any]]:
    proc = tools.run(
        [
            helm,
            "template",
            tools.RELEASE,
            tools.CHART,
            "--namespace",
            namespace,
            *tools.helm_args(name),
        ]
    )
    assert proc.returncode == 0, f"helm template ({name}) failed:\n{proc.stderr}"
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def expected_pods(docs: list[dict[str, Any]]) -> int:
    """Pods the controllers must create: each Deployment's replicas, or its HPA's minReplicas
    (the HPA controller scales up to it: no metrics here), one per Job, plus the bare Pods
    (helm test) created by the apply itself."""
    hpa_min = {
        d["spec"]["scaleTargetRef"]["name"]: d["spec"].get("minReplicas", 1)
        for d in docs
        if d["kind"] == "HorizontalPodAutoscaler"
        and d["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    }
    total = 0
    for d in docs:
        if d["kind"] == "Deployment":
            name = d["metadata"]["name"]
            total += max(d["spec"].get("replicas", 1), hpa_min.get(name, 0))
        elif d["kind"] == "Job":
            total += d["spec"].get("parallelism", 1)
        elif d["kind"] == "Pod":
            total += 1
    return total


@dataclass(frozen=True)
class Applied:
    namespace: str
    docs: list[dict[str, Any]]
    result: subprocess.CompletedProcess[str]  # the server-side apply, judged by the tests


def apply_all(kube: Kube, helm: Path) -> dict[str, Applied]:
    def one(name: str) -> Applied:
        ns = kube.namespace(f"render-{name}")
        docs = render(helm, name, ns)
        return Applied(ns, docs, kube.apply(docs, check=False))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(tools.RENDERS, pool.map(one, tools.RENDERS), strict=True))
