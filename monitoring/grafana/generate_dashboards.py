"""Writes the Grafana dashboards in monitoring/grafana/dashboards/ (provisionable JSON).

    python3 monitoring/grafana/generate_dashboards.py          # rewrite the JSON files
    python3 monitoring/grafana/generate_dashboards.py --check  # exit 1 if they are stale

The JSON is what Grafana provisions (kube-prometheus-stack's dashboard sidecar, or a file
provider); this script is how it is written, so the four dashboards stay consistent. The panels
are in app_dashboards.py and platform_dashboards.py, the pieces in builders.py. Edit there,
re-run this, commit both. backend/tests/monitoring checks that the files are up to date and that
every metric an expression names exists (the app's registry, the recording rules, daprd's
captured list, monitoring/reference/external-metrics.txt).

Every dashboard has a `datasource` variable (any Prometheus) and a `namespace` variable (All
also matches series without the label, as in `make stack`). daprd's latencies are in
milliseconds, the app's in seconds. Standard library only.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app_dashboards import event_pipeline, service_overview
from platform_dashboards import kafka_dapr, reminders

OUT = Path(__file__).resolve().parent / "dashboards"


DASHBOARDS: dict[str, Callable[[], dict[str, Any]]] = {
    "todo-service-overview.json": service_overview,
    "todo-event-pipeline.json": event_pipeline,
    "todo-reminders.json": reminders,
    "todo-kafka-dapr.json": kafka_dapr,
}


def render() -> dict[str, str]:
    return {name: json.dumps(build(), indent=2) + "\n" for name, build in DASHBOARDS.items()}


def main(argv: list[str]) -> int:
    files = render()
    if "--check" in argv:
        stale = [
            n for n, t in files.items() if not (OUT / n).exists() or (OUT / n).read_text() != t
        ]
        if stale:
            print(f"stale: {', '.join(stale)}; run python3 {__file__}", file=sys.stderr)
            return 1
        return 0
    OUT.mkdir(exist_ok=True)
    for name, text in files.items():
        (OUT / name).write_text(text)
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
