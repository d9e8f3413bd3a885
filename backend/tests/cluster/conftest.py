"""One local control plane for this package's tests, with the CRDs every shipped object needs.

Package scope: under `make test` the plane stops once tests/cluster is done, not at the end
of the whole session.

Tools come from scripts/tools (kubernetes.sh, etcd.sh, helm.sh, k8s-schemas.sh), built once
into $TODO_CACHE by `make tools` or `make cluster-check`; a missing one fails the session with
the command to run. Nothing is skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.chart import tools
from tests.cluster import stand_in_crds
from tests.cluster.kube import Kube
from tests.cluster.release import Helm, finishing_hook_pods
from tests.cluster.renders import Applied, apply_all
from tests.support.kubeplane import ControlPlane, kube_bin


@pytest.fixture(scope="package")
def plane() -> Iterator[ControlPlane]:
    try:
        started = ControlPlane.start()
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield started
    started.stop()


@pytest.fixture(scope="package")
def kube(plane: ControlPlane) -> Kube:
    return Kube(kube_bin() / "kubectl", plane.kubeconfig)


@pytest.fixture(scope="package")
def helm() -> Path:
    return tools.go_tool("helm")


def crd_sources() -> tuple[Path, Path]:
    """Dapr's chart CRDs and prometheus-operator's CRDs, where k8s-schemas.sh found them."""
    marker = (tools.schemas_dir() / ".complete").read_text()
    dapr, promop = re.search(r" crds=(\S+)", marker), re.search(r" promop=(\S+)", marker)
    assert dapr and promop, f"k8s-schemas marker names no CRD dirs: {marker}"
    return Path(dapr.group(1)), Path(promop.group(1))


# The prometheus-operator kinds the chart and kafka/ use (the others are not shipped objects).
PROMOP_KINDS = ("podmonitors", "servicemonitors", "prometheusrules")


@pytest.fixture(scope="package")
def crds(kube: Kube) -> list[str]:
    """Install the CRDs and wait until the apiserver serves them; returns their names."""
    dapr, promop = crd_sources()
    docs = [d for f in sorted(dapr.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
    for kind in PROMOP_KINDS:
        docs += [
            d
            for d in yaml.safe_load_all((promop / f"monitoring.coreos.com_{kind}.yaml").read_text())
            if d
        ]
    docs += stand_in_crds.all_crds()
    kube.apply(docs)
    names = [d["metadata"]["name"] for d in docs]
    kube.run("wait", "--for=condition=Established", "--timeout=60s", *(f"crd/{n}" for n in names))
    return names


@pytest.fixture(scope="package")
def applied(kube: Kube, helm: Path, crds: list[str]) -> dict[str, Applied]:
    """Every values combination of the chart, applied for real, each in its own namespace."""
    return apply_all(kube, helm)


RELEASE_NS = "release"


@pytest.fixture(scope="package")
def release(
    kube: Kube, helm: Path, plane: ControlPlane, crds: list[str]
) -> tuple[Helm, str, list[str]]:
    """`helm install` of the chart (default values and the Secrets' --sets), hooks included.
    Returns the helm runner, the namespace and the hook pods that ran (see release.py)."""
    runner = Helm(helm, plane.kubeconfig, plane.root / "helm")
    ns = kube.namespace(RELEASE_NS)
    with finishing_hook_pods(kube, ns) as hook_pods:
        runner.install(ns, *tools.helm_args("defaults"))
    return runner, ns, list(hook_pods)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say it where everyone reads it: the images were built on stand-in bases."""
    report = tools.CACHE / "cluster-check" / "images.json"
    if not any(
        r.nodeid.startswith("tests/cluster/test_images")
        for r in terminalreporter.stats.get("passed", [])
    ):
        return
    terminalreporter.write_sep("-", "cluster images")
    terminalreporter.write_line(
        "NOTE: built from the real Dockerfiles on STAND-IN base images made from Debian packages "
        "(scripts/tools/base-images.sh); the real python / node / nginx-unprivileged images were NOT used."
    )
    if report.exists():
        terminalreporter.write_line(
            f"size and layers: {json.dumps(json.loads(report.read_text()))}"
        )
