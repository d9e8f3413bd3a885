"""Offline JSON schemas for kubeconform, built from local inputs only.

    python k8s_schemas.py OUT K8S_SCHEMA_SRC VERSIONS CRD_FILE...

1. Kubernetes: the `vX.Y.Z-local-strict` schema dirs of the PyPI package kubernetes-validate
   (K8S_SCHEMA_SRC is its `kubernetes-json-schema` dir). Their `$id` is an https URL and every
   `$ref` is `/api/_definitions.json#...`, which a validator would resolve against kubernetes.io;
   here `$id` is dropped and each `$ref` made relative (`_definitions.json#...`), so every
   reference resolves to a file beside the schema. Written to OUT/kubernetes/vX.Y.Z/.
2. CRDs (Dapr's, from its Helm chart): each served version's openAPIV3Schema becomes a strict
   JSON schema at OUT/crds/<group>/<kind>_<version>.json (kubeconform's
   `{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json` layout): apiVersion and kind are
   pinned, `nullable` becomes a null type, int-or-string becomes a oneOf, and every object that
   lists properties (and does not preserve unknown fields) rejects others, as the API server's
   structural pruning would drop them silently.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml


def _relative_refs(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$id":
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith("/api/"):
                value = value.rsplit("/", 1)[-1] if "#" not in value else (
                    value.split("#", 1)[0].rsplit("/", 1)[-1] + "#" + value.split("#", 1)[1]
                )
            out[key] = _relative_refs(value)
        return out
    if isinstance(node, list):
        return [_relative_refs(v) for v in node]
    return node


def kubernetes(src: Path, out: Path, versions: list[str]) -> int:
    count = 0
    for version in versions:
        sdir = src / f"v{version}-local-strict"
        if not sdir.is_dir():
            have = sorted(p.name for p in src.iterdir() if p.name.endswith("-strict"))
            sys.exit(f"no schemas for Kubernetes {version} in {src}; available: {have}")
        ddir = out / "kubernetes" / f"v{version}"
        ddir.mkdir(parents=True, exist_ok=True)
        for f in sdir.glob("*.json"):
            if f.name == "all.json":
                continue  # a oneOf over everything: unused by kubeconform, slow to load
            doc = _relative_refs(json.loads(f.read_text()))
            (ddir / f.name).write_text(json.dumps(doc, separators=(",", ":")))
            count += 1
        leftovers = [
            f.name for f in ddir.glob("*.json") if '"https://kubernetes.io' in f.read_text()
        ]
        if leftovers:
            sys.exit(f"remote references left in {leftovers[:5]}")
    return count


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _strict(v) for k, v in node.items()}
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
    if node.pop("x-kubernetes-int-or-string", False):
        node.pop("type", None)
        node["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    preserve = node.pop("x-kubernetes-preserve-unknown-fields", False)
    for key in [k for k in node if k.startswith("x-kubernetes-")]:
        node.pop(key)
    if "properties" in node and not preserve and "additionalProperties" not in node:
        node["additionalProperties"] = False
    return node


def crds(files: list[Path], out: Path) -> int:
    count = 0
    for f in files:
        for doc in yaml.safe_load_all(f.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            group, kind = spec["group"], spec["names"]["kind"]
            for ver in spec["versions"]:
                if not ver.get("served", True):
                    continue
                schema = _strict(ver["schema"]["openAPIV3Schema"])
                props = schema.setdefault("properties", {})
                props["apiVersion"] = {"type": "string", "enum": [f"{group}/{ver['name']}"]}
                props["kind"] = {"type": "string", "enum": [kind]}
                schema.setdefault("required", [])
                for key in ("apiVersion", "kind", "metadata"):
                    if key not in schema["required"]:
                        schema["required"].append(key)
                schema["$schema"] = "http://json-schema.org/draft-07/schema#"
                target = out / "crds" / group / f"{kind.lower()}_{ver['name']}.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(schema, indent=1))
                count += 1
    return count


def main() -> None:
    out, src, versions, *crd_files = sys.argv[1:]
    out_dir = Path(out)
    n = kubernetes(Path(src), out_dir, versions.split())
    m = crds([Path(f) for f in crd_files], out_dir)
    print(f"{n} Kubernetes schemas ({versions}), {m} CRD schemas -> {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
