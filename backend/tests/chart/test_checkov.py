"""checkov on every rendered release: no failed check; every skip has its reason.

checkov runs offline (--skip-download, BC_SKIP_MAPPING=TRUE) with helm/todo-app/.checkov.yaml.
It is the slow check (~10 s), so its result is stored under $TODO_CACHE/chart-test keyed by
the checkov install, its config and the exact rendered bytes: `make test` runs the chart
checks twice (its chart-test prerequisite, then the whole suite) and pays once.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.chart import tools

CONFIG = tools.CHART / ".checkov.yaml"


@pytest.fixture(scope="session")
def checkov() -> Path:
    return tools.py_tool("checkov")


def test_every_skip_is_justified_in_one_line() -> None:
    skips = [line for line in CONFIG.read_text().splitlines() if re.match(r"\s+- CKV_", line)]
    assert skips
    for line in skips:
        check, _, reason = line.partition("#")
        assert re.fullmatch(r"\s+- CKV_K8S_\d+\s+", check), line
        assert len(reason.strip()) > 20, f"no reason given: {line}"


def test_checkov_passes_on_every_render(
    checkov: Path, renders: dict[str, tools.Render], render_dir: Path
) -> None:
    files = sorted(r.path for r in renders.values())
    # The API-token Secrets hold fresh random tokens at each render: not part of the key.
    texts = [re.sub(r"(?m)^  token: \S+$", "  token: <random>", f.read_text()) for f in files]
    key = "checkov-" + tools.digest((checkov.parent.parent.parent / ".complete"), CONFIG, *texts)
    report = tools.cached_json(key)
    if report is None:
        proc = tools.run(
            [checkov, "--config-file", CONFIG, "-d", render_dir, "-o", "json"],
            env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
            cwd=render_dir,
        )
        assert proc.stdout.strip(), proc.stderr[-3000:]
        report = json.loads(proc.stdout)
        if isinstance(report, list):  # one entry per framework
            assert len(report) == 1
            report = report[0]
        if proc.returncode == 0:
            tools.store_json(key, report)
    summary = report["summary"]
    failed = [
        f"{f['check_id']} {f['resource']} ({f['file_path']}): {f['check_name']}"
        for f in report["results"]["failed_checks"]
    ]
    assert summary["failed"] == 0 and not failed, "\n".join(failed)
    assert summary["passed"] > 100 * len(files) // 2, summary
    assert summary["resource_count"] >= sum(len(r.docs) for r in renders.values()) // 2


def test_checkov_passes_on_the_dockerfiles(checkov: Path) -> None:
    docker = tools.REPO / "docker"
    files = sorted(docker.glob("*.Dockerfile"))
    key = "checkov-docker-" + tools.digest(checkov.parent.parent.parent / ".complete", *files)
    report = tools.cached_json(key)
    if report is None:
        proc = tools.run(
            [checkov, "--skip-download", "--framework", "dockerfile", "-d", docker, "-o", "json"],
            env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        )
        report = json.loads(proc.stdout)
        if proc.returncode == 0:
            tools.store_json(key, report)
    failed = [f"{f['check_id']} {f['file_path']}" for f in report["results"]["failed_checks"]]
    assert report["summary"]["failed"] == 0, failed


def test_images_run_as_the_chart_uids() -> None:
    values = tools.merged_values("prod")
    for name, uid in (("backend", values["backendUid"]), ("frontend", values["frontendUid"])):
        text = (tools.REPO / "docker" / f"{name}.Dockerfile").read_text()
        froms = re.findall(r"(?m)^FROM (\S+)", text)
        assert froms and all(":" in f and not f.endswith(":latest") for f in froms), froms
        assert re.findall(r"(?m)^USER (\S+)", text)[-1] == f"{uid}:{uid}", name
    backend = (tools.REPO / "docker" / "backend.Dockerfile").read_text()
    assert 'ENTRYPOINT ["todo"]' in backend
