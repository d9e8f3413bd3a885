"""actionlint on the workflows, yamllint on every YAML file of the repo."""

from __future__ import annotations

from pathlib import Path

from tests.chart import tools


def test_actionlint_workflows() -> None:
    actionlint = tools.go_tool("actionlint")
    workflows = sorted((tools.REPO / ".github" / "workflows").glob("*.yml"))
    assert {w.name for w in workflows} >= {"build.yml", "deploy-staging.yml", "deploy-prod.yml"}
    proc = tools.run([actionlint, "-no-color", *workflows], cwd=tools.REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_yamllint_repo() -> None:
    yamllint = tools.py_tool("yamllint")
    proc = tools.run(
        [yamllint, "--strict", "-f", "parsable", "-c", tools.REPO / ".yamllint", "."],
        cwd=tools.REPO,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The check must see the YAML it is meant to: not the templates, everything else.
    listed = tools.run(
        [yamllint, "--list-files", "-c", tools.REPO / ".yamllint", "."], cwd=tools.REPO
    )
    files = {Path(line).as_posix().removeprefix("./") for line in listed.stdout.split()}
    assert any(f.startswith(".github/workflows/") for f in files)
    assert any(f.startswith("helm/todo-app/values") for f in files)
    assert any(f.startswith("kafka/") for f in files)
    assert not any(f.startswith("helm/todo-app/templates/") for f in files)
