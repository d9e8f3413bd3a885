"""The chart's NetworkPolicies are enforced in the local cluster.

The node's bridge CNI has no policy support: kube-router's policy controller
(scripts/cloud/manifests/local/kube-router.yaml, applied by scripts/cloud/local.sh before the
app) turns the policies into iptables rules and ipsets on the node. Probes are TCP connects made
with python inside the backend image. kube-router v2.1.0 REJECTs what no policy allows (ICMP
port unreachable: the client sees "connection refused" at once, not a timeout), so a refusal
alone would not tell the policy from a closed port. Every forbidden flow is therefore paired
with an allowed one to the same listening port, and the packet counter of the REJECT rule that
kube-router wrote for the pod must grow by the refused attempt.
"""

from __future__ import annotations

import json
import re
import ssl
import uuid
from typing import Any

import httpx

from tests.localcluster.conftest import pods
from tests.support.localcluster import Cluster, Ports

PROBE = (
    "import socket, sys, time\n"
    "host, port = sys.argv[1], int(sys.argv[2])\n"
    "t0 = time.monotonic()\n"
    "try:\n"
    "    socket.create_connection((host, port), timeout=float(sys.argv[3])).close(); r = 'connected'\n"
    "except ConnectionRefusedError: r = 'refused'\n"
    "except TimeoutError: r = 'timeout'\n"
    "except OSError as e: r = f'errno-{e.errno}'\n"
    "print(r, round(time.monotonic() - t0, 2))\n"
)
COUNTER = re.compile(r"^\[(\d+):\d+\] ")


def _pod(cluster: Cluster, role: str) -> dict[str, Any]:
    for pod in pods(cluster, "todo"):
        labels = pod["metadata"].get("labels", {})
        if (
            labels.get("app.kubernetes.io/component") == role
            and pod["status"]["phase"] == "Running"
        ):
            return pod
    raise AssertionError(f"no running {role} pod in namespace todo")


def _connect(
    cluster: Cluster, ns: str, pod: str, container: str, host: str, port: int, timeout: float = 5
) -> tuple[str, float]:
    out = cluster.kubectl(
        "exec", "-n", ns, pod, "-c", container, "--",
        "python", "-c", PROBE, host, str(port), str(timeout),
    ).stdout.split()  # fmt: skip
    return out[0], float(out[1])


def _rejected(cluster: Cluster, pod: str) -> int:
    """Packets kube-router's REJECT rule for `pod` (namespace todo) has refused so far: the rule
    ends the pod's KUBE-POD-FW chain, which both its inbound and outbound traffic go through."""
    rules = cluster.kubectl(
        "exec", "-n", "kube-router", "daemonset/kube-router", "--", "iptables-save", "-c", "-t", "filter"
    ).stdout  # fmt: skip
    counts = [
        int(m.group(1))
        for line in rules.splitlines()
        if f"POD name:{pod} namespace: todo" in line and "-j REJECT" in line
        if (m := COUNTER.match(line))
    ]
    assert counts, f"no REJECT rule for {pod} in the node's filter table:\n{rules[-3000:]}"
    return sum(counts)


def _refused_by_policy(
    cluster: Cluster, source: tuple[str, str, str], host: str, port: int, guarded: str
) -> None:
    """A connect from `source` (ns, pod, container) to host:port is refused by the REJECT rule
    of the todo pod `guarded` (the source's own chain for egress, the target's for ingress).
    kube-router rewrites its rules (counters back to 0) whenever pods or policies change: a
    sync between the two readings is told apart by trying again."""
    counts = []
    for _ in range(3):
        before = _rejected(cluster, guarded)
        result, seconds = _connect(cluster, *source, host, port)
        assert result == "refused", (source, host, port, result, seconds)
        assert seconds < 2, f"refused only after {seconds} s"
        after = _rejected(cluster, guarded)
        if after > before:
            return
        counts.append((before, after))
    raise AssertionError(f"the REJECT counter of {guarded} did not grow ({counts}): not the policy")


def test_kube_router_shares_the_iptables_backend_of_kube_proxy(cluster: Cluster) -> None:
    """One nf_tables ruleset holds kube-proxy's Service rules and kube-router's policy chains:
    with legacy on one side and nft on the other, neither would see the other's rules."""
    version = cluster.kubectl(
        "exec", "-n", "kube-router", "daemonset/kube-router", "--", "iptables", "--version"
    ).stdout
    assert "nf_tables" in version, version
    rules = cluster.kubectl(
        "exec", "-n", "kube-router", "daemonset/kube-router", "--", "iptables-save"
    ).stdout
    assert ":KUBE-SERVICES" in rules, "kube-proxy's chains are not in kube-router's view"
    assert "-j KUBE-ROUTER-FORWARD" in rules, "kube-router's chains are not hooked into FORWARD"
    assert re.search(r":KUBE-NWPLCY-\w+", rules), (
        "no policy chain: the chart's policies were not read"
    )


def test_egress_allowed_by_policy_passes_and_the_rest_is_refused(cluster: Cluster) -> None:
    """The same listening port, two sources: the notifier may reach the SMTP sink (its policy
    allows smtp), the api may not (its egress allows PostgreSQL, Kafka, the Dapr control plane,
    the audit sidecar and DNS). The api's PostgreSQL connection passes (its name resolved through
    the DNS policy: CoreDNS's pod port, 53, is what the rule matches after the Service's DNAT)."""
    api = _pod(cluster, "api")["metadata"]["name"]
    notifier = _pod(cluster, "notifier")["metadata"]["name"]
    assert _connect(cluster, "todo", api, "api", "postgres.infra.svc", 5432)[0] == "connected"
    assert (
        _connect(cluster, "todo", notifier, "notifier", "smtp-sink.infra.svc", 1025)[0]
        == "connected"
    )
    _refused_by_policy(cluster, ("todo", api, "api"), "smtp-sink.infra.svc", 1025, guarded=api)


def _throwaway(cluster: Cluster, image: str) -> str:
    """A pod of the backend image in `infra` (a namespace without policies), Pod Security
    restricted, that sleeps until deleted."""
    name = f"netpol-probe-{uuid.uuid4().hex[:6]}"
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "infra", "labels": {"app": "netpol-probe"}},
        "spec": {
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "terminationGracePeriodSeconds": 0,
            "containers": [{
                "name": "probe", "image": image, "imagePullPolicy": "Never",
                "command": ["python", "-c", "import time; time.sleep(900)"],
                "securityContext": {"allowPrivilegeEscalation": False,
                                    "capabilities": {"drop": ["ALL"]}},
                "resources": {"requests": {"cpu": "10m", "memory": "32Mi"},
                              "limits": {"memory": "128Mi"}},
            }],
        },
    }  # fmt: skip
    cluster.kubectl("apply", "-f", "-", input=json.dumps(pod))
    cluster.kubectl("wait", "-n", "infra", f"pod/{name}", "--for=condition=Ready", "--timeout=90s",
                    timeout=100)  # fmt: skip
    return name


def test_ingress_to_the_api_only_from_the_ingress_controller(
    cluster: Cluster, ports: Ports
) -> None:
    """Traefik reaches the api's port 8000 (an /api request through the ingress answers); a pod
    of another namespace is refused on the very same pod address and port, by the api pod's
    ingress policy, while that pod itself can reach PostgreSQL."""
    api = _pod(cluster, "api")
    name, ip = api["metadata"]["name"], api["status"]["podIP"]
    image = next(c["image"] for c in api["spec"]["containers"] if c["name"] == "api")
    with httpx.Client(
        base_url=f"https://localhost:{ports.https}",
        verify=ssl.create_default_context(cafile=str(cluster.ca_file)),
        timeout=20,
    ) as client:
        r = client.get("/api/me")
    assert r.status_code == 401, r.text  # answered by the api, through Traefik
    probe = _throwaway(cluster, image)
    try:
        assert (
            _connect(cluster, "infra", probe, "probe", "postgres.infra.svc", 5432)[0] == "connected"
        )
        _refused_by_policy(cluster, ("infra", probe, "probe"), ip, 8000, guarded=name)
        # The same through the api's Service (kube-proxy's DNAT first, then the policy).
        _refused_by_policy(
            cluster, ("infra", probe, "probe"), "todo-app-api.todo.svc", 8000, guarded=name
        )
    finally:
        cluster.kubectl("delete", "pod", "-n", "infra", probe, "--wait=false", check=False)
