"""Stand-in CRDs for the kinds whose real CRDs cannot be fetched here (Strimzi, cert-manager).

They are generated from tests/chart/structural.py, the hand-written structural schemas for the
fields this repository uses, so the apiserver enforces exactly what those schemas say: types,
enums, required fields, and (with strict field validation) no unknown fields. What this proves
is that our manifests are well-formed objects a real apiserver stores under those groups and
kinds, and that they fit our reading of Strimzi's and cert-manager's schemas; it does NOT prove
that the real operators' CRDs (or their webhooks) accept them.
"""

from __future__ import annotations

from typing import Any

from tests.chart.structural import ANY, SCHEMAS

# kind -> (group, version, plural, scope)
KINDS = {
    "Kafka": ("kafka.strimzi.io", "v1", "kafkas", "Namespaced"),
    "KafkaNodePool": ("kafka.strimzi.io", "v1", "kafkanodepools", "Namespaced"),
    "KafkaTopic": ("kafka.strimzi.io", "v1", "kafkatopics", "Namespaced"),
    "KafkaUser": ("kafka.strimzi.io", "v1", "kafkausers", "Namespaced"),
    "ClusterIssuer": ("cert-manager.io", "v1", "clusterissuers", "Cluster"),
}


def openapi(spec: Any) -> dict[str, Any]:
    """structural.py's spec language as an OpenAPI v3 (structural) schema."""
    if spec is ANY:
        # Any JSON value (Kafka's free-form config: strings, numbers, booleans).
        return {"x-kubernetes-preserve-unknown-fields": True}
    if isinstance(spec, set):
        return {"type": "string", "enum": sorted(spec)}
    if isinstance(spec, list):
        return {"type": "array", "minItems": 1, "items": openapi(spec[0])}
    if isinstance(spec, dict):
        out: dict[str, Any] = {"type": "object"}
        props = {k.rstrip("!"): openapi(v) for k, v in spec.items() if k != "*"}
        if props:
            out["properties"] = props
        required = sorted(k[:-1] for k in spec if k.endswith("!"))
        if required:
            out["required"] = required
        if "*" in spec:
            out["additionalProperties"] = openapi(spec["*"])
        return out
    return {"type": {str: "string", int: "integer", bool: "boolean"}[spec]}


def crd(kind: str) -> dict[str, Any]:
    group, version, plural, scope = KINDS[kind]
    schema = SCHEMAS[kind]
    # apiVersion, kind and metadata belong to the apiserver: a CRD schema may only say little
    # about metadata (name and namespace stay the apiserver's), so only spec is carried over.
    body = {
        "type": "object",
        "properties": {"spec": openapi(schema["spec!"])},
        "required": ["spec"],
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{plural}.{group}",
            "annotations": {
                "todo.dev/stand-in": "generated from backend/tests/chart/structural.py"
            },
        },
        "spec": {
            "group": group,
            "scope": scope,
            "names": {
                "kind": kind,
                "plural": plural,
                "singular": kind.lower(),
                "listKind": f"{kind}List",
            },
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": body},
                    "subresources": {"status": {}},
                }
            ],
        },
    }


def all_crds() -> list[dict[str, Any]]:
    return [crd(kind) for kind in KINDS]
