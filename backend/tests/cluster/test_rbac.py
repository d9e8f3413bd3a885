"""Each ServiceAccount of the installed release can do what its role needs, and nothing more.

What a role needs is read from the release's own objects, not from its RBAC: the Dapr
Kubernetes secret store Component is scoped to some app-ids; those apps' sidecars `get` the
Secrets the other Components reference through it. So exactly the ServiceAccounts of those apps'
Deployments may `get` exactly those Secrets; every other ServiceAccount gets nothing beyond what
any fresh ServiceAccount has (discovery, self-reviews).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.chart import tools
from tests.cluster.kube import Kube
from tests.cluster.release import Helm
from tests.cluster.renders import Applied

Rule = tuple[str, str, str, str]  # verb, apiGroup, resource, resourceName ("" = any)


def _manifest(release: tuple[Helm, str, list[str]]) -> list[dict[str, Any]]:
    helm, ns, _ = release
    text = helm.run("get", "manifest", "todo-app", "-n", ns).stdout
    return [d for d in yaml.safe_load_all(text) if d]


def needs(docs: list[dict[str, Any]]) -> dict[str, set[Rule]]:
    """ServiceAccount name -> the rules its app needs (from the Dapr Components' wiring)."""
    components = [d for d in docs if d["kind"] == "Component"]
    stores = {
        c["metadata"]["name"]: c.get("scopes", [])
        for c in components
        if c["spec"]["type"] == "secretstores.kubernetes"
    }
    secrets: dict[str, set[str]] = {s: set() for s in stores}
    for c in components:
        store = (c.get("auth") or {}).get("secretStore")
        for item in c["spec"].get("metadata", []):
            if store in stores and "secretKeyRef" in item:
                secrets[store].add(item["secretKeyRef"]["name"])
    app_sa = {
        d["spec"]["template"]["metadata"]["annotations"]["dapr.io/app-id"]: d["spec"]["template"][
            "spec"
        ]["serviceAccountName"]
        for d in docs
        if d["kind"] == "Deployment"
        and "dapr.io/app-id" in d["spec"]["template"]["metadata"].get("annotations", {})
    }
    out: dict[str, set[Rule]] = {
        d["metadata"]["name"]: set() for d in docs if d["kind"] == "ServiceAccount"
    }
    for store, scopes in stores.items():
        for app in scopes:
            out[app_sa[app]] |= {("get", "", "secrets", name) for name in secrets[store]}
    return out


def granted(kube: Kube, ns: str, sa: str) -> set[Rule]:
    """What the apiserver's authorizer lists for `sa` in `ns`: a SelfSubjectRulesReview made as
    that ServiceAccount (`kubectl auth can-i --list --as=...`, as data). The apiserver adds the
    ServiceAccount's groups to an impersonated ServiceAccount user itself."""
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectRulesReview",
        "spec": {"namespace": ns},
    }
    user = f"system:serviceaccount:{ns}:{sa}"
    status = kube.create_as(user, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", review)[
        "status"
    ]
    # The Node authorizer cannot list rules and says so (incomplete); it only ever authorizes
    # system:node:<name> users, never a ServiceAccount, so RBAC's list is the whole answer.
    error = status.get("evaluationError", "")
    assert not status.get("incomplete") or (
        "node" in error.lower() and "rbac" not in error.lower()
    ), status
    return {
        (verb, group, resource, name)
        for r in status.get("resourceRules", [])
        for verb in r["verbs"]
        for group in r.get("apiGroups", [""])
        for resource in r.get("resources", [])
        for name in r.get("resourceNames") or [""]
    }


@pytest.fixture(scope="module")
def baseline(kube: Kube, release: tuple[Helm, str, list[str]]) -> set[Rule]:
    """What any ServiceAccount may do here without a binding of its own."""
    ns = release[1]
    kube.run("create", "serviceaccount", "rbac-baseline", "-n", ns)
    return granted(kube, ns, "rbac-baseline")


def test_the_release_has_secret_readers(release: tuple[Helm, str, list[str]]) -> None:
    wanted = needs(_manifest(release))
    readers = sorted(sa for sa, rules in wanted.items() if rules)
    assert readers == ["todo-app-notifier", "todo-app-reminders"], wanted


def mismatches(
    kube: Kube, ns: str, docs: list[dict[str, Any]], baseline: set[Rule]
) -> dict[str, Any]:
    wrong = {}
    for sa, rules in needs(docs).items():
        extra = granted(kube, ns, sa) - baseline
        if extra != rules:
            wrong[sa] = {"granted beyond baseline": sorted(extra), "needed": sorted(rules)}
    return wrong


def test_each_service_account_has_exactly_what_it_needs(
    kube: Kube, release: tuple[Helm, str, list[str]], baseline: set[Rule]
) -> None:
    assert not mismatches(kube, release[1], _manifest(release), baseline)


@pytest.mark.parametrize("name", [n for n in tools.RENDERS if n != "defaults"])
def test_every_values_combination_grants_exactly_what_is_needed(
    name: str, kube: Kube, applied: dict[str, Applied], baseline: set[Rule]
) -> None:
    """The same equality for the other values combinations (other Secret names, roles
    switched off), as test_apply applied them."""
    render = applied[name]
    assert render.result.returncode == 0, render.result.stderr
    assert not mismatches(kube, render.namespace, render.docs, baseline)


def test_point_checks(kube: Kube, release: tuple[Helm, str, list[str]]) -> None:
    """The same, asked the way an operator would (`kubectl auth can-i`), for the risky verbs."""
    ns = release[1]
    docs = _manifest(release)

    def can(sa: str, *what: str) -> bool:
        proc = kube.run(
            "auth", "can-i", *what, "-n", ns, f"--as=system:serviceaccount:{ns}:{sa}", check=False
        )
        return proc.stdout.strip() == "yes"

    state_secret = "todo-app-dapr-state"
    assert any(d["kind"] == "Secret" and d["metadata"]["name"] == state_secret for d in docs)
    readers = ("todo-app-reminders", "todo-app-notifier")
    for sa in needs(docs):
        assert can(sa, "get", f"secret/{state_secret}") is (sa in readers), sa
    # The readers are the only accounts with any grant of their own (the equality above): the
    # risky neighbours of theirs are asked one by one.
    for sa in readers:
        assert not can(sa, "list", "secrets"), sa
        assert not can(sa, "watch", "secrets"), sa
        assert not can(sa, "get", "secret/todo-app-dapr-api-token"), sa
        assert not can(sa, "create", "pods"), sa
        assert not can(sa, "get", "configmaps"), sa
        assert not can(sa, "list", "secrets", "--all-namespaces"), sa
