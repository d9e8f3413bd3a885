"""kubectl against the local control plane, and the few queries the cluster tests share."""

from __future__ import annotations

import json
import ssl
import subprocess
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
import yaml

FIELD_MANAGER = "todo-cluster-test"


@dataclass(frozen=True)
class Kube:
    kubectl: Path
    kubeconfig: Path

    def run(
        self, *args: str | Path, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        # The discovery cache goes with the plane's files, not into ~/.kube.
        cache = f"--cache-dir={self.kubeconfig.parent / 'kubectl-cache'}"
        cmd = [str(self.kubectl), f"--kubeconfig={self.kubeconfig}", cache, *map(str, args)]
        proc = subprocess.run(
            cmd, input=stdin, capture_output=True, text=True, check=False, timeout=120
        )
        if check and proc.returncode:
            raise AssertionError(
                f"{' '.join(cmd[3:])} failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}"
            )
        return proc

    def apply(
        self, docs: list[dict[str, Any]] | str, *extra: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """A real server-side apply (strict field validation: unknown fields are errors)."""
        text = docs if isinstance(docs, str) else yaml.safe_dump_all(docs)
        return self.run(
            "apply", "--server-side", f"--field-manager={FIELD_MANAGER}", "--validate=strict",
            "-f", "-", *extra, stdin=text, check=check,
        )  # fmt: skip

    @cached_property
    def http(self) -> httpx.Client:
        """The API over HTTPS with the kubeconfig's credentials, for many small reads where a
        kubectl process each would dominate the run time."""
        config = yaml.safe_load(self.kubeconfig.read_text())
        cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
        context = ssl.create_default_context(cafile=cluster["certificate-authority"])
        context.load_cert_chain(user["client-certificate"], user["client-key"])
        return httpx.Client(base_url=cluster["server"], verify=context, timeout=30)

    def create_as(self, user: str, path: str, body: dict[str, Any]) -> Any:
        """POST `body` as `user` (impersonation, like kubectl --as); the answer as JSON."""
        resp = self.http.post(path, json=body, headers={"Impersonate-User": user})
        assert resp.is_success, f"POST {path} as {user}: {resp.status_code} {resp.text}"
        return resp.json()

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json").stdout)

    def items(self, kind: str, namespace: str, *args: str) -> list[dict[str, Any]]:
        return list(self.json("get", kind, "-n", namespace, *args)["items"])

    def namespace(self, name: str) -> str:
        """A fresh namespace with no Pod Security labels: the cluster default (restricted) holds."""
        self.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}])
        # Pods are refused until the controller-manager has made the namespace's `default`
        # ServiceAccount (ServiceAccount admission), so a namespace is ready once it exists.
        self.wait_for(
            f"serviceaccount {name}/default",
            lambda: (
                self.run("get", "serviceaccount", "default", "-n", name, check=False).returncode
                == 0
            ),
        )
        return name

    def wait_for(self, what: str, predicate: Any, timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.5)


def ref(doc: dict[str, Any]) -> str:
    """kind.version.group for kubectl: unambiguous even when two groups share a kind name."""
    api = doc["apiVersion"]
    return f"{doc['kind']}.{api.split('/')[1]}.{api.split('/')[0]}" if "/" in api else doc["kind"]


def pod_security_warnings(stderr: str) -> list[str]:
    """The apiserver's `warn` mode: a pod template that would violate the level is named here."""
    return [line for line in stderr.splitlines() if "PodSecurity" in line]


def failed_creates(kube: Kube, namespace: str) -> list[str]:
    """FailedCreate events: how a controller reports that admission refused its pods."""
    events = kube.items("events", namespace, "--field-selector=reason=FailedCreate")
    return [
        f"{e['involvedObject']['kind']}/{e['involvedObject']['name']}: {e['message']}"
        for e in events
    ]
