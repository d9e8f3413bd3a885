"""What runs in the local cluster once scripts/cloud/local.sh (and its smoke test) passed."""

from __future__ import annotations

import json
import socket
import ssl
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.localcluster.conftest import pods
from tests.support.localcluster import Cluster, Ports

NAMESPACES = ["kube-system", "cert-manager", "traefik", "dapr-system", "infra", "kafka", "todo"]
DAPR_IMAGE = "localhost/dapr/dapr:"


def _client(cluster: Cluster, ports: Ports) -> httpx.Client:
    return httpx.Client(
        base_url=f"https://localhost:{ports.https}",
        verify=ssl.create_default_context(cafile=str(cluster.ca_file)),
        timeout=20,
    )


def _signup(client: httpx.Client) -> tuple[str, str]:
    email = f"k8s-{uuid.uuid4().hex[:10]}@example.com"
    r = client.post("/api/auth/signup", json={"email": email, "password": "a-long-password-1"})
    r.raise_for_status()
    return email, r.json()["access_token"]


def test_every_workload_is_ready_and_nothing_restarted(cluster: Cluster) -> None:
    for ns in NAMESPACES:
        for kind in ("deployments", "statefulsets"):
            items = json.loads(cluster.kubectl("get", kind, "-n", ns, "-o", "json").stdout)["items"]
            for item in items:
                want = item["spec"]["replicas"]
                ready = item["status"].get("readyReplicas", 0)
                assert ready == want, f"{ns}/{item['metadata']['name']}: {ready}/{want} ready"
        for pod in pods(cluster, ns):
            if pod["status"]["phase"] == "Succeeded":  # the migration hook's Job
                continue
            for c in pod["status"].get("containerStatuses", []):
                assert c["ready"], f"{ns}/{pod['metadata']['name']}/{c['name']} not ready"
                assert c["restartCount"] == 0, (
                    f"{ns}/{pod['metadata']['name']}/{c['name']} restarted"
                )


def test_every_app_pod_has_a_sidecar_from_the_injector_with_mtls(cluster: Cluster) -> None:
    dapr_pods = [
        p
        for p in pods(cluster, "todo")
        if p["metadata"].get("annotations", {}).get("dapr.io/enabled") == "true"
    ]
    roles = {p["metadata"]["labels"].get("app.kubernetes.io/component") for p in dapr_pods}
    assert roles >= {"api", "audit", "recurrence", "reminders", "notifier", "realtime"}, roles
    for pod in dapr_pods:
        containers = {c["name"]: c for c in pod["spec"]["containers"]}
        assert "daprd" in containers, pod["metadata"]["name"]
        daprd = containers["daprd"]
        assert daprd["image"].startswith(DAPR_IMAGE), daprd["image"]
        assert "--enable-mtls" in daprd["args"], daprd["args"]
        statuses = pod["status"]["containerStatuses"]
        assert len(statuses) == 2 and all(s["ready"] for s in statuses), pod["metadata"]["name"]
    # The control plane came from Dapr's own chart, with mTLS on (Sentry issues the certificates).
    config = json.loads(
        cluster.kubectl(
            "get", "configurations.dapr.io", "daprsystem", "-n", "dapr-system", "-o", "json"
        ).stdout
    )
    assert config["spec"]["mtls"]["enabled"] is True


def _sidecar(cluster: Cluster, role: str, path: str, body: object = None) -> tuple[int, Any]:
    """GET (or POST `body` to) `path` of the daprd beside one pod of `role`, from inside the app
    container, with the app's Dapr API token."""
    pod = next(
        p["metadata"]["name"]
        for p in pods(cluster, "todo")
        if p["metadata"]["labels"].get("app.kubernetes.io/component") == role
        and p["status"]["phase"] == "Running"
    )
    script = (
        "import json, os, sys, urllib.request, urllib.error\n"
        "body = sys.argv[2].encode() if sys.argv[2] != 'null' else None\n"
        "req = urllib.request.Request('http://127.0.0.1:3500' + sys.argv[1], data=body,"
        " headers={'dapr-api-token': os.environ['DAPR_API_TOKEN'],"
        " 'content-type': 'application/json'})\n"
        "try:\n"
        "    r = urllib.request.urlopen(req, timeout=5); print(r.status); print(r.read().decode())\n"
        "except urllib.error.HTTPError as e:\n"
        "    print(e.code); print(e.read().decode())\n"
    )
    out = cluster.kubectl(
        "exec", "-n", "todo", pod, "-c", role, "--", "python", "-c", script, path, json.dumps(body)
    ).stdout
    status, _, text = out.partition("\n")
    return int(status), json.loads(text) if text.strip().startswith(("{", "[")) else text


def test_the_state_store_gets_its_dsn_through_the_kubernetes_secret_store(cluster: Cluster) -> None:
    """statestore's connectionString is a secretKeyRef resolved by the `secretstore` component
    (secretstores.kubernetes) from the real Secret todo-app-dapr-state: the component loads and
    works only if that read succeeded. The app's own code may not read secrets (the Dapr
    Configuration denies the secrets API), and RBAC lets the sidecar read that one Secret."""
    for role in ("reminders", "notifier"):
        status, meta = _sidecar(cluster, role, "/v1.0/metadata")
        assert status == 200, meta
        loaded = {c["name"]: c["type"] for c in meta["components"]}
        assert loaded.get("statestore") == "state.postgresql", loaded
        assert loaded.get("secretstore") == "secretstores.kubernetes", loaded
        key, value = f"k8s-test-{uuid.uuid4().hex[:8]}", {"role": role}
        status, _ = _sidecar(
            cluster, role, "/v1.0/state/statestore", [{"key": key, "value": value}]
        )
        assert status == 204, status
        assert _sidecar(cluster, role, f"/v1.0/state/statestore/{key}") == (200, value)
        status, _ = _sidecar(cluster, role, "/v1.0/secrets/secretstore/todo-app-dapr-state")
        assert status == 403, status
        sa = f"system:serviceaccount:todo:todo-app-{role}"
        for secret, allowed in (("todo-app-dapr-state", "yes"), ("todo-app-secrets", "no")):
            out = cluster.kubectl(
                "auth", "can-i", "get", f"secret/{secret}", "-n", "todo", f"--as={sa}", check=False
            )
            assert out.stdout.strip() == allowed, (role, secret, out.stdout)


def test_events_went_through_kafka(cluster: Cluster) -> None:
    out = cluster.kubectl(
        "exec", "-n", "kafka", "deployment/kafka", "--", "java", "-Xmx64m",
        "-cp", "/opt/kafka/libs/*:/opt/kafka/tools-libs/*", "org.apache.kafka.tools.GetOffsetShell",
        "--bootstrap-server", "127.0.0.1:9092", "--topic-partitions", "task-events,task-updates,reminders",
    ).stdout  # fmt: skip
    offsets: dict[str, int] = {}
    for line in out.split():
        topic, _, end = line.split(":")
        offsets[topic] = offsets.get(topic, 0) + int(end)
    assert offsets.get("task-events", 0) >= 2 and offsets.get("task-updates", 0) >= 2, offsets


def test_a_reminder_is_fired_by_the_dapr_scheduler(cluster: Cluster, ports: Ports) -> None:
    """Due in 4 s, mailed within 3 s of that: the cron sweep runs only every 30 s here."""
    with _client(cluster, ports) as client, httpx.Client(timeout=10) as mailbox:
        email, token = _signup(client)
        remind_at = datetime.now(UTC) + timedelta(seconds=4)
        r = client.post(
            "/api/tasks",
            headers={"Authorization": f"Bearer {token}"},
            json={"title": "scheduled", "remind_at": remind_at.isoformat(),
                  "due_at": (remind_at + timedelta(hours=1)).isoformat()},
        )  # fmt: skip
        r.raise_for_status()
        deadline = time.monotonic() + 30
        arrived = None
        while time.monotonic() < deadline:
            mails = mailbox.get(f"http://127.0.0.1:{ports.mailbox}/messages").json()
            mine = [m for m in mails if email in " ".join(m["to"])]
            if mine:
                arrived = datetime.now(UTC)
                break
            time.sleep(0.2)
        assert arrived, "no reminder email"
        lateness = (arrived - remind_at).total_seconds()
        assert -0.5 < lateness < 3, lateness


def test_https_certificate_was_issued_in_the_cluster(cluster: Cluster, ports: Ports) -> None:
    context = ssl.create_default_context(cafile=str(cluster.ca_file))
    with (
        socket.create_connection(("127.0.0.1", ports.https), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        cert = tls.getpeercert()
    issuer = dict(x[0] for x in cert["issuer"])
    assert issuer["commonName"] == "todo local cluster CA"
    assert ("DNS", "localhost") in cert["subjectAltName"]
    certificate = json.loads(
        cluster.kubectl("get", "certificate", "-n", "todo", "todo-app-tls", "-o", "json").stdout
    )
    assert certificate["spec"]["issuerRef"]["name"] == "local-ca"


def test_the_cluster_has_no_way_out(cluster: Cluster) -> None:
    routes = cluster.netns.run("ip", "route", "show").stdout
    assert "default" not in routes, routes
    pod = next(
        p["metadata"]["name"] for p in pods(cluster, "todo") if "api" in p["metadata"]["name"]
    )
    # connect() to an outside address fails at once: there is no route, no packet leaves.
    script = (
        "import socket\n"
        "try:\n socket.create_connection(('192.0.2.1', 80), timeout=2); print('connected')\n"
        "except OSError as e: print(e.errno)\n"
    )
    out = cluster.kubectl(
        "exec", "-n", "todo", pod, "-c", "api", "--", "python", "-c", script
    ).stdout
    assert out.strip() in {"101", "113"}, out  # ENETUNREACH / EHOSTUNREACH from the node
