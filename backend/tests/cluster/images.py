"""podman with the project's private configuration, and each role's container as the chart runs it.

The bases are stand-ins made from Debian packages (scripts/tools/base-images.sh), tagged with the
Dockerfiles' FROM names: the real python/node/nginx-unprivileged images were NOT used (no
registry is reachable here). The Dockerfiles themselves are the real, unchanged ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.chart import tools

CONF = tools.CACHE / "podman" / "conf"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
STAND_IN_LABEL = "todo.stand-in"
IMAGES = {"backend": "localhost/todo-backend:test", "frontend": "localhost/todo-frontend:test"}


def podman(
    *args: str, check: bool = True, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    if not (CONF / "containers.conf").exists():
        pytest.fail(
            f"{CONF}/containers.conf is missing: run `bash scripts/tools/podman.sh`", pytrace=False
        )
    env = {
        **os.environ,
        "CONTAINERS_CONF": str(CONF / "containers.conf"),
        "CONTAINERS_STORAGE_CONF": str(CONF / "storage.conf"),
    }
    proc = subprocess.run(
        ["podman", *args], capture_output=True, text=True, env=env, check=False, timeout=timeout
    )
    if check and proc.returncode:
        raise AssertionError(
            f"podman {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    return proc


def from_names(dockerfile: Path) -> list[str]:
    """The FROM images of a Dockerfile (not its own stage names)."""
    stages: set[str] = set()
    out = []
    for line in dockerfile.read_text().splitlines():
        parts = line.split()
        if parts[:1] == ["FROM"]:
            if parts[1] not in stages:
                out.append(parts[1])
            if len(parts) >= 4 and parts[2].upper() == "AS":
                stages.add(parts[3])
    return out


def build(kind: str) -> None:
    """Build docker/<kind>.Dockerfile as it is: host network (the registries), the host's CA
    bundle (TLS is intercepted here), its own .dockerignore, never pulling a base; Docker's image
    format, as `docker build` makes (OCI has no HEALTHCHECK)."""
    dockerfile = tools.REPO / "docker" / f"{kind}.Dockerfile"
    podman(
        "build", "--pull=never", "--network=host", "--layers", "--format=docker",
        f"--volume={CA_BUNDLE}:{CA_BUNDLE}:ro",
        f"--ignorefile={dockerfile}.dockerignore",
        "-f", str(dockerfile), "-t", IMAGES[kind], str(tools.REPO),
    )  # fmt: skip


def inspect(image: str) -> dict[str, Any]:
    return dict(json.loads(podman("image", "inspect", image).stdout)[0])


@dataclass
class RoleSpec:
    """One Deployment's container, as the chart renders it."""

    role: str
    kind: str  # backend | frontend
    args: list[str]
    uid: int
    gid: int
    writable: list[str]  # mountPaths of the pod's volumes: the only places it may write
    port: int
    liveness: str
    env: dict[str, str]


def role_specs(docs: list[dict[str, Any]]) -> list[RoleSpec]:
    specs = []
    for d in docs:
        if d["kind"] != "Deployment":
            continue
        pod = d["spec"]["template"]["spec"]
        (c,) = pod["containers"]
        sc = c["securityContext"]
        assert sc["readOnlyRootFilesystem"] and sc["capabilities"]["drop"] == ["ALL"], sc
        assert sc["allowPrivilegeEscalation"] is False, sc
        kind = "frontend" if "frontend" in c["image"] else "backend"
        specs.append(
            RoleSpec(
                role=c["name"],
                kind=kind,
                args=c.get("args", []),
                uid=sc["runAsUser"],
                gid=sc["runAsGroup"],
                writable=[m["mountPath"] for m in c.get("volumeMounts", [])],
                port=c["ports"][0]["containerPort"],
                liveness=c["livenessProbe"]["httpGet"]["path"],
                env={e["name"]: e["value"] for e in c.get("env", []) if "value" in e},
            )
        )
    return specs


# What the chart takes from Secrets (and a database: SQLite in the pod's writable /tmp, since the
# container has no network to reach a PostgreSQL server).
SECRET_ENV = {
    "DATABASE_URL": "sqlite+aiosqlite:////tmp/todo.db",
    "TODO_JWT_SECRET": "0123456789abcdef0123456789abcdef",
    "DAPR_API_TOKEN": "test-dapr-token",
    "APP_API_TOKEN": "test-app-token",
}


def run_args(spec: RoleSpec, read_only: bool = True) -> list[str]:
    """`podman run` flags equal to the chart's securityContext and volumes, and no network."""
    args = [
        "--network=none", f"--user={spec.uid}:{spec.gid}", "--cap-drop=ALL",
        "--security-opt=no-new-privileges",
        # The tests probe the chart's liveness path themselves; podman's HEALTHCHECK timers
        # need systemd, which this machine does not run.
        "--no-healthcheck",
        # podman would add the --user UID to the image's /etc/passwd when missing there (the
        # frontend's 10101 is): that write is podman's, and a kubelet does not do it.
        "--passwd=false",
        # podman's --read-only would add its own tmpfs on /tmp, /var/tmp, /run: only the pod's
        # declared volumes may be writable, so those extras are turned off.
        f"--read-only={str(read_only).lower()}", "--read-only-tmpfs=false",
    ]  # fmt: skip
    for path in spec.writable:
        args.append(f"--tmpfs={path}:rw,size=64m,mode=1777")
    env = {**spec.env, **SECRET_ENV} if spec.kind == "backend" else spec.env
    for key, value in env.items():
        args.append(f"--env={key}={value}")
    return args


def probe_cmd(spec: RoleSpec) -> list[str]:
    url = f"http://127.0.0.1:{spec.port}{spec.liveness}"
    if spec.kind == "frontend":
        return ["wget", "-q", "-O", "-", url]
    return [
        "python",
        "-c",
        f"import urllib.request as u; print(u.urlopen({url!r}, timeout=2).status)",
    ]


def start(spec: RoleSpec, read_only: bool = True) -> str:
    name = f"todo-{spec.role}-{uuid.uuid4().hex[:8]}"
    podman("run", "-d", f"--name={name}", *run_args(spec, read_only), IMAGES[spec.kind], *spec.args)
    return name


def wait_healthy(name: str, spec: RoleSpec, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        proc = podman("exec", name, *probe_cmd(spec), check=False)
        if proc.returncode == 0:
            return proc.stdout
        state = json.loads(podman("inspect", name).stdout)[0]["State"]
        if not state["Running"] or time.monotonic() > deadline:
            logs = podman("logs", name, check=False)
            raise AssertionError(
                f"{spec.role}: no answer on {spec.liveness} (running={state['Running']}):\n"
                f"{proc.stderr}\n--- logs ---\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}"
            )
        time.sleep(0.5)


# What podman itself puts into every container (bind mounts), whatever the image does.
PODMAN_OWN = {
    "/etc",
    "/etc/hosts",
    "/etc/hostname",
    "/etc/resolv.conf",
    "/run",
    "/run/.containerenv",
}


def writes_outside(name: str, spec: RoleSpec) -> list[str]:
    """`podman diff` of a container, less podman's own files and the pod's volumes."""
    out = []
    for line in podman("diff", name).stdout.splitlines():
        path = line.split(maxsplit=1)[-1].strip() if line.strip() else ""
        inside = any(path == w or path.startswith(w.rstrip("/") + "/") for w in spec.writable)
        if path and path not in PODMAN_OWN and not inside:
            out.append(line)
    return out


def remove(name: str) -> None:
    podman("rm", "--force", "--time=2", name, check=False)
