"""A Kubernetes node inside the cluster's network namespace: containerd, kubelet, kube-proxy.

Versions and settings that really run on these machines (docs/adr/0007-local-cluster.md):
Debian's containerd 1.6 with runc; kubelet 1.37 on cgroup v1 (`failCgroupV1: false`) with the
cgroupfs driver (no systemd here); containerd's CRI `restrict_oom_score_adj` (root lacks
CAP_SYS_RESOURCE: without it runc fails with "can't get final child's PID from pipe"); the CNI
bridge plugin for pods; a local pause image as the sandbox image. Nothing is ever pulled: every
image is imported from a tarball (scripts/tools/cluster-images.sh and the app's podman builds).

Every path is the node's own (containerd root/state/socket, kubelet root, pod logs, CNI config
and IPAM data, a cgroup parent of its own), so a node for the tests and one from `make cluster`
never share state.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.support.kubeplane import ControlPlane, kube_bin, tool_bin
from tests.support.netns import Netns

PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
CLUSTER_DNS = "10.96.0.10"
CLUSTER_DOMAIN = "cluster.local"


def _mounts_under(prefix: Path) -> list[str]:
    out = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        target = line.split()[1].replace("\\040", " ")
        if target == str(prefix) or target.startswith(f"{prefix}/"):
            out.append(target)
    return sorted(out, key=len, reverse=True)


def unmount_under(prefix: Path) -> None:
    """Pod volumes (secrets, projected tokens) are tmpfs mounts under the kubelet's root and
    pod network namespaces are bind mounts: unmount them before removing the directory."""
    for target in _mounts_under(prefix):
        subprocess.run(["umount", "-l", target], capture_output=True, check=False)


@dataclass
class Node:
    name: str
    root: Path  # this run's state: configs, logs, kubelet root
    store: Path  # containerd's root: images stay imported from one run to the next
    plane: ControlPlane
    netns: Netns
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def socket(self) -> Path:
        return self.root / "containerd" / "containerd.sock"

    @property
    def cgroup_parent(self) -> str:
        return f"/{self.netns.name}"

    # ---- processes -------------------------------------------------------------------------

    def _spawn(self, name: str, args: list[str | Path]) -> None:
        log = (self.root / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [*self.netns.enter(), *(str(a) for a in args)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def _alive(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is not None:
            tail = (self.root / f"{name}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} exited with {proc.returncode}; its log ends:\n{tail}")

    def ctr(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            ["ctr", f"--address={self.socket}", "--namespace=k8s.io", *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        if proc.returncode:
            raise RuntimeError(f"ctr {' '.join(args)} failed: {proc.stderr.strip()[-2000:]}")
        return proc

    # ---- containerd --------------------------------------------------------------------------

    def start_containerd(self, cni_bin: Path) -> None:
        (self.root / "containerd").mkdir(parents=True, exist_ok=True)
        self.store.mkdir(parents=True, exist_ok=True)
        cni_conf = self.root / "cni" / "net.d"
        cni_conf.mkdir(parents=True, exist_ok=True)
        (cni_conf / "10-todo.conflist").write_text(json.dumps(self._cni_config(), indent=2))
        config = self.root / "containerd" / "config.toml"
        config.write_text(
            f"""version = 2
root = "{self.store}"
state = "{self.root / "containerd" / "state"}"
# Only the CRI plugin and what it needs; no ttrpc/debug/metrics listeners.
disabled_plugins = ["io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "{self.socket}"
[plugins."io.containerd.internal.v1.opt"]
  path = "{self.root / "containerd" / "opt"}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{cni_bin}"
    conf_dir = "{cni_conf}"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
"""
        )
        self._spawn("containerd", ["containerd", f"--config={config}"])
        deadline = time.monotonic() + 30
        while True:
            self._alive("containerd")
            if self.socket.exists():
                try:
                    self.ctr("version", timeout=5)
                    return
                except (RuntimeError, subprocess.TimeoutExpired):
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"containerd not ready; log: {self.root}/containerd.log")
            time.sleep(0.2)

    def _cni_config(self) -> dict[str, object]:
        return {
            "cniVersion": "1.0.0",
            "name": "todo",
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": self.netns.bridge,
                    "isGateway": True,
                    "ipMasq": False,  # there is nowhere to masquerade to: no way out
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "dataDir": str(self.root / "cni" / "ipam"),
                        "ranges": [[{"subnet": self.netns.pod_cidr}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                    },
                },
                {"type": "portmap", "capabilities": {"portMappings": True}},
            ],
        }

    def images(self) -> set[str]:
        out = self.ctr("images", "ls", "-q").stdout
        return set(out.split())

    def import_images(
        self, tars: list[tuple[Path, str]], say: Callable[[str], None] = print
    ) -> None:
        """Import each (tarball, ref) not already in the store with the same tarball (a stamp
        beside the store records which tarball each ref came from)."""
        stamps = self.store / "todo-imports.json"
        seen: dict[str, str] = json.loads(stamps.read_text()) if stamps.exists() else {}
        have = self.images()
        for tar, ref in tars:
            stamp = f"{tar}:{tar.stat().st_size}:{int(tar.stat().st_mtime)}"
            if ref in have and seen.get(ref) == stamp:
                continue
            t0 = time.monotonic()
            self.ctr("images", "import", "--no-unpack", "--all-platforms", str(tar))
            if ref not in self.images():
                raise RuntimeError(f"importing {tar} did not give {ref}: {sorted(self.images())}")
            seen[ref] = stamp
            stamps.write_text(json.dumps(seen, indent=1))
            say(f"imported {ref} ({tar.stat().st_size >> 20} MiB, {time.monotonic() - t0:.0f} s)")

    # ---- kubelet and kube-proxy ---------------------------------------------------------------

    def start_kubelet(self) -> None:
        kube = kube_bin()
        make_cgroups(self.cgroup_parent)
        root = self.root / "kubelet"
        root.mkdir(parents=True, exist_ok=True)
        crt, key = self.plane.pki.kubelet_serving
        config = {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            # cgroup v1 (hybrid) here, and no systemd: both are deprecated paths in 1.37 that
            # still work when asked for explicitly (ADR 0007).
            "failCgroupV1": False,
            "cgroupDriver": "cgroupfs",
            "cgroupRoot": self.cgroup_parent,
            "containerRuntimeEndpoint": f"unix://{self.socket}",
            "address": self.netns.node_ip,
            "port": 10250,
            "readOnlyPort": 0,
            "healthzBindAddress": "127.0.0.1",
            "healthzPort": 10248,
            "tlsCertFile": str(crt),
            "tlsPrivateKeyFile": str(key),
            "authentication": {
                "anonymous": {"enabled": False},
                "webhook": {"enabled": True},
                "x509": {"clientCAFile": str(self.plane.pki.ca)},
            },
            "authorization": {"mode": "Webhook"},
            "clusterDNS": [CLUSTER_DNS],
            "clusterDomain": CLUSTER_DOMAIN,
            # No upstream resolver: nothing in the cluster resolves names outside it.
            "resolvConf": str(self._resolv_conf()),
            "podLogsDir": str(self.root / "pod-logs"),
            "failSwapOn": False,
            "makeIPTablesUtilChains": False,
            "serializeImagePulls": False,
            # A shared 2-core development machine: do not evict for its disk or memory use.
            "evictionHard": {"memory.available": "50Mi", "nodefs.available": "1%",
                             "imagefs.available": "1%", "nodefs.inodesFree": "1%"},
            "imageGCHighThresholdPercent": 100,
            "imageGCLowThresholdPercent": 99,
            "maxPods": 110,
            "nodeStatusReportFrequency": "10s",
            "shutdownGracePeriod": "0s",
        }  # fmt: skip
        conf_file = self.root / "kubelet-config.yaml"
        conf_file.write_text(yaml.safe_dump(config))
        kubeconfig = self.plane.pki.kubeconfig(f"system:node:{self.name}", self.plane.inside_server)
        self._spawn(
            "kubelet",
            [
                kube / "kubelet", f"--config={conf_file}", f"--kubeconfig={kubeconfig}",
                f"--root-dir={root}", f"--cert-dir={root / 'pki'}",
                f"--node-ip={self.netns.node_ip}", f"--hostname-override={self.name}",
                "--v=1",
            ],
        )  # fmt: skip

    def _resolv_conf(self) -> Path:
        path = self.root / "resolv.conf"
        path.write_text("# the local cluster has no upstream resolver\n")
        return path

    def start_kube_proxy(self, cluster_cidr: str) -> None:
        kube = kube_bin()
        config = {
            "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
            "kind": "KubeProxyConfiguration",
            "mode": "iptables",
            "clusterCIDR": cluster_cidr,
            "clientConnection": {
                "kubeconfig": str(
                    self.plane.pki.kubeconfig("system:kube-proxy", self.plane.inside_server)
                )
            },
            "hostnameOverride": self.name,
            "bindAddress": self.netns.node_ip,
            "healthzBindAddress": "127.0.0.1:10256",
            "metricsBindAddress": "127.0.0.1:10249",
            # The conntrack table is the machine's: a namespace may not resize it.
            "conntrack": {"maxPerCore": 0, "min": 0},
            "iptables": {"masqueradeAll": False, "localhostNodePorts": False},
            "nodePortAddresses": [f"{self.netns.node_ip}/32"],
        }
        conf_file = self.root / "kube-proxy-config.yaml"
        conf_file.write_text(yaml.safe_dump(config))
        self._spawn("kube-proxy", [kube / "kube-proxy", f"--config={conf_file}"])

    # ---- stop ----------------------------------------------------------------------------------

    def stop(self) -> None:
        agents = [self.procs.get("kube-proxy"), self.procs.get("kubelet")]
        teardown(self.socket, self.cgroup_parent, self.root, agents, self.procs.get("containerd"))
        self.procs.clear()


Proc = subprocess.Popen[bytes] | int | None


def teardown(
    socket: Path, cgroup_parent: str, root: Path, agents: list[Proc], containerd: Proc
) -> None:
    """Stop a node, from this process or from another (`down`): kube-proxy and kubelet first (so
    nothing restarts), every container and its pod's network namespace, containerd and its
    shims, then the mounts and cgroups the pods left."""
    for proc in agents:
        terminate(proc)
    pod_netns: set[str] = set()
    if socket.exists():
        ctr = ["ctr", f"--address={socket}", "--namespace=k8s.io"]
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            ids = subprocess.run(
                [*ctr, "containers", "ls", "-q"], capture_output=True, text=True, timeout=20
            ).stdout.split()
            for cid in ids:
                info = subprocess.run(
                    [*ctr, "containers", "info", cid], capture_output=True, text=True, timeout=20
                ).stdout
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    for ns in json.loads(info)["Spec"]["linux"]["namespaces"]:
                        if ns["type"] == "network" and ns.get("path", "").startswith(
                            "/var/run/netns/"
                        ):
                            pod_netns.add(ns["path"].rsplit("/", 1)[1])
                subprocess.run([*ctr, "tasks", "kill", "-s", "SIGKILL", cid],
                               capture_output=True, timeout=20)  # fmt: skip
    terminate(containerd)
    kill_shims(socket)
    for name in pod_netns:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, check=False)
    unmount_under(root)
    remove_cgroups(cgroup_parent)


def _cgroup_dirs(parent: str) -> list[Path]:
    """The node's cgroup in each v1 hierarchy."""
    base = Path("/sys/fs/cgroup")
    return [
        d / parent.lstrip("/")
        for d in sorted(base.iterdir())
        if d.is_dir() and not d.is_symlink() and d.name != "unified"
    ]


def make_cgroups(parent: str) -> None:
    """kubelet wants its cgroup root to exist in every hierarchy."""
    for d in _cgroup_dirs(parent):
        d.mkdir(exist_ok=True)
        if d.parent.name == "cpuset":  # a v1 cpuset is empty until given cpus and mems
            for f in ("cpuset.cpus", "cpuset.mems"):
                (d / f).write_text((d.parent / f).read_text())


def remove_cgroups(parent: str) -> None:
    for d in _cgroup_dirs(parent):
        if d.exists():
            subs = sorted((p for p in d.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
            for sub in [*subs, d]:
                with contextlib.suppress(OSError):
                    sub.rmdir()


def kill_shims(socket: Path) -> None:
    """containerd's shims outlive it by design: kill the ones this node's containerd started
    (and so every container process under them)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"containerd-shim-runc-v2") and str(socket).encode() in cmd:
            try:
                os.killpg(int(pid), 9)
            except OSError:
                with contextlib.suppress(OSError):
                    os.kill(int(pid), 9)


def terminate_all(pids: list[int], wait: float = 5) -> None:
    """SIGTERM every PID at once, SIGKILL what is left after `wait` s (the apiserver can
    ignore SIGTERM for more than 10 s)."""
    alive = []
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            alive.append(pid)
    deadline = time.monotonic() + wait
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if _running(p)]
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def terminate(proc: Proc, wait: float = 5) -> None:
    """SIGTERM, then SIGKILL after `wait` s: a Popen of ours, or a PID from another run."""
    if proc is None:
        return
    if isinstance(proc, int):
        terminate_all([proc], wait)
        return
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def cni_bin() -> Path:
    return tool_bin("cni-plugins")
