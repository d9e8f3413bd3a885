"""A Prometheus server for the stack: scrapes every app, every daprd and the scheduler, and
evaluates the alerting rules of monitoring/prometheus/rules (loopback only)."""

from __future__ import annotations

import json
from pathlib import Path

from todo.stack.apps import Instance
from todo.stack.paths import repo_root
from todo.stack.procs import Proc


def write_config(
    path: Path, instances: list[Instance], scheduler_metrics: int, interval: str = "5s"
) -> Path:
    """prometheus.yml (JSON is valid YAML): one job for the apps, one for the sidecars."""
    apps = [
        {
            "targets": [f"127.0.0.1:{i.app_port}"],
            "labels": {"role": i.service.app_id, "instance_name": i.name},
        }
        for i in instances
    ]
    sidecars = [
        {
            "targets": [f"127.0.0.1:{i.dapr.metrics}"],
            # `role`, as the chart's PodMonitor sets it (daprd's own series carry app_id).
            "labels": {"role": i.service.app_id, "instance_name": i.name},
        }
        for i in instances
    ]
    rules_dir = repo_root() / "monitoring" / "prometheus" / "rules"
    rules = sorted(str(p) for p in rules_dir.glob("*.yml"))
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": rules,
        "scrape_configs": [
            {"job_name": "todo", "static_configs": apps},
            {"job_name": "daprd", "static_configs": sidecars},
            {
                "job_name": "dapr-scheduler",
                "static_configs": [{"targets": [f"127.0.0.1:{scheduler_metrics}"]}],
            },
        ],
    }
    path.write_text(json.dumps(config, indent=1))
    return path


def prometheus_proc(bin_dir: Path, config: Path, data: Path, port: int, log: Path) -> Proc:
    return Proc(
        "prometheus",
        [
            str(bin_dir / "prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1d",
        ],
        log=log,
        hint="see the prometheus log; `bash scripts/tools/prometheus.sh` fetches the binaries",
    )
