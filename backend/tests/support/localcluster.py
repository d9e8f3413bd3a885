"""A one-node Kubernetes cluster on this machine, confined to a network namespace of its own.

    python -m tests.support.localcluster up   [--name dev] [--dir ../.cluster] [--api-port 16443]
    python -m tests.support.localcluster down [--dir ../.cluster]

`up` creates the namespace (no default route: nothing inside can reach another machine), starts
etcd, kube-apiserver, kube-controller-manager and kube-scheduler (tests.support.kubeplane) and a
node (tests.support.kubenode: containerd, kubelet, kube-proxy, the CNI bridge) inside it, imports
the images, starts CoreDNS, and waits until the node is Ready and DNS answers. The host reaches
the cluster only through 127.0.0.1 ports (the apiserver; the ingress once deployed). The
processes outlive `up`; their PIDs are in <dir>/pids.json for `down`.

Needs root (namespaces, mounts, iptables inside the namespace) and the tools of
scripts/tools/{kubernetes,etcd,cni-plugins,coredns,cluster-images}.sh.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.support import kubenode
from tests.support.kubepki import SERVICE_CIDR
from tests.support.kubeplane import CACHE, REPO, TOOLS, ControlPlane, kube_bin
from tests.support.netns import Netns

NODE_IP = "10.200.0.1"
POD_CIDR = "10.244.0.0/24"
NODE_NAME = "todo-node"


def say(msg: str) -> None:
    print(f"[cluster {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def tool(script: str) -> Path:
    """Run scripts/tools/<script>.sh (it builds or fetches once, then answers from its cache)
    and return the path it prints last; its progress goes to our stderr."""
    out = subprocess.run(
        ["bash", str(TOOLS / f"{script}.sh")], stdout=subprocess.PIPE, text=True, check=False
    )
    if out.returncode:
        raise RuntimeError(f"scripts/tools/{script}.sh failed (its output is above)")
    return Path(out.stdout.strip().splitlines()[-1])


@dataclass
class Cluster:
    name: str
    root: Path
    plane: ControlPlane
    node: kubenode.Node
    netns: Netns
    kubectl_path: Path = field(default_factory=lambda: kube_bin() / "kubectl")

    @property
    def kubeconfig(self) -> Path:
        return self.plane.kubeconfig

    def kubectl(
        self, *args: str, check: bool = True, input: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.kubectl_path), f"--kubeconfig={self.kubeconfig}", *args],
            capture_output=True,
            text=True,
            input=input,
            check=False,
            timeout=timeout,
        )
        if check and proc.returncode:
            raise RuntimeError(f"kubectl {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
        return proc

    def apply(self, docs: list[dict[str, Any]]) -> None:
        self.kubectl(
            "apply", "--server-side", "--force-conflicts", "-f", "-",
            input=yaml.safe_dump_all(docs),
        )  # fmt: skip

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            for name in self.node.procs:
                self.node._alive(name)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not after {timeout:.0f} s (logs in {self.root})")
            time.sleep(1)

    def node_ready(self) -> bool:
        out = self.kubectl("get", "node", NODE_NAME, "-o", "json", check=False)
        if out.returncode:
            return False
        conditions = json.loads(out.stdout)["status"].get("conditions", [])
        return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)

    def rollout(self, namespace: str, kind_name: str, timeout: float = 180) -> None:
        self.kubectl(
            "rollout", "status", "-n", namespace, kind_name, f"--timeout={int(timeout)}s",
            timeout=timeout + 10,
        )  # fmt: skip

    @property
    def ca_file(self) -> Path:
        """The cluster CA of cert-manager's `local-ca` issuer (written by local.sh)."""
        return self.kubeconfig.parent / "local-ca.crt"

    def stop(self) -> None:
        self.node.stop()
        self.plane.stop(keep=True)
        self.netns.delete()


# ---- images ----------------------------------------------------------------------------------


def image_tars() -> list[tuple[Path, str]]:
    """Every image the cluster runs besides the app's: (tarball, ref) from cluster-images.sh."""
    out = tool("cluster-images")
    pairs = []
    for line in (out / "images.txt").read_text().splitlines():
        if line.strip():
            tar, ref = line.split()
            pairs.append((out / tar, ref))
    return pairs


def app_images() -> tuple[str, list[tuple[Path, str]]]:
    """Build the app's two images from the real Dockerfiles (podman, stand-in bases: see
    tests.cluster.images) and save them for containerd. Returns (tag, [(tarball, ref)])."""
    from tests.cluster import images  # podman helpers; imported here: they need pytest

    for kind in ("backend", "frontend"):
        say(f"building the {kind} image (podman, docker/{kind}.Dockerfile)")
        images.build(kind)
    ids = "".join(images.inspect(images.IMAGES[k])["Id"] for k in ("backend", "frontend"))
    tag = "local-" + hashlib.sha256(ids.encode()).hexdigest()[:12]
    out = CACHE / "cluster" / "app-images"
    out.mkdir(parents=True, exist_ok=True)
    tars = []
    for kind in ("backend", "frontend"):
        ref = f"localhost/todo/todo-{kind}:{tag}"
        tar = out / f"todo-{kind}-{tag}.tar"
        if not tar.exists():
            for old in out.glob(f"todo-{kind}-*.tar"):
                old.unlink()
            images.podman("tag", images.IMAGES[kind], ref)
            images.podman("save", "--format=docker-archive", "-o", str(tar), ref)
            images.podman("rmi", ref)
        tars.append((tar, ref))
    return tag, tars


def deploy(cluster: Cluster, ports: Ports, smoke: bool = True) -> None:
    """The product into the cluster by the cloud path: scripts/cloud/local.sh (platform pieces,
    Kafka, PostgreSQL, the chart through deploy.sh, then the smoke test over HTTPS)."""
    tag, tars = app_images()
    cluster.node.import_images(tars, say)
    env = {
        **os.environ,
        "KUBECONFIG": str(cluster.kubeconfig),
        "IMAGE_TAG": tag,
        "HTTPS_PORT": str(ports.https),
        "MAILBOX_PORT": str(ports.mailbox),
        "CA_FILE": str(cluster.ca_file),
        "SKIP_SMOKE": "" if smoke else "1",
    }
    t0 = time.monotonic()
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "cloud" / "local.sh")], env=env, check=False
    )
    if proc.returncode:
        raise RuntimeError(
            f"scripts/cloud/local.sh failed ({proc.returncode}); its output is above"
        )
    say(f"product deployed{' and smoke-tested' if smoke else ''} in {time.monotonic() - t0:.0f} s")


# ---- CoreDNS -----------------------------------------------------------------------------------

COREFILE = f""".:53 {{
    errors
    health 127.0.0.1:8080
    ready :8181
    kubernetes {kubenode.CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {{
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }}
    cache 30
    loadbalance
}}
"""


def coredns_manifests(image: str) -> list[dict[str, Any]]:
    """CoreDNS as the cluster's DNS: answers for cluster.local only (there is no upstream),
    on 53 in the pod as on its Service: a NetworkPolicy sees the pod's port (after the Service's
    DNAT), and the chart's DNS egress allows 53 as on every cloud. Pod Security `restricted` (uid
    65532, no capabilities) gets there with the namespaced safe sysctl
    net.ipv4.ip_unprivileged_port_start."""
    labels = {"k8s-app": "kube-dns"}
    meta = {"namespace": "kube-system"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "coredns", **meta}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "system:coredns"},
            "rules": [
                {"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"],
                 "verbs": ["list", "watch"]},
                {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"],
                 "verbs": ["list", "watch"]},
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "system:coredns"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": "system:coredns"},
            "subjects": [{"kind": "ServiceAccount", "name": "coredns", "namespace": "kube-system"}],
        },
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", **meta},
         "data": {"Corefile": COREFILE}},
        {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "coredns", **meta, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": "coredns",
                        "dnsPolicy": "Default",
                        "priorityClassName": "system-cluster-critical",
                        "securityContext": {"runAsNonRoot": True, "runAsUser": 65532,
                                            "seccompProfile": {"type": "RuntimeDefault"},
                                            "sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start",
                                                         "value": "53"}]},
                        "containers": [{
                            "name": "coredns", "image": image, "imagePullPolicy": "Never",
                            "args": ["-conf", "/etc/coredns/Corefile"],
                            "ports": [{"containerPort": 53, "protocol": "UDP", "name": "dns"},
                                      {"containerPort": 53, "protocol": "TCP", "name": "dns-tcp"}],
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181}},
                            "resources": {"requests": {"cpu": "20m", "memory": "32Mi"},
                                          "limits": {"memory": "128Mi"}},
                            "securityContext": {"allowPrivilegeEscalation": False,
                                                "readOnlyRootFilesystem": True,
                                                "capabilities": {"drop": ["ALL"]}},
                            "volumeMounts": [{"name": "config", "mountPath": "/etc/coredns"}],
                        }],
                        "volumes": [{"name": "config", "configMap": {"name": "coredns"}}],
                    },
                },
            },
        },
        {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kube-dns", **meta, "labels": labels},
            "spec": {
                "selector": labels, "clusterIP": kubenode.CLUSTER_DNS,
                "ports": [{"name": "dns", "port": 53, "targetPort": 53, "protocol": "UDP"},
                          {"name": "dns-tcp", "port": 53, "targetPort": 53, "protocol": "TCP"}],
            },
        },
    ]  # fmt: skip


# ---- up and down -------------------------------------------------------------------------------


# The host's doors to what the product deploys (scripts/cloud/local.sh): Traefik's HTTPS
# NodePort and the SMTP sink's mailbox (its Service has this fixed ClusterIP).
INGRESS_TARGET = f"{NODE_IP}:30443"
MAILBOX_TARGET = "10.96.0.12:8025"


@dataclass(frozen=True)
class Ports:
    """Host 127.0.0.1 ports of a cluster's doors."""

    api: int
    https: int
    mailbox: int


def up(name: str, root: Path, ports: Ports) -> Cluster:
    """Bring a cluster up from nothing (an old one of the same name is torn down first)."""
    if os.geteuid() != 0:
        raise PermissionError("the local cluster needs root (network namespace, mounts)")
    down(root, quiet=True)
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    say("tools: kubernetes, etcd, CNI plugins, CoreDNS, cluster images (built once, cached)")
    for script in ("kubernetes", "etcd"):
        tool(script)
    cni = tool("cni-plugins")
    tars = image_tars()
    netns = Netns(f"todo-{name}", NODE_IP, POD_CIDR, SERVICE_CIDR)
    say(
        f"network namespace {netns.name}: node {NODE_IP}, pods {POD_CIDR}, services {SERVICE_CIDR}, no default route"
    )
    netns.create()
    pids: dict[str, int] = {}
    plane = node = None
    try:
        plane = ControlPlane.start(
            root / "plane", netns=netns, node_name=NODE_NAME,
            door={6443: ports.api},
            extra_doors={ports.https: INGRESS_TARGET, ports.mailbox: MAILBOX_TARGET},
        )  # fmt: skip
        pids.update({f"plane/{k}": p.pid for k, p in plane.procs.items()})
        say(f"control plane up: {plane.server}")
        node = kubenode.Node(NODE_NAME, root / "node", CACHE / "cluster" / name / "containerd",
                             plane, netns)  # fmt: skip
        (root / "node").mkdir(parents=True, exist_ok=True)
        node.start_containerd(cni)
        say("containerd up; importing images")
        node.import_images(tars, say)
        node.start_kubelet()
        node.start_kube_proxy(POD_CIDR)
        pids.update({f"node/{k}": p.pid for k, p in node.procs.items()})
        cluster = Cluster(name, root, plane, node, netns)
        _write_state(root, cluster, pids)
        cluster.wait_for("node Ready", cluster.node_ready, 120)
        coredns = next(ref for _, ref in tars if "/coredns:" in ref)
        say("node Ready; starting CoreDNS")
        cluster.apply(coredns_manifests(coredns))
        cluster.rollout("kube-system", "deployment/coredns", 120)
        say(f"cluster up in {time.monotonic() - t0:.0f} s; KUBECONFIG={plane.kubeconfig}")
        return cluster
    except BaseException:
        if node:
            node.stop()
        if plane:
            plane.stop(keep=True)
        netns.delete()
        raise


def _write_state(root: Path, cluster: Cluster, pids: dict[str, int]) -> None:
    state = {
        "name": cluster.name,
        "netns": cluster.netns.name,
        "kubeconfig": str(cluster.kubeconfig),
        "server": cluster.plane.server,
        "containerd": str(cluster.node.socket),
        "pids": pids,
    }
    (root / "state.json").write_text(json.dumps(state, indent=1))


def down(root: Path, quiet: bool = False) -> None:
    """Stop whatever a previous `up` left under `root`: node first, then the plane, the relay,
    the namespace; then unmount and remove the run's files (the image store stays cached)."""
    state_file = root / "state.json"
    if not state_file.exists():
        if not quiet:
            say(f"no cluster state in {root}: nothing to stop")
        return
    state = json.loads(state_file.read_text())
    pids: dict[str, int] = state["pids"]
    kubenode.teardown(
        Path(state["containerd"]), f"/{state['netns']}", root,
        [pids.get("node/kube-proxy"), pids.get("node/kubelet")], pids.get("node/containerd"),
    )  # fmt: skip
    kubenode.terminate_all([pid for key, pid in pids.items() if key.startswith("plane/")])
    kubenode.unmount_under(root)
    Netns(state["netns"], NODE_IP, POD_CIDR, SERVICE_CIDR).delete()
    shutil.rmtree(root, ignore_errors=True)
    if not quiet:
        say(f"cluster {state['name']} stopped; {root} removed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("--name", default="dev")
    parser.add_argument("--dir", type=Path, default=REPO / ".cluster")
    parser.add_argument("--api-port", type=int, default=16443)
    parser.add_argument("--https-port", type=int, default=8443)
    parser.add_argument("--mailbox-port", type=int, default=18025)
    parser.add_argument("--no-deploy", action="store_true", help="the cluster only, no product")
    args = parser.parse_args()
    if args.command == "up":
        ports = Ports(args.api_port, args.https_port, args.mailbox_port)
        cluster = up(args.name, args.dir.resolve(), ports)
        if not args.no_deploy:
            deploy(cluster, ports)
        print(f"export KUBECONFIG={cluster.kubeconfig}")
        print(f"# the app: https://localhost:{ports.https}  (CA: {cluster.ca_file})")
        print(f"# the SMTP sink's mailbox: http://127.0.0.1:{ports.mailbox}/messages")
    else:
        down(args.dir.resolve())


if __name__ == "__main__":
    main()
