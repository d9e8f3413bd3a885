"""The chart as Helm deploys it: install with hooks, one upgrade, `helm test`.

The hook and test pods are admitted for real and then reported Succeeded by the stand-in
kubelet of release.py (no node runs containers here; the next step adds one).
"""

from __future__ import annotations

from tests.chart import tools
from tests.cluster.kube import Kube, failed_creates
from tests.cluster.release import Helm, finishing_hook_pods


def test_install_ran_the_migration_hook(release: tuple[Helm, str, list[str]], kube: Kube) -> None:
    helm, ns, hook_pods = release
    status = helm.status(ns)
    assert status["info"]["status"] == "deployed"
    assert status["version"] == 1
    assert any(p.startswith("todo-app-migrate-") for p in hook_pods), hook_pods
    assert failed_creates(kube, ns) == []


def test_upgrade_runs_the_hook_again(release: tuple[Helm, str, list[str]], kube: Kube) -> None:
    helm, ns, _ = release
    tag = "fedcba9876543210fedcba9876543210fedcba98"
    with finishing_hook_pods(kube, ns) as hook_pods:
        helm.upgrade(ns, *tools.helm_args("defaults"), "--set", f"image.tag={tag}")
    assert any(p.startswith("todo-app-migrate-") for p in hook_pods), hook_pods
    status = helm.status(ns)
    assert (status["info"]["status"], status["version"]) == ("deployed", 2)
    api = kube.json("get", "deployment", "todo-app-api", "-n", ns)
    assert api["spec"]["template"]["spec"]["containers"][0]["image"].endswith(tag)
    assert failed_creates(kube, ns) == []


def test_helm_test_pod_is_accepted(release: tuple[Helm, str, list[str]], kube: Kube) -> None:
    helm, ns, _ = release
    with finishing_hook_pods(kube, ns) as hook_pods:
        out = helm.run("test", tools.RELEASE, "-n", ns, "--timeout=60s").stdout
    assert hook_pods == ["todo-app-test"], hook_pods
    assert "Succeeded" in out, out
