"""The chart checks' tools: where they are, how to run them, and the rendered releases.

Every tool is installed by its script under scripts/tools/ (pinned, cached under
$TODO_CACHE); `make chart-test` runs those scripts first. A test never installs anything and
never skips: a missing tool fails it with the command that installs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "helm" / "todo-app"
TOOLS = REPO / "scripts" / "tools"
CACHE = Path(os.environ.get("TODO_CACHE", Path.home() / ".cache" / "todo"))
RELEASE = "todo-app"
NAMESPACE = "todo"


def _default_version(script: str) -> str:
    """The version a tool script installs by default (`${X_VERSION:-<default>}`)."""
    text = (TOOLS / script).read_text()
    match = re.search(r"\$\{[A-Z_]+_VERSION:-([^}]+)\}", text)
    assert match, f"no default version in scripts/tools/{script}"
    return match.group(1)


def _need(path: Path, script: str) -> Path:
    if not path.exists():
        pytest.fail(
            f"{path} is missing: install it with `bash scripts/tools/{script}` "
            "(or run `make chart-test`, which installs every chart tool first)",
            pytrace=False,
        )
    return path


def go_tool(name: str) -> Path:
    version = _default_version(f"{name}.sh")
    home = CACHE / name / version
    _need(home / ".complete", f"{name}.sh")
    return _need(home / "bin" / name, f"{name}.sh")


def py_tool(name: str) -> Path:
    version = _default_version(f"{name}.sh")
    home = CACHE / name / version
    _need(home / ".complete", f"{name}.sh")
    return _need(home / "venv" / "bin" / name, f"{name}.sh")


def schemas_dir() -> Path:
    text = (TOOLS / "k8s-schemas.sh").read_text()
    kv = re.search(r"KUBERNETES_VALIDATE_VERSION:-([^}]+)\}", text)
    dapr = re.search(r"DAPR_VERSION:-([^}]+)\}", text)
    promop = re.search(r"PROMETHEUS_OPERATOR_VERSION:-([^}]+)\}", text)
    assert kv and dapr and promop
    out = CACHE / "k8s-schemas" / f"kv{kv.group(1)}-dapr{dapr.group(1)}-promop{promop.group(1)}"
    _need(out / ".complete", "k8s-schemas.sh")
    return out


def schema_versions() -> list[str]:
    text = (TOOLS / "k8s-schemas.sh").read_text()
    match = re.search(r"K8S_SCHEMA_VERSIONS:-([^}]+)\}", text)
    assert match
    return match.group(1).split()


def run(cmd: list[str | Path], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=False, **kw)


def selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a Kubernetes label selector (matchLabels + matchExpressions) selects `labels`."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


# ---- rendered releases ------------------------------------------------------------------

# Every values file appears in at least one render; each render is one way to deploy.
RENDERS: dict[str, list[str]] = {
    "defaults": [],
    "dev": ["values-dev.yaml"],
    "staging": ["values-staging.yaml"],
    "prod": ["values-prod.yaml"],
    "prod-aks": ["values-prod.yaml", "values-aks.yaml"],
    "prod-gke": ["values-prod.yaml", "values-gke.yaml"],
    "prod-oke": ["values-prod.yaml", "values-oke.yaml"],
    "prod-gke-redpanda": ["values-prod.yaml", "values-gke.yaml", "values-redpanda.yaml"],
    "dev-oke-redpanda": ["values-dev.yaml", "values-oke.yaml", "values-redpanda.yaml"],
    # The local cluster (make cluster): scripts/cloud/local.sh deploys exactly this pair.
    "dev-local": ["values-dev.yaml", "values-local.yaml"],
}
# values.yaml alone names no Secrets: the chart then creates them from these (as --set would).
DEFAULT_SETS = [
    "secrets.values.databaseUrl=postgresql+asyncpg://todo:pw@db:5432/todo",
    "secrets.values.jwtSecret=0123456789abcdef0123456789abcdef",
    "secrets.values.daprStateConnectionString=host=db user=todo password=pw dbname=todo",
    "image.tag=0123456789abcdef0123456789abcdef01234567",
]


@dataclass
class Render:
    name: str
    files: list[str]
    path: Path
    docs: list[dict[str, Any]]
    values: dict[str, Any] = field(default_factory=dict)

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d.get("kind") == kind]

    def one(self, kind: str, name: str) -> dict[str, Any]:
        found = [d for d in self.kinds(kind) if d["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.name}: expected one {kind} {name}, found {len(found)}"
        return found[0]


def helm_args(name: str) -> list[str]:
    args: list[str] = []
    for f in RENDERS[name]:
        args += ["-f", str(CHART / f)]
    if name == "defaults":
        for s in DEFAULT_SETS:
            args += ["--set", s]
    return args


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def merged_values(name: str) -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    for f in RENDERS[name]:
        values = deep_merge(values, yaml.safe_load((CHART / f).read_text()) or {})
    return values


def render(helm: Path, name: str, out_dir: Path) -> Render:
    proc = run([helm, "template", RELEASE, CHART, "--namespace", NAMESPACE, *helm_args(name)])
    assert proc.returncode == 0, f"helm template ({name}) failed:\n{proc.stderr}"
    path = out_dir / name / "release.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(proc.stdout)
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    return Render(name, RENDERS[name], path, docs, merged_values(name))


# ---- a small result cache for the slow tool (checkov) -----------------------------------


def digest(*parts: str | bytes | Path) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            h.update(part.read_bytes())
        elif isinstance(part, str):
            h.update(part.encode())
        else:
            h.update(part)
        h.update(b"\0")
    return h.hexdigest()[:32]


def cached_json(key: str) -> Any | None:
    """A stored result for exactly these inputs (tool version, config, rendered bytes)."""
    f = CACHE / "chart-test" / f"{key}.json"
    return json.loads(f.read_text()) if f.exists() else None


def store_json(key: str, value: Any) -> None:
    f = CACHE / "chart-test" / f"{key}.json"
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(json.dumps(value))


@cache
def local_dapr_resources() -> list[dict[str, Any]]:
    """dapr/local's resources (the stack's), placeholders left as they are."""
    docs: list[dict[str, Any]] = []
    for f in sorted((REPO / "dapr" / "local").rglob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(f.read_text()) if d]
    return docs
