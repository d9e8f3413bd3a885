"""What the monitoring checks read: the files under monitoring/, the metric names each source
exposes, and the metric names a PromQL expression uses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
MONITORING = REPO / "monitoring"
RULES = sorted((MONITORING / "prometheus" / "rules").glob("*.yml"))
RULE_TESTS = sorted((MONITORING / "prometheus" / "tests").glob("*.yml"))
ALERTMANAGER = MONITORING / "alertmanager" / "alertmanager.yml"
DASHBOARDS = sorted((MONITORING / "grafana" / "dashboards").glob("*.json"))
GENERATOR = MONITORING / "grafana" / "generate_dashboards.py"
DAPRD_REFERENCE = MONITORING / "reference" / "daprd-1.18.2-metrics.txt"
EXTERNAL_REFERENCE = MONITORING / "reference" / "external-metrics.txt"
RUNBOOK = REPO / "docs" / "operations" / "runbook.md"
PROMETHEUS_SH = REPO / "scripts" / "tools" / "prometheus.sh"


# --- rules -----------------------------------------------------------------------------------------
def rule_groups() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            yield path, group


def rules() -> list[dict[str, Any]]:
    return [rule for _, group in rule_groups() for rule in group["rules"]]


def alerts() -> list[dict[str, Any]]:
    return [r for r in rules() if "alert" in r]


def recorded_names() -> set[str]:
    return {r["record"] for r in rules() if "record" in r}


# --- dashboards ------------------------------------------------------------------------------------
def dashboard(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows hold their panels


_LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$", re.S)


def dashboard_exprs(board: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, PromQL) for every panel target and every query variable."""
    found = []
    for panel in panels(board):
        for t in panel.get("targets", []):
            if t.get("expr"):
                found.append((f"panel {panel['title']!r} {t['refId']}", t["expr"]))
    for var in board.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        match = _LABEL_VALUES.match(query)
        found.append((f"variable ${var['name']}", match.group(1) if match else query))
    return found


# Grafana's variables, made into valid PromQL: intervals become a duration, the others sit in
# regex matchers (`=~"$namespace"`) and become `.*`.
_INTERVAL_VARS = re.compile(r"\$\{?__(rate_interval|interval|range)\}?")
_OTHER_VARS = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}?")


def as_promql(expr: str) -> str:
    return _OTHER_VARS.sub(".*", _INTERVAL_VARS.sub("5m", expr))


# --- metric names in PromQL ------------------------------------------------------------------------
_KEYWORDS = {
    "and", "or", "unless", "bool", "by", "without", "on", "ignoring", "group_left",
    "group_right", "offset", "inf", "nan",
}  # fmt: skip
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_COMMENT = re.compile(r"#[^\n]*")
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_OFFSET = re.compile(r"\boffset\s+-?[0-9a-zA-Z.]+")
_IDENT = re.compile(r"(?<![0-9.A-Za-z_:])[A-Za-z_:][A-Za-z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (not functions, labels, keywords, durations)."""
    text = _STRINGS.sub('""', expr)
    text = _COMMENT.sub(" ", text)
    text = _OTHER_VARS.sub(" ", _INTERVAL_VARS.sub(" ", text))
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _OFFSET.sub(" ", text)
    names = set()
    for match in _IDENT.finditer(text):
        word = match.group()
        if word.lower() in _KEYWORDS or re.match(r"\s*\(", text[match.end() :]):
            continue  # a keyword, or a function / aggregation call
        names.add(word)
    return names


# --- where metric names come from ------------------------------------------------------------------
@cache
def app_metric_names() -> frozenset[str]:
    """Every sample name the app's registry can expose (every role shares it)."""
    import prometheus_client

    import todo.observability.metrics  # noqa: F401  (registers the app's metrics)

    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("", "_sum", "_count", "_created"),
        "info": ("_info",),
    }
    names: set[str] = set()
    for family in prometheus_client.REGISTRY.collect():
        names.update(family.name + s for s in suffixes.get(family.type, ("",)))
        names.update(sample.name for sample in family.samples)
    return frozenset(names)


def _reference(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, rest = line.split(maxsplit=1)
            found[name] = rest
    return found


@cache
def daprd_metric_names() -> frozenset[str]:
    return frozenset(_reference(DAPRD_REFERENCE))


@cache
def external_metric_names() -> dict[str, str]:
    return _reference(EXTERNAL_REFERENCE)
