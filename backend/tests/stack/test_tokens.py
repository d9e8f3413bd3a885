"""Dapr API tokens: daprd serves only its app, and the apps serve only their daprd.

The stack sets DAPR_API_TOKEN and APP_API_TOKEN as the chart does. Everything else in the
stack tests runs with them on, so the happy paths (publish, deliveries, jobs, cron, service
invocation) prove the tokens travel; here the refusals are checked.
"""

from __future__ import annotations

import httpx

from tests.stack.client import StackClient


async def test_daprd_refuses_calls_without_its_api_token(client: StackClient) -> None:
    stack = client.stack
    token = stack.tokens["DAPR_API_TOKEN"]
    async with httpx.AsyncClient(base_url=stack.dapr_url("api"), trust_env=False) as http:
        assert (await http.get("/v1.0/healthz")).status_code == 204  # probes need no token
        assert (await http.get("/v1.0/metadata")).status_code == 401
        wrong = {"dapr-api-token": "not-the-token"}
        assert (await http.get("/v1.0/metadata", headers=wrong)).status_code == 401
        ok = await http.get("/v1.0/metadata", headers={"dapr-api-token": token})
        assert ok.status_code == 200 and ok.json()["id"] == "api"


async def test_apps_refuse_callbacks_and_internal_calls_without_the_app_token(
    client: StackClient,
) -> None:
    stack = client.stack
    token = stack.tokens["APP_API_TOKEN"]
    calls = [
        ("audit", "POST", "/events/task-events"),
        ("reminders", "POST", "/job/reminder-1"),
        ("reminders", "POST", "/reminder-sweep"),
        ("api", "POST", "/internal/tasks/1/next-occurrence?user_id=1"),
        ("audit", "GET", "/internal/history/1/1"),
    ]
    async with httpx.AsyncClient(trust_env=False) as http:
        for role, method, path in calls:
            url = stack.app_url(role) + path
            for headers in ({}, {"dapr-api-token": "not-the-token"}):
                r = await http.request(method, url, headers=headers, json={})
                assert r.status_code == 401, (role, path, r.status_code, r.text)
                assert r.headers["content-type"].startswith("application/problem+json")
        # With the token the sweep runs: the refusals above were the token's doing.
        r = await http.post(
            stack.app_url("reminders") + "/reminder-sweep", headers={"dapr-api-token": token}
        )
        assert r.status_code == 200 and isinstance(r.json()["sent"], int)
