"""The product in a one-node Kubernetes on this machine, deployed by the cloud path.

One cluster for this package (tests.support.localcluster): control plane and node inside the
network namespace `todo-test` by default (no route out), the host's doors on free 127.0.0.1 ports, then
scripts/cloud/local.sh: metrics-server, cert-manager + CA issuer, Traefik, Dapr from its own
chart, PostgreSQL, the SMTP sink, Kafka (SCRAM over TLS), the app through deploy.sh, and the
smoke test over HTTPS. The tests then look at what runs. Tools and images come from
scripts/tools (make tools builds them); a missing one fails the session, nothing is skipped.

Env, to run this package beside another cluster on the same machine: TODO_LOCALCLUSTER_NAME
(default `test`; the network namespace is `todo-<name>`), TODO_LOCALCLUSTER_API_PORT,
TODO_LOCALCLUSTER_HTTPS_PORT, TODO_LOCALCLUSTER_MAILBOX_PORT (default: free ports).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import localcluster
from tests.support.postgres import free_port


@pytest.fixture(scope="package")
def ports() -> localcluster.Ports:
    def port(door: str) -> int:
        return int(os.environ.get(f"TODO_LOCALCLUSTER_{door}_PORT") or free_port())

    return localcluster.Ports(api=port("API"), https=port("HTTPS"), mailbox=port("MAILBOX"))


@pytest.fixture(scope="package")
def cluster(ports: localcluster.Ports) -> Iterator[localcluster.Cluster]:
    root = Path(tempfile.mkdtemp(prefix="todo-localcluster-"))
    started = None
    try:
        started = localcluster.up(os.environ.get("TODO_LOCALCLUSTER_NAME") or "test", root, ports)
        localcluster.deploy(started, ports)
    except (RuntimeError, TimeoutError, FileNotFoundError, PermissionError) as exc:
        if started:
            _dump(started)
            started.stop()
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"the local cluster did not come up: {exc}", pytrace=False)
    yield started
    started.stop()
    shutil.rmtree(root, ignore_errors=True)


def _dump(cluster: localcluster.Cluster) -> None:
    """What a failed bring-up leaves to read: every pod's state (logs stay in the run dir)."""
    out = cluster.kubectl("get", "pods", "-A", "-o", "wide", check=False)
    print(out.stdout, out.stderr)


def pods(cluster: localcluster.Cluster, namespace: str) -> list[dict[str, Any]]:
    out = cluster.kubectl("get", "pods", "-n", namespace, "-o", "json").stdout
    return list(json.loads(out)["items"])
