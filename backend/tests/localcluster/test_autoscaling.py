"""The api's HorizontalPodAutoscaler, fed by metrics-server, under a short load.

The load is logins (argon2 verification: CPU-heavy by design) through the ingress, until the
HPA adds a replica; then nothing, until it is back at its minimum (values-local.yaml: 1..3,
CPU target 50 % of the 100m request, scale-down window 20 s). The replica counts over time are
printed (docs/STATUS.md quotes a run).
"""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
import time

import httpx

from tests.support.localcluster import Cluster, Ports


def _hpa(cluster: Cluster) -> dict[str, object]:
    out = cluster.kubectl("get", "hpa", "-n", "todo", "-o", "json").stdout
    (api,) = [h for h in json.loads(out)["items"] if h["metadata"]["name"].endswith("-api")]
    status = api["status"]
    used = {
        m["resource"]["name"]: m["resource"]["current"].get("averageUtilization")
        for m in status.get("currentMetrics") or []
        if "resource" in m
    }
    return {"replicas": status.get("currentReplicas", 0), "desired": status.get("desiredReplicas", 0),
            "cpu": used.get("cpu"), "memory": used.get("memory"),
            "min": api["spec"]["minReplicas"]}  # fmt: skip


def test_the_api_scales_out_under_load_and_back(cluster: Cluster, ports: Ports) -> None:
    start = _hpa(cluster)
    assert start["replicas"] == start["min"] == 1, start
    base = f"https://localhost:{ports.https}"
    verify = ssl.create_default_context(cafile=str(cluster.ca_file))
    email, password = "hpa-load@example.com", "a-long-password-1"
    httpx.post(f"{base}/api/auth/signup", json={"email": email, "password": password},
               verify=verify, timeout=30)  # fmt: skip
    stop = threading.Event()

    def load() -> None:
        with httpx.Client(verify=verify, timeout=30) as client:
            while not stop.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    client.post(
                        f"{base}/api/auth/login", json={"email": email, "password": password}
                    )

    workers = [threading.Thread(target=load, daemon=True) for _ in range(4)]
    t0 = time.monotonic()
    timeline: list[tuple[int, dict[str, object]]] = []
    for w in workers:
        w.start()
    try:
        while time.monotonic() - t0 < 240:
            state = _hpa(cluster)
            timeline.append((int(time.monotonic() - t0), state))
            if int(state["replicas"]) > 1:  # type: ignore[call-overload]
                break
            time.sleep(3)
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=35)
    scaled_out = max(int(s["replicas"]) for _, s in timeline)  # type: ignore[call-overload]
    peak_at = int(time.monotonic() - t0)
    while time.monotonic() - t0 < peak_at + 240:
        state = _hpa(cluster)
        timeline.append((int(time.monotonic() - t0), state))
        if int(state["replicas"]) == 1:  # type: ignore[call-overload]
            break
        time.sleep(3)
    print("\nHPA todo-app-api over time (s: replicas/desired, cpu and memory % of request):")
    for at, s in timeline:
        print(f"  {at:4d}s  {s['replicas']}/{s['desired']}  cpu {s['cpu']}  memory {s['memory']}")
    assert scaled_out > 1, timeline
    assert timeline[-1][1]["replicas"] == 1, timeline
