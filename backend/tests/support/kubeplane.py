"""A local Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler.

Everything listens on 127.0.0.1 (free ports), with certificates made by openssl (kubepki), RBAC
on, and Pod Security admission enforcing `restricted` for every namespace by an admission
configuration file (no exemptions: a namespace needs an explicit label to relax it). Without a
node (the chart tests) pods are created and admitted, never run; tests.support.localcluster
starts the same plane inside a network namespace and adds a node.

The binaries come from scripts/tools/kubernetes.sh and scripts/tools/etcd.sh (cached under
$TODO_CACHE); a missing one is an error naming the script to run.

    python -m tests.support.kubeplane      # from backend/: start one, print KUBECONFIG, Ctrl-C stops
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from tests.support.kubepki import SERVICE_CIDR, Pki, make_pki
from tests.support.netns import Netns
from tests.support.postgres import free_port

REPO = Path(__file__).resolve().parents[3]
TOOLS = REPO / "scripts" / "tools"
CACHE = Path(os.environ.get("TODO_CACHE", Path.home() / ".cache" / "todo"))

ADMISSION = {
    "apiVersion": "apiserver.config.k8s.io/v1",
    "kind": "AdmissionConfiguration",
    "plugins": [
        {
            "name": "PodSecurity",
            "configuration": {
                "apiVersion": "pod-security.admission.config.k8s.io/v1",
                "kind": "PodSecurityConfiguration",
                "defaults": {
                    f"{mode}{suffix}": value
                    for mode in ("enforce", "audit", "warn")
                    for suffix, value in (("", "restricted"), ("-version", "latest"))
                },
                "exemptions": {"usernames": [], "runtimeClasses": [], "namespaces": []},
            },
        }
    ],
}


def tool_bin(tool: str) -> Path:
    """The bin dir a scripts/tools/<tool>.sh build left in the cache (its default version)."""
    script = TOOLS / f"{tool}.sh"
    match = re.search(r"\$\{[A-Z_]+_VERSION:-([^}]+)\}", script.read_text())
    assert match, f"no default version in {script}"
    bin_dir = CACHE / tool / match.group(1) / "bin"
    if not (bin_dir / ".complete").exists():
        raise FileNotFoundError(
            f"{bin_dir} is missing: build it with `bash scripts/tools/{tool}.sh` "
            "(or `make tools`, which builds every tool the tests use)"
        )
    return bin_dir


def kube_bin() -> Path:
    return tool_bin("kubernetes")


# Inside a cluster's own network namespace the ports are the usual ones; the host reaches each
# through a relay on a free 127.0.0.1 port (tests.support.netns.forward).
NETNS_PORTS = {
    "etcd": 2379, "etcd_peer": 2380, "apiserver": 6443,
    "controller_manager": 10257, "scheduler": 10259,
}  # fmt: skip


@dataclass
class ControlPlane:
    root: Path
    pki: Pki
    server: str = ""
    kubeconfig: Path = Path()
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    netns: Netns | None = None
    # port inside -> host 127.0.0.1 port that reaches it (netns only)
    door: dict[int, int] = field(default_factory=dict)

    # ---- start ---------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        root: Path | None = None,
        netns: Netns | None = None,
        node_name: str = "",
        door: dict[int, int] | None = None,
        extra_doors: dict[int, str] | None = None,
    ) -> ControlPlane:
        """On host loopback (free ports, no node), or inside `netns` for a cluster with a node:
        then the apiserver also listens on the node's address (pods reach it through the
        `kubernetes` Service), `door` maps inside ports to fixed host ports, and `extra_doors`
        maps more host ports to addresses inside (the ingress, a Service)."""
        root = root or Path(tempfile.mkdtemp(prefix="todo-kube-"))
        kube, etcd = kube_bin(), tool_bin("etcd")
        node = (node_name, netns.node_ip) if netns else None
        plane = cls(root=root, pki=make_pki(root / "pki", node), netns=netns)
        try:
            if netns:
                plane.ports.update(NETNS_PORTS)
                wanted = door or {}
                plane.door = {p: wanted.get(p) or free_port() for p in NETNS_PORTS.values()}
                plane._spawn(
                    "forward",
                    [sys.executable, "-m", "tests.support.netns", "forward", netns.name]
                    + [f"127.0.0.1:{h}=127.0.0.1:{p}" for p, h in plane.door.items()]
                    + [f"127.0.0.1:{h}={t}" for h, t in (extra_doors or {}).items()],
                    inside=False,
                )
            plane._start_etcd(etcd / "etcd")
            plane._start_apiserver(kube / "kube-apiserver")
            plane._start_controllers(kube)
        except BaseException:
            plane.stop()
            raise
        return plane

    def _spawn(self, name: str, args: list[str | Path], inside: bool = True) -> None:
        prefix = self.netns.enter() if self.netns and inside else []
        log = (self.root / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [*prefix, *(str(a) for a in args)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        log.close()

    def reach(self, port: int) -> str:
        """host:port from which the host reaches `port` of the plane."""
        return f"127.0.0.1:{self.door[port]}" if self.netns else f"127.0.0.1:{port}"

    @property
    def inside_server(self) -> str:
        """The apiserver as the controllers, the node and kubectl inside the namespace see it."""
        return f"https://127.0.0.1:{self.ports['apiserver']}"

    def _start_etcd(self, etcd: Path) -> None:
        if not self.netns:
            self.ports.update(etcd=free_port(), etcd_peer=free_port())
        client, peer = self.ports["etcd"], self.ports["etcd_peer"]
        crt, key = self.pki.serving
        # Clients over TLS with client certificates (only the apiserver has one); the peer port
        # serves no one (a one-member cluster) and stays plain, on loopback.
        self._spawn(
            "etcd",
            [
                etcd, "--name=local", f"--data-dir={self.root / 'etcd'}",
                f"--listen-client-urls=https://127.0.0.1:{client}",
                f"--advertise-client-urls=https://127.0.0.1:{client}",
                f"--cert-file={crt}", f"--key-file={key}", "--client-cert-auth",
                f"--trusted-ca-file={self.pki.ca}",
                f"--listen-peer-urls=http://127.0.0.1:{peer}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
                f"--initial-cluster=local=http://127.0.0.1:{peer}",
                # Throwaway data: fsync buys nothing and costs seconds on a shared disk.
                "--unsafe-no-fsync", "--log-level=warn",
            ],
        )  # fmt: skip
        self._wait_tls(
            f"https://{self.reach(client)}/health", "etcd", 20, "kube-apiserver-etcd-client"
        )

    def _start_apiserver(self, binary: Path) -> None:
        if not self.netns:
            self.ports["apiserver"] = free_port()
        port = self.ports["apiserver"]
        self.server = f"https://{self.reach(port)}"
        admission = self.root / "admission.yaml"
        admission.write_text(yaml.safe_dump(ADMISSION))
        crt, key = self.pki.serving
        if self.netns:
            # Pods reach it through the `kubernetes` Service (the node's address); webhooks and
            # aggregated APIs (Dapr's injector, metrics-server) are called at their pods' IPs.
            kubelet_crt, kubelet_key = self.pki.client("kube-apiserver-kubelet-client")
            proxy_crt, proxy_key = self.pki.client("front-proxy-client")
            where = [
                "--bind-address=0.0.0.0", f"--advertise-address={self.netns.node_ip}",
                "--enable-aggregator-routing=true",
                f"--kubelet-client-certificate={kubelet_crt}",
                f"--kubelet-client-key={kubelet_key}",
                f"--kubelet-certificate-authority={self.pki.ca}",
                "--kubelet-preferred-address-types=InternalIP",
                f"--requestheader-client-ca-file={self.pki.ca}",
                f"--proxy-client-cert-file={proxy_crt}", f"--proxy-client-key-file={proxy_key}",
                "--requestheader-allowed-names=front-proxy-client",
                "--requestheader-username-headers=X-Remote-User",
                "--requestheader-group-headers=X-Remote-Group",
                "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            ]  # fmt: skip
        else:
            # The `kubernetes` Service's endpoints cannot be a loopback address (validation
            # refuses it); nothing without a node reaches the apiserver through the Service.
            where = [
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
                "--endpoint-reconciler-type=none",
            ]  # fmt: skip
        self._spawn(
            "kube-apiserver",
            [
                binary, *where,
                f"--secure-port={port}", f"--etcd-servers=https://127.0.0.1:{self.ports['etcd']}",
                f"--etcd-cafile={self.pki.ca}", *self._etcd_client_flags(),
                f"--tls-cert-file={crt}", f"--tls-private-key-file={key}",
                f"--client-ca-file={self.pki.ca}", "--anonymous-auth=false",
                "--authorization-mode=Node,RBAC", "--allow-privileged=false",
                f"--admission-control-config-file={admission}",
                "--enable-admission-plugins=NodeRestriction",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={self.pki.sa_pub}",
                f"--service-account-signing-key-file={self.pki.sa_key}",
                "--profiling=false",
            ],
        )  # fmt: skip
        self.kubeconfig = self.pki.kubeconfig("admin", self.server)
        self._wait_https(f"{self.server}/readyz", "kube-apiserver", 60)

    def _etcd_client_flags(self) -> list[str]:
        crt, key = self.pki.client("kube-apiserver-etcd-client")
        return [f"--etcd-certfile={crt}", f"--etcd-keyfile={key}"]

    def _serving_flags(self) -> list[str]:
        """The controllers serve /healthz with the apiserver's loopback certificate (our CA),
        rather than a self-signed one made at start, so readiness checks verify TLS."""
        crt, key = self.pki.serving
        return [f"--tls-cert-file={crt}", f"--tls-private-key-file={key}"]

    def _start_controllers(self, kube: Path) -> None:
        if not self.netns:
            self.ports.update(controller_manager=free_port(), scheduler=free_port())
        cm, sched = self.ports["controller_manager"], self.ports["scheduler"]
        self._spawn(
            "kube-controller-manager",
            [
                kube / "kube-controller-manager",
                f"--kubeconfig={self.pki.kubeconfig('system:kube-controller-manager', self.inside_server)}",
                "--bind-address=127.0.0.1", f"--secure-port={cm}", *self._serving_flags(),
                "--leader-elect=false", "--use-service-account-credentials=true",
                f"--service-account-private-key-file={self.pki.sa_key}",
                f"--root-ca-file={self.pki.ca}", "--profiling=false",
                # The HPAs scale their Deployments to minReplicas within seconds, not 15 s.
                "--horizontal-pod-autoscaler-sync-period=2s",
                # The tests make ~200 pods in a minute; the default 20 requests/s throttles them.
                "--kube-api-qps=200", "--kube-api-burst=400",
            ],
        )  # fmt: skip
        self._spawn(
            "kube-scheduler",
            [
                kube / "kube-scheduler",
                f"--kubeconfig={self.pki.kubeconfig('system:kube-scheduler', self.inside_server)}",
                "--bind-address=127.0.0.1", f"--secure-port={sched}", "--leader-elect=false",
                *self._serving_flags(),
                "--profiling=false",
            ],
        )  # fmt: skip
        for name, port in (("kube-controller-manager", cm), ("kube-scheduler", sched)):
            self._wait_https(f"https://{self.reach(port)}/healthz", name, 60)

    # ---- readiness -----------------------------------------------------------------------

    def _check_alive(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is not None:
            tail = (self.root / f"{name}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} exited with {proc.returncode}; its log ends:\n{tail}")

    def _wait(self, url: str, name: str, timeout: float, context: ssl.SSLContext) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive(name)
            try:
                if httpx.get(url, timeout=2, verify=context).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{name} not ready at {url} after {timeout}s; log: {self.root}/{name}.log"
                )
            time.sleep(0.2)

    def _wait_tls(self, url: str, name: str, timeout: float, user: str = "admin") -> None:
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        context.load_cert_chain(*map(str, self.pki.client(user)))
        self._wait(url, name, timeout, context)

    def _wait_https(self, url: str, name: str, timeout: float) -> None:
        self._wait_tls(url, name, timeout)

    # ---- stop ----------------------------------------------------------------------------

    def stop(self, keep: bool = False) -> None:
        """Stop every process, newest first. The apiserver can take > 10 s over SIGTERM (it
        drains requests): each gets a few seconds, then SIGKILL, always by its own PID."""
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        self.procs.clear()
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)


def main() -> None:
    plane = ControlPlane.start()
    print(
        f"export KUBECONFIG={plane.kubeconfig}   # logs in {plane.root}; Ctrl-C stops", flush=True
    )
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        plane.stop()


if __name__ == "__main__":
    main()
