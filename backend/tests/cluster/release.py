"""`helm install/upgrade/test` against the local control plane, with a stand-in for the kubelet.

There is no node, so no container runs: a Helm hook Job (the migration) would never finish and
`helm install` would wait for it until its timeout. `finishing_hook_pods` plays the kubelet's
part for hook pods only: once a hook pod exists (it was admitted), it reports it Succeeded
through the pod's status subresource, as a kubelet would after the container exited 0. The Job
controller then completes the Job and Helm carries on. Nothing else is faked: the objects, the
hook ordering and deletion policies, admission and RBAC are the real apiserver's.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.chart import tools
from tests.cluster.kube import Kube

SUCCEEDED = json.dumps({"status": {"phase": "Succeeded"}})


def _is_hook_pod(pod: dict) -> bool:  # type: ignore[type-arg]
    owners = pod["metadata"].get("ownerReferences") or []
    is_test = (pod["metadata"].get("annotations") or {}).get("helm.sh/hook") == "test"
    return is_test or any(o["kind"] == "Job" for o in owners)


@contextmanager
def finishing_hook_pods(kube: Kube, namespace: str) -> Iterator[list[str]]:
    """While inside, every hook pod in `namespace` is reported Succeeded; yields their names."""
    done: list[str] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(0.3):
            for pod in kube.items("pods", namespace):
                name = pod["metadata"]["name"]
                if _is_hook_pod(pod) and pod["status"].get("phase") == "Pending":
                    # check=False: Helm may delete the pod between the list and the patch.
                    patched = kube.run("patch", "pod", name, "-n", namespace, "--subresource=status",
                                       "--type=merge", "-p", SUCCEEDED, check=False)  # fmt: skip
                    if patched.returncode == 0:
                        done.append(name)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield done
    finally:
        stop.set()
        thread.join(timeout=10)


class Helm:
    """The helm CLI on the local control plane, its state kept in the plane's directory."""

    def __init__(self, binary: Path, kubeconfig: Path, home: Path) -> None:
        self.binary = binary
        self.env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_DATA_HOME": str(home / "data"),
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.binary), *args]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, check=False, env=self.env, timeout=300
        )
        assert proc.returncode == 0, f"helm {' '.join(args)} failed:\n{proc.stderr}{proc.stdout}"
        return proc

    def status(self, namespace: str) -> dict:  # type: ignore[type-arg]
        return dict(
            json.loads(self.run("status", tools.RELEASE, "-n", namespace, "-o", "json").stdout)
        )

    def install(self, namespace: str, *values: str) -> subprocess.CompletedProcess[str]:
        return self.run(
            "install", tools.RELEASE, str(tools.CHART), "-n", namespace, "--timeout=120s", *values
        )

    def upgrade(self, namespace: str, *values: str) -> subprocess.CompletedProcess[str]:
        return self.run(
            "upgrade", tools.RELEASE, str(tools.CHART), "-n", namespace, "--timeout=120s", *values
        )
