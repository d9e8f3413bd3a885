"""Validating event bodies against the JSON Schemas in docs/events."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parents[3] / "docs" / "events"


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.schema.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@cache
def validator(topic: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{topic}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


def assert_valid(topic: str, payload: dict[str, Any]) -> None:
    errors = sorted(validator(topic).iter_errors(payload), key=lambda e: list(e.path))
    assert not errors, f"{topic} event breaks its schema: " + "; ".join(
        f"{list(e.path)}: {e.message}" for e in errors
    )
