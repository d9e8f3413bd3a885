"""Panel, variable and dashboard builders for generate_dashboards.py (standard library only)."""

from __future__ import annotations

from typing import Any

DS = {"type": "prometheus", "uid": "${datasource}"}
NS = 'namespace=~"$namespace"'
RI = "$__rate_interval"
ROUTE = f'{NS}, route=~"$route"'
CONSUMER = f'{NS}, consumer=~"$consumer"'
USER_TOPICS = 'topic!~"__.*"'
DLQ = 'topic=~".+\\\\.dlq"'
MR = "{{method}} {{route}}"
CT = "{{consumer}} {{topic}}"


# --- panel builders ------------------------------------------------------------------------------
class Layout:
    """Places panels left to right on Grafana's 24-column grid, wrapping rows."""

    def __init__(self) -> None:
        self.panels: list[dict[str, Any]] = []
        self.x = 0
        self.y = 0
        self.row_h = 0

    def _place(self, panel: dict[str, Any], w: int, h: int) -> None:
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        panel["id"] = len(self.panels) + 1
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.panels.append(panel)
        self.x += w
        self.row_h = max(self.row_h, h)

    def row(self, title: str) -> None:
        self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        self._place({"type": "row", "title": title, "collapsed": False, "panels": []}, 24, 1)
        self.x, self.y, self.row_h = 0, self.y + 1, 0

    def add(self, panel: dict[str, Any], w: int = 12, h: int = 8) -> None:
        self._place(panel, w, h)


def target(expr: str, legend: str = "", ref: str = "A", **extra: Any) -> dict[str, Any]:
    return {
        "datasource": DS,
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": True,
        "refId": ref,
        **extra,
    }


def _targets(exprs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [target(e, legend, chr(ord("A") + i)) for i, (e, legend) in enumerate(exprs)]


def _thresholds(steps: list[tuple[float | None, str]]) -> dict[str, Any]:
    return {
        "mode": "absolute",
        "steps": [{"color": color, "value": value} for value, color in steps],
    }


def timeseries(
    title: str,
    *exprs: tuple[str, str],
    unit: str = "short",
    description: str = "",
    threshold: float | None = None,
    stack: bool = False,
) -> dict[str, Any]:
    custom: dict[str, Any] = {
        "drawStyle": "line",
        "lineWidth": 1,
        "fillOpacity": 10,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"mode": "normal" if stack else "none", "group": "A"},
    }
    steps: list[tuple[float | None, str]] = [(None, "green")]
    if threshold is not None:
        custom["thresholdsStyle"] = {"mode": "line+area"}
        steps.append((threshold, "red"))
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": _targets(list(exprs)),
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "min": 0,
                "custom": custom,
                "thresholds": _thresholds(steps),
            },
            "overrides": [],
        },
        "options": {
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "calcs": ["lastNotNull", "max"],
            },
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    }


def stat(
    title: str,
    expr: str,
    unit: str = "short",
    description: str = "",
    warn: float | None = None,
    crit: float | None = None,
) -> dict[str, Any]:
    steps: list[tuple[float | None, str]] = [(None, "green")]
    if warn is not None:
        steps.append((warn, "orange"))
    if crit is not None:
        steps.append((crit, "red"))
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": [target(expr, instant=True, range=False)],
        "fieldConfig": {
            "defaults": {"unit": unit, "thresholds": _thresholds(steps), "noValue": "0"},
            "overrides": [],
        },
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background",
            "graphMode": "area",
            "textMode": "auto",
        },
    }


def heatmap(title: str, expr: str, description: str = "") -> dict[str, Any]:
    return {
        "type": "heatmap",
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": [target(expr, "{{le}}", format="heatmap")],
        "fieldConfig": {"defaults": {}, "overrides": []},
        "options": {
            "calculate": False,
            "yAxis": {"unit": "s"},
            "cellGap": 1,
            "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64},
        },
    }


# --- PromQL helpers ------------------------------------------------------------------------------
def sel(metric: str, selector: str = NS) -> str:
    return f"{metric}{{{selector}}}" if selector else metric


def sum_rate(metric: str, by: str = "", selector: str = NS, window: str = RI) -> str:
    inner = f"rate({sel(metric, selector)}[{window}])"
    return f"sum by ({by}) ({inner})" if by else f"sum({inner})"


def quantile(q: float, bucket: str, by: str, selector: str = NS, window: str = RI) -> str:
    return f"histogram_quantile({q}, {sum_rate(bucket, by, selector, window)})"


# daprd reports bulk pub/sub calls on metrics of their own (`<family>_bulk_*`), so a panel of a
# pub/sub family plots both: the single calls, then the bulk ones.
def dapr_rates(family: str, bulk_count: str, label: str) -> tuple[tuple[str, str], ...]:
    """Rates of `<family>_count` and `<family>_bulk_<bulk_count>` by app, topic and `label`."""
    by = f"app_id, topic, {label}"
    legend = f"{{{{app_id}}}} {{{{topic}}}} {label}={{{{{label}}}}}"
    return (
        (sum_rate(f"{family}_count", by), legend),
        (sum_rate(f"{family}_bulk_{bulk_count}", by), f"bulk {legend}"),
    )


def dapr_p95(family: str) -> tuple[tuple[str, str], ...]:
    """p95 of `<family>_latencies` and of its bulk calls, by app and topic (milliseconds)."""
    by = "app_id, topic, le"
    return (
        (quantile(0.95, f"{family}_latencies_bucket", by), "{{app_id}} {{topic}}"),
        (quantile(0.95, f"{family}_bulk_latencies_bucket", by), "bulk {{app_id}} {{topic}}"),
    )


# --- variables and the dashboard shell -----------------------------------------------------------
def datasource_var() -> dict[str, Any]:
    return {
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "refresh": 1,
        "regex": "",
        "options": [],
    }


def query_var(name: str, label: str, metric: str, selector: str = "") -> dict[str, Any]:
    query = (
        f"label_values({metric}{{{selector}}}, {name})"
        if selector
        else (f"label_values({metric}, {name})")
    )
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "definition": query,
        "query": {"query": query, "refId": f"{name}-values", "qryType": 1},
        "refresh": 2,
        "includeAll": True,
        # `.*` also matches series without the label (make stack has no namespace).
        "allValue": ".*",
        "multi": True,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "sort": 1,
        "hide": 0,
        "regex": "",
        "options": [],
    }


def dashboard(
    uid: str, title: str, description: str, layout: Layout, variables: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["todo"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"},
        "links": [
            {
                "title": "Todo dashboards",
                "type": "dashboards",
                "tags": ["todo"],
                "asDropdown": True,
                "includeVars": True,
                "keepTime": True,
            }
        ],
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
        "templating": {"list": [datasource_var(), *variables]},
        "panels": layout.panels,
    }


# Every dashboard's namespace filter.
NAMESPACE = query_var("namespace", "Namespace", "todo_http_requests_total")
