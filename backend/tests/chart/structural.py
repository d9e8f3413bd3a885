"""Structural schemas for the kinds whose CRDs cannot be fetched here (Strimzi, cert-manager).

Written from the v1 CRDs of Strimzi 1.1 (kafka.strimzi.io/v1; v1beta2 is gone) and
cert-manager v1, for the fields this repo uses: unknown keys, wrong types and values outside
the CRDs' enums are errors, like kubeconform -strict would report with the real CRD.
A schema is a dict of key -> spec; a spec is a type (str, int, bool), a set (an enum of
strings), a nested dict, a list with one spec (items), or ANY. Keys ending in "!" are required.
"""

from __future__ import annotations

from typing import Any

ANY = object()

_meta = {"name!": str, "namespace": str, "labels": {"*": str}, "annotations": {"*": str}}
# Strimzi's entity operators only pick up resources labelled with their cluster's name.
_owned_meta = {
    "name!": str,
    "namespace": str,
    "annotations": {"*": str},
    "labels!": {"strimzi.io/cluster!": str, "*": str},
}

ACL_OPERATIONS = {
    "Read",
    "Write",
    "Create",
    "Delete",
    "Alter",
    "Describe",
    "ClusterAction",
    "AlterConfigs",
    "DescribeConfigs",
    "IdempotentWrite",
    "All",
}

KAFKA_USER = {
    "apiVersion!": {"kafka.strimzi.io/v1"},
    "kind!": {"KafkaUser"},
    "metadata!": _owned_meta,
    "spec!": {
        "userName": str,
        "authentication": {"type!": {"tls", "tls-external", "scram-sha-512"}},
        "authorization": {
            "type!": {"simple"},
            "acls!": [
                {
                    "type": {"allow", "deny"},
                    "resource!": {
                        "type!": {"topic", "group", "cluster", "transactionalId"},
                        "name": str,
                        "patternType": {"literal", "prefix"},
                    },
                    "host": str,
                    "operations!": [ACL_OPERATIONS],
                }
            ],
        },
        "quotas": {"producerByteRate": int, "consumerByteRate": int, "requestPercentage": int},
    },
}

KAFKA_TOPIC = {
    "apiVersion!": {"kafka.strimzi.io/v1"},
    "kind!": {"KafkaTopic"},
    "metadata!": _owned_meta,
    "spec!": {"topicName": str, "partitions!": int, "replicas!": int, "config": {"*": str}},
}

_listener = {
    "name!": str,
    "port!": int,
    "type!": {"internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip", "tlsroute"},
    "tls!": bool,
    "authentication": {"type!": {"tls", "scram-sha-512", "oauth", "custom"}},
    "networkPolicyPeers": [
        {
            "namespaceSelector": {"matchLabels": {"*": str}},
            "podSelector": {"matchLabels": {"*": str}},
        }
    ],
}

KAFKA = {
    "apiVersion!": {"kafka.strimzi.io/v1"},
    "kind!": {"Kafka"},
    "metadata!": _meta,
    "spec!": {
        "kafka!": {
            "version": str,
            "metadataVersion": str,
            "listeners!": [_listener],
            "authorization": {"type!": {"simple", "opa", "keycloak", "custom"}},
            "rack": {"topologyKey!": str},
            "config": {"*": ANY},
        },
        "kafkaExporter": {
            "image": str,
            "topicRegex": str,
            "groupRegex": str,
            "topicExcludeRegex": str,
            "groupExcludeRegex": str,
            "resources": {
                "requests": {"cpu": str, "memory": str},
                "limits": {"cpu": str, "memory": str},
            },
            "logging": {"info", "debug", "trace"},
            "enableSaramaLogging": bool,
            "showAllOffsets": bool,
        },
        "entityOperator": {
            "topicOperator": {"watchedNamespace": str},
            "userOperator": {"watchedNamespace": str},
        },
    },
}

KAFKA_NODE_POOL = {
    "apiVersion!": {"kafka.strimzi.io/v1"},
    "kind!": {"KafkaNodePool"},
    "metadata!": _owned_meta,
    "spec!": {
        "replicas!": int,
        "roles!": [{"controller", "broker"}],
        "resources": {
            "requests": {"cpu": str, "memory": str},
            "limits": {"cpu": str, "memory": str},
        },
        "storage!": {
            "type!": {"jbod", "ephemeral", "persistent-claim"},
            "volumes": [
                {
                    "id!": int,
                    "type!": {"persistent-claim", "ephemeral"},
                    "size": str,
                    "class": str,
                    "kraftMetadata": {"shared"},
                    "deleteClaim": bool,
                }
            ],
        },
    },
}

CLUSTER_ISSUER = {
    "apiVersion!": {"cert-manager.io/v1"},
    "kind!": {"ClusterIssuer"},
    "metadata!": _meta,
    "spec!": {
        "acme!": {
            "server!": str,
            "email": str,
            "privateKeySecretRef!": {"name!": str},
            "solvers!": [{"http01": {"ingress!": {"ingressClassName!": str}}}],
        }
    },
}

SCHEMAS = {
    "KafkaUser": KAFKA_USER,
    "KafkaTopic": KAFKA_TOPIC,
    "Kafka": KAFKA,
    "KafkaNodePool": KAFKA_NODE_POOL,
    "ClusterIssuer": CLUSTER_ISSUER,
}


def check(value: Any, spec: Any, path: str = "") -> list[str]:
    """Every way `value` does not fit `spec`, as readable paths."""
    if spec is ANY:
        return []
    if isinstance(spec, set):
        return [] if value in spec else [f"{path}: {value!r} not one of {sorted(spec)}"]
    if isinstance(spec, list):
        if not isinstance(value, list) or not value:
            return [f"{path}: want a non-empty list, got {value!r}"]
        return [e for i, v in enumerate(value) for e in check(v, spec[0], f"{path}[{i}]")]
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return [f"{path}: want an object, got {value!r}"]
        errors = []
        keys = {k.rstrip("!"): k for k in spec}
        for key in spec:
            if key.endswith("!") and key[:-1] not in value:
                errors.append(f"{path}.{key[:-1]}: required")
        for key, v in value.items():
            if key in keys:
                errors += check(v, spec[keys[key]], f"{path}.{key}")
            elif "*" in spec:
                errors += check(v, spec["*"], f"{path}.{key}")
            else:
                errors.append(f"{path}.{key}: unknown field")
        return errors
    if spec is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, spec)
    return [] if ok else [f"{path}: want {spec.__name__}, got {value!r}"]


def errors_of(doc: dict[str, Any]) -> list[str]:
    return check(doc, SCHEMAS[doc["kind"]], doc["kind"])
