"""helm lint and helm template for every values file; the schema and the guards hold."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.chart import tools


def test_every_values_file_is_rendered() -> None:
    files = {p.name for p in tools.CHART.glob("values*.yaml")} - {"values.yaml"}
    used = {f for fs in tools.RENDERS.values() for f in fs}
    assert files == used, f"values files never rendered by the checks: {files - used}"


@pytest.mark.parametrize("name", list(tools.RENDERS))
def test_helm_lint_strict(helm: Path, name: str) -> None:
    proc = tools.run(
        [
            helm,
            "lint",
            "--strict",
            tools.CHART,
            "--namespace",
            tools.NAMESPACE,
            *tools.helm_args(name),
        ]
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout


def test_helm_template_renders(rendered: tools.Render) -> None:
    assert rendered.kinds("Deployment"), rendered.name
    for doc in rendered.docs:
        assert doc["metadata"].get("namespace") == tools.NAMESPACE, (
            f"{doc['kind']} {doc['metadata']['name']} has no explicit namespace"
        )


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (["kafka.provider=kinesis"], "/kafka/provider"),
        (["roles.api.autoscaling.cpu=120"], "/roles/api/autoscaling/cpu"),
        (["environment=prod"], "/environment"),
        (["image.digest=latest"], "/image/digest"),
        (["networkPolicy.postgres.cidrs={10.0.0.1}"], "/networkPolicy/postgres/cidrs/0"),
        (["unknownKey=1"], "additional properties 'unknownKey'"),
    ],
)
def test_schema_refuses_bad_values(helm: Path, sets: list[str], message: str) -> None:
    args = [a for s in sets for a in ("--set", s)]
    proc = tools.run([helm, "template", "t", tools.CHART, *tools.helm_args("prod"), *args])
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr


def test_secrets_are_required_not_defaulted(helm: Path) -> None:
    proc = tools.run([helm, "template", "t", tools.CHART])
    assert proc.returncode != 0
    assert "set secrets.existingSecret" in proc.stderr


def test_rendered_examples_are_up_to_date(helm: Path) -> None:
    """dapr/components, dapr/config, kafka/{topics,users}.yaml are the chart's own output."""
    script = tools.REPO / "scripts" / "cloud" / "render-examples.sh"
    proc = tools.run(["bash", script, "--check"], env={**os.environ, "HELM": str(helm)})
    assert proc.returncode == 0, proc.stderr[-4000:]
