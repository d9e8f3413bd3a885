"""The control plane itself: loopback only, the pinned version, RBAC and Pod Security really on."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.cluster.kube import Kube, failed_creates
from tests.support.kubeplane import ControlPlane

LOOPBACK = {"0100007F", "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}


def _listening(pids: list[int]) -> list[str]:
    """Every listening TCP socket (and bound UDP socket) of these processes, as hex addresses."""
    inodes: set[str] = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd) if fd.is_symlink() else ""
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            cols = line.split()
            local, state, inode = cols[1], cols[3], cols[9]
            listening = state == "0A" if table.startswith("tcp") else True
            if inode in inodes and listening:
                found.append(f"{table} {local}")
    return found


def test_binds_only_loopback(plane: ControlPlane, kube: Kube) -> None:
    sockets = _listening([p.pid for p in plane.procs.values()])
    assert len(sockets) >= 5, (
        sockets
    )  # etcd client + peer, apiserver, controller-manager, scheduler
    elsewhere = [s for s in sockets if s.split()[1].split(":")[0] not in LOOPBACK]
    assert not elsewhere, f"sockets not on 127.0.0.1: {elsewhere}"


def test_server_is_the_pinned_version(kube: Kube) -> None:
    script = (Path(__file__).resolve().parents[3] / "scripts/tools/kubernetes.sh").read_text()
    pinned = re.search(r"KUBERNETES_VERSION:-([^}]+)\}", script)
    assert pinned
    assert kube.json("version")["serverVersion"]["gitVersion"] == pinned.group(1)


def test_a_non_compliant_pod_is_refused(kube: Kube) -> None:
    """Admission is really on: a root, privileged-escalating pod is refused outright."""
    ns = kube.namespace("psa-proof")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "root-pod", "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "example.invalid/anything:1"}]},
    }
    proc = kube.run("create", "-f", "-", stdin=json.dumps(pod), check=False)
    assert proc.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in proc.stderr, proc.stderr


def test_a_controller_cannot_create_non_compliant_pods(kube: Kube) -> None:
    """The same for pods a controller makes: the Deployment is stored, its pods are refused."""
    ns = kube.namespace("psa-proof-deploy")
    labels = {"app": "bad"}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "bad", "namespace": ns},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "example.invalid/anything:1"}]},
            },
        },
    }
    proc = kube.apply([deployment])
    assert "would violate PodSecurity" in proc.stderr, proc.stderr  # the `warn` mode
    refused = kube.wait_for("a FailedCreate event", lambda: failed_creates(kube, ns))
    assert any("violates PodSecurity" in r for r in refused), refused
    assert kube.items("pods", ns) == []


def test_rbac_is_on(kube: Kube) -> None:
    ns = kube.namespace("rbac-proof")
    kube.run("create", "serviceaccount", "nobody", "-n", ns)
    who = f"--as=system:serviceaccount:{ns}:nobody"
    assert (
        kube.run("auth", "can-i", "list", "pods", "-n", ns, who, check=False).stdout.strip() == "no"
    )
    assert kube.run("get", "pods", "-n", ns, who, check=False).returncode != 0


def test_unknown_fields_are_refused(kube: Kube, crds: list[str]) -> None:
    """The applies are strict: a field the schema does not know fails, in a built-in kind and in
    a CRD (Dapr's), so "accepted" in the other tests means "every field understood"."""
    ns = kube.namespace("strict-proof")
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s", "namespace": ns},
        "spec": {"ports": [{"port": 80, "targetPot": 8080}]},
    }
    component = {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "c", "namespace": ns},
        "spec": {"type": "pubsub.kafka", "version": "v1", "metdata": []},
    }
    for doc, field in ((service, "targetPot"), (component, "metdata")):
        proc = kube.run(
            "apply",
            "--server-side",
            "--validate=strict",
            "-f",
            "-",
            stdin=json.dumps(doc),
            check=False,
        )
        assert proc.returncode != 0 and field in proc.stderr, proc.stderr
