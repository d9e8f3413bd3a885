"""The rendered NetworkPolicies allow exactly the flows of the architecture, nothing else.

A small evaluator of Kubernetes NetworkPolicy semantics reads every rendered policy and the
pods the release creates (Deployments, the migration Job, the `helm test` Pod, cert-manager's
solver pods) and computes the flows they allow:
  - a pod is isolated in a direction when any policy selecting it has that policyType;
  - what it may do is the union of the rules of the policies that select it;
  - a pod-to-pod flow inside the namespace needs both the sender's egress rule and the
    receiver's ingress rule (a one-sided rule is reported as such).
The expected set is written out below from the architecture (docs/cloud/README.md#network-flows),
with the peers that differ per cloud taken from the values.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.chart import tools

Peer = tuple[Any, ...]
Flow = tuple[str, str, str, int | str]  # (source, destination, protocol, port)

DAPR_ROLES = ["api", "audit", "recurrence", "reminders", "notifier", "realtime"]
SOLVER = "acme-solver"


def _pods(render: tools.Render) -> dict[str, dict[str, str]]:
    """Pod name (its component, or the solver) -> its labels."""
    pods: dict[str, dict[str, str]] = {}
    for doc in render.docs:
        if doc["kind"] in ("Deployment", "Job"):
            labels = doc["spec"]["template"]["metadata"]["labels"]
        elif doc["kind"] == "Pod":
            labels = doc["metadata"]["labels"]
        else:
            continue
        pods[labels["app.kubernetes.io/component"]] = labels
    # cert-manager creates these while it solves an HTTP-01 challenge in this namespace.
    pods[SOLVER] = {"acme.cert-manager.io/http01-solver": "true"}
    return pods


def _peers(rule_peers: list[dict[str, Any]] | None, pods: dict[str, dict[str, str]]) -> set[Peer]:
    if not rule_peers:
        return {("anything",)}
    out: set[Peer] = set()
    for peer in rule_peers:
        if "ipBlock" in peer:
            block = peer["ipBlock"]
            out.add(("cidr", block["cidr"], tuple(block.get("except", []))))
        elif "namespaceSelector" in peer:
            ns = peer["namespaceSelector"]
            assert set(ns) == {"matchLabels"}, f"only namespace-by-name selectors: {ns}"
            name = ns["matchLabels"]["kubernetes.io/metadata.name"]
            labels = tuple(sorted((peer.get("podSelector") or {}).get("matchLabels", {}).items()))
            assert labels, f"a whole namespace is never a peer: {peer}"
            out.add(("ns", name, labels))
        else:
            for name, labels in pods.items():
                if tools.selector_matches(peer["podSelector"], labels):
                    out.add(("pod", name))
    return out


def _ports(rule_ports: list[dict[str, Any]] | None) -> set[tuple[str, int | str]]:
    if not rule_ports:
        return {("any", "any")}
    return {(p.get("protocol", "TCP"), p["port"]) for p in rule_ports}


def allowed(render: tools.Render) -> tuple[set[Flow], list[str]]:
    pods = _pods(render)
    policies = render.kinds("NetworkPolicy")
    problems: list[str] = []
    egress: set[Flow] = set()
    ingress: set[Flow] = set()
    for name, labels in pods.items():
        selected = [p for p in policies if tools.selector_matches(p["spec"]["podSelector"], labels)]
        types = {t for p in selected for t in p["spec"]["policyTypes"]}
        if types != {"Ingress", "Egress"}:
            problems.append(f"{name} is not isolated in both directions (policyTypes {types})")
        for pol in selected:
            spec = pol["spec"]
            for rule in spec.get("ingress") or []:
                for peer in _peers(rule.get("from"), pods):
                    for proto, port in _ports(rule.get("ports")):
                        src = peer[1] if peer[0] == "pod" else peer
                        ingress.add((str(src), name, proto, port))
            for rule in spec.get("egress") or []:
                for peer in _peers(rule.get("to"), pods):
                    for proto, port in _ports(rule.get("ports")):
                        dst = peer[1] if peer[0] == "pod" else peer
                        egress.add((name, str(dst), proto, port))
    flows: set[Flow] = set()
    for flow in egress:
        if flow[1] in pods:  # pod -> pod: the receiver must allow it too
            if flow in ingress:
                flows.add(flow)
            else:
                problems.append(f"egress without matching ingress: {flow}")
        else:
            flows.add(flow)
    for flow in ingress:
        if flow[0] in pods:
            if flow not in egress:
                problems.append(f"ingress without matching egress: {flow}")
        else:
            flows.add(flow)
    return flows, problems


def expected(values: dict[str, Any]) -> set[Flow]:
    np = values["networkPolicy"]
    port = {r: values["roles"][r]["port"] for r in values["roles"]}

    def ns(name: str, labels: dict[str, str]) -> str:
        return str(("ns", name, tuple(sorted(labels.items()))))

    def cidrs(block: list[str]) -> list[str]:
        return [str(("cidr", c, ())) for c in block]

    ingress_ctrl = ns(np["ingressController"]["namespace"], np["ingressController"]["podLabels"])
    prometheus = ns(np["prometheus"]["namespace"], np["prometheus"]["podLabels"])
    dns = [ns(np["dns"]["namespace"], np["dns"]["podLabels"]), *cidrs(np["dns"].get("cidrs", []))]
    cp = values["dapr"]["controlPlaneNamespace"]
    control_plane = [
        (ns(cp, {"app": "dapr-sentry"}), 50001),
        (ns(cp, {"app": "dapr-operator"}), 6500),
        (ns(cp, {"app": "dapr-placement-server"}), 50005),
        (ns(cp, {"app": "dapr-scheduler-server"}), 50006),
    ]
    kafka = cidrs(np["kafka"].get("cidrs", []))
    if values["kafka"]["provider"] == "strimzi":
        s = values["kafka"]["strimzi"]
        kafka.append(
            ns(s["namespace"], {"strimzi.io/cluster": s["cluster"], "strimzi.io/kind": "Kafka"})
        )

    flows: set[Flow] = set()
    # The public entry: /, /api, /ws through the ingress controller; ACME challenges.
    flows |= {(ingress_ctrl, r, "TCP", port[r]) for r in ("frontend", "api", "realtime")}
    flows.add((ingress_ctrl, SOLVER, "TCP", 8089))
    # Service invocation, sidecar to sidecar: recurrence -> api, api -> audit.
    flows |= {("recurrence", "api", "TCP", 50002), ("api", "audit", "TCP", 50002)}
    # `helm test` -> api.
    flows.add(("test", "api", "TCP", port["api"]))
    for role in DAPR_ROLES:
        flows |= {(role, d, "TCP", p) for d, p in control_plane}
        flows |= {(role, k, "TCP", np["kafka"]["port"]) for k in kafka}
        flows |= {(role, c, "TCP", np["postgres"]["port"]) for c in cidrs(np["postgres"]["cidrs"])}
        flows |= {(prometheus, role, "TCP", p) for p in (port[role], 9090)}
    for role in [*DAPR_ROLES, "migrate", "test"]:
        flows |= {(role, d, proto, 53) for d in dns for proto in ("UDP", "TCP")}
    flows |= {("migrate", c, "TCP", np["postgres"]["port"]) for c in cidrs(np["postgres"]["cidrs"])}
    # Dapr's Kubernetes secret store in the reminders and notifier sidecars; mail.
    for role in ("reminders", "notifier"):
        flows |= {
            (role, c, "TCP", p)
            for c in cidrs(np["kubeApiServer"]["cidrs"])
            for p in np["kubeApiServer"]["ports"]
        }
    flows |= {("notifier", c, "TCP", np["smtp"]["port"]) for c in cidrs(np["smtp"]["cidrs"])}
    return flows


def test_default_deny_selects_every_pod(rendered: tools.Render) -> None:
    deny = rendered.one("NetworkPolicy", "todo-app-default-deny")["spec"]
    assert deny["podSelector"] == {}
    assert sorted(deny["policyTypes"]) == ["Egress", "Ingress"]
    assert not deny.get("ingress") and not deny.get("egress")


def test_policies_allow_exactly_the_architecture_flows(rendered: tools.Render) -> None:
    flows, problems = allowed(rendered)
    assert not problems, "\n".join(problems)
    want = expected(rendered.values)
    extra = sorted(flows - want, key=str)
    missing = sorted(want - flows, key=str)
    assert not extra and not missing, (
        f"{rendered.name}: flows allowed but not in the architecture:\n  "
        + "\n  ".join(map(str, extra))
        + "\nflows of the architecture not allowed:\n  "
        + "\n  ".join(map(str, missing))
    )


def test_frontend_talks_to_nobody(renders: dict[str, tools.Render]) -> None:
    flows, _ = allowed(renders["prod"])
    assert not [f for f in flows if f[0] == "frontend"]


@pytest.mark.parametrize(
    ("change", "flow"),
    [
        ("an egress rule to anything", ("api", "('anything',)", "any", "any")),
        ("an open ingress port", ("('anything',)", "audit", "TCP", 8000)),
    ],
)
def test_the_evaluator_sees_a_widened_policy(
    renders: dict[str, tools.Render], change: str, flow: Flow
) -> None:
    """The check is not vacuous: a widened policy shows up as an extra flow."""
    import copy

    render = copy.deepcopy(renders["prod"])
    target = "todo-app-api" if flow[0] == "api" else "todo-app-audit"
    spec = render.one("NetworkPolicy", target)["spec"]
    if flow[0] == "api":
        spec["egress"].append({})
    else:
        spec["ingress"].append({"ports": [{"protocol": "TCP", "port": 8000}]})
    flows, _ = allowed(render)
    assert flow in flows, change
    assert flows - expected(render.values), change
