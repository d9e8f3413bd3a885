"""A network namespace with no way out, and the only door into it: 127.0.0.1 ports on the host.

The local cluster (tests.support.localcluster) lives in one: its control plane, node, pod and
service networks. The namespace has a loopback, the node's address on it (a /32), a bridge for
the pods and a route for the Service range, and **no default route**: nothing inside can send a
packet off the machine. The host reaches it only through `forward`, a small TCP relay that
listens on host 127.0.0.1 ports and connects from inside the namespace.

    python -m tests.support.netns forward NAME 127.0.0.1:16443=10.200.0.1:6443 ...

Processes are put in it with `nsenter --net=/var/run/netns/NAME` (not `ip netns exec`: that
remounts /sys, and kubelet then finds no cgroup mounts).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNET = 0x40000000


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if check and proc.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


@dataclass(frozen=True)
class Netns:
    name: str
    node_ip: str  # on lo as a /32; the node's InternalIP, the apiserver's advertised address
    pod_cidr: str  # the bridge's subnet: gateway = its first address
    service_cidr: str

    @property
    def path(self) -> Path:
        return Path("/var/run/netns") / self.name

    @property
    def bridge(self) -> str:
        return "cni0"

    @property
    def gateway(self) -> str:
        net, bits = self.pod_cidr.split("/")
        a, b, c, d = (int(x) for x in net.split("."))
        return f"{a}.{b}.{c}.{d + 1}/{bits}"

    def enter(self) -> list[str]:
        """The prefix that runs a command inside the namespace."""
        return ["nsenter", f"--net={self.path}"]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _run(*self.enter(), *args, check=check)

    def exists(self) -> bool:
        return self.path.exists()

    def create(self) -> None:
        """Make the namespace (again, from nothing) with its addresses and routes."""
        if os.geteuid() != 0:
            raise PermissionError(
                "a network namespace needs root (the cluster scripts run as root)"
            )
        self.delete()
        _run("ip", "netns", "add", self.name)
        steps = [
            ["ip", "link", "set", "lo", "up"],
            ["ip", "addr", "add", f"{self.node_ip}/32", "dev", "lo"],
            # The bridge the CNI bridge plugin adopts (same name, gateway address already set):
            # made here so the Service range has somewhere to be routed before the first pod.
            ["ip", "link", "add", self.bridge, "type", "bridge"],
            ["ip", "addr", "add", self.gateway, "dev", self.bridge],
            ["ip", "link", "set", self.bridge, "up"],
            ["ip", "route", "add", self.service_cidr, "dev", self.bridge],
            ["sysctl", "-qw", "net.ipv4.ip_forward=1"],
            ["sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"],
            ["sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1"],
        ]
        for step in steps:
            self.run(*step)
        routes = self.run("ip", "route", "show").stdout
        if "default" in routes:  # a confinement promise, checked rather than assumed
            raise RuntimeError(f"netns {self.name} has a default route:\n{routes}")

    def delete(self) -> None:
        if self.exists():
            _run("ip", "netns", "delete", self.name, check=False)


# ---- the door: host 127.0.0.1 ports relayed into the namespace -----------------------------


def _setns(path: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    with path.open("rb") as f:
        if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({path}): {os.strerror(err)}")


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()


async def _serve(listeners: list[tuple[socket.socket, str, int]]) -> None:
    async def relay(target: tuple[str, int], cr: asyncio.StreamReader, cw: asyncio.StreamWriter):
        try:
            tr, tw = await asyncio.wait_for(asyncio.open_connection(*target), 10)
        except (OSError, TimeoutError):
            cw.close()
            return
        await asyncio.gather(_pump(cr, tw), _pump(tr, cw))
        for w in (cw, tw):
            w.close()

    servers = []
    for sock, host, port in listeners:
        servers.append(
            await asyncio.start_server(
                lambda r, w, t=(host, port): relay(t, r, w), sock=sock, limit=65536
            )
        )
    await asyncio.gather(*(s.serve_forever() for s in servers))


def forward(netns: str, mappings: list[str]) -> None:
    """Listen on each host `127.0.0.1:PORT` (in the host's namespace), then move this process
    into the cluster's namespace: the listening sockets stay where they were made, and every
    connection to a target is opened from inside."""
    listeners = []
    for mapping in mappings:
        listen, target = mapping.split("=")
        lhost, lport = listen.rsplit(":", 1)
        if lhost != "127.0.0.1":
            raise SystemExit(f"refusing to listen on {lhost}: the door is on 127.0.0.1 only")
        thost, tport = target.rsplit(":", 1)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((lhost, int(lport)))
        sock.listen(512)
        listeners.append((sock, thost, int(tport)))
    _setns(Path("/var/run/netns") / netns)
    print("forwarding " + " ".join(mappings), flush=True)
    asyncio.run(_serve(listeners))


def main(argv: list[str]) -> None:
    if len(argv) >= 3 and argv[0] == "forward":
        forward(argv[1], argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
