"""Dapr for the stack: the resources rendered from dapr/local/, the scheduler, one daprd per app.

Templates use ${NAME} placeholders (string.Template: an unknown one is an error) and
`#?NAME ` line prefixes: such a line is kept, without the prefix, only when NAME is set.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from todo.stack.config import DaprdPorts, Ports
from todo.stack.errors import StackError
from todo.stack.procs import Proc

_CONDITIONAL = re.compile(r"^#\?([A-Z_][A-Z0-9_]*)(.*)$")


def render_text(text: str, values: dict[str, str], source: Path) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        m = _CONDITIONAL.match(line)
        if m is None:
            lines.append(line)
        elif values.get(m.group(1)):
            lines.append(m.group(2) + ("\n" if line.endswith("\n") else ""))
    try:
        return string.Template("".join(lines)).substitute(values)
    except (KeyError, ValueError) as e:
        raise StackError(f"template {source}: bad or unknown placeholder {e}") from e


@dataclass(frozen=True)
class DaprFiles:
    resources: Path  # --resources-path
    config: Path  # --config


def render(templates: Path, out: Path, values: dict[str, str]) -> DaprFiles:
    """dapr/local/{components/*.yaml,resiliency.yaml,subscriptions.yaml} -> out/resources,
    dapr/local/config.yaml -> out/config.yaml; every result must parse as YAML."""
    resources = out / "resources"
    resources.mkdir(parents=True, exist_ok=True)
    sources = sorted((templates / "components").glob("*.yaml"))
    sources += [p for p in (templates / n for n in ("resiliency.yaml", "subscriptions.yaml"))]
    targets = [(src, resources / src.name) for src in sources]
    targets.append((templates / "config.yaml", out / "config.yaml"))
    for src, dst in targets:
        if not src.is_file():
            raise StackError(f"missing Dapr template {src}")
        text = render_text(src.read_text(), values, src)
        try:
            list(yaml.safe_load_all(text))
        except yaml.YAMLError as e:
            raise StackError(f"{src} does not render to valid YAML: {e}") from e
        dst.write_text(text)
    return DaprFiles(resources=resources, config=out / "config.yaml")


def _docs(resources: Path, kind: str) -> list[dict[str, Any]]:
    found = []
    for path in sorted(resources.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == kind:
                found.append(doc)
    return found


@dataclass(frozen=True)
class Expectation:
    """A consumer group the stack waits for: `group` by name, or (group None) any
    `count` distinct groups, for per-instance ({uuid}) consumer ids."""

    topic: str
    group: str | None
    count: int = 1


def consumer_expectations(resources: Path, running: dict[str, int]) -> list[Expectation]:
    """What Kafka should show once the daprd of the running instances (app-id -> count)
    have joined: derived from the Subscriptions and the pub/sub components' metadata."""
    modes: dict[str, str | None] = {}  # pubsub name -> fixed group, "" = app-id, None = unique
    for comp in _docs(resources, "Component"):
        meta = {m.get("name"): str(m.get("value", "")) for m in comp["spec"].get("metadata", [])}
        if meta.get("consumerGroup"):
            modes[comp["metadata"]["name"]] = meta["consumerGroup"]
        elif "{" in meta.get("consumerID", ""):
            modes[comp["metadata"]["name"]] = None
        else:
            modes[comp["metadata"]["name"]] = meta.get("consumerID", "")
    out: list[Expectation] = []
    for sub in _docs(resources, "Subscription"):
        spec = sub["spec"]
        for app_id in sub.get("scopes") or list(running):
            n = running.get(app_id, 0)
            if n == 0:
                continue
            mode = modes.get(spec["pubsubname"], "")
            if mode is None:
                out.append(Expectation(spec["topic"], None, n))
            else:
                out.append(Expectation(spec["topic"], mode or app_id))
    return out


def scheduler_proc(bin_dir: Path, run: Path, ports: Ports, log: Path) -> Proc:
    sid = "todo-scheduler-0"
    return Proc(
        "scheduler",
        [
            str(bin_dir / "scheduler"),
            "--mode",
            "standalone",
            "--id",
            sid,
            "--listen-address",
            "127.0.0.1",
            "--port",
            str(ports.scheduler),
            "--healthz-listen-address",
            "127.0.0.1",
            "--healthz-port",
            str(ports.scheduler_healthz),
            "--metrics-listen-address",
            "127.0.0.1",
            "--metrics-port",
            str(ports.scheduler_metrics),
            "--etcd-data-dir",
            str(run / "scheduler" / "data"),
            "--etcd-client-listen-address",
            "127.0.0.1",
            "--etcd-client-port",
            str(ports.etcd_client),
            "--etcd-initial-cluster",
            f"{sid}=http://127.0.0.1:{ports.etcd_peer}",
            "--log-level",
            "info",
        ],
        log=log,
        hint="look for 'bind: address already in use' or etcd errors in the log",
    )


def daprd_proc(
    bin_dir: Path,
    *,
    name: str,
    app_id: str,
    app_port: int,
    ports: DaprdPorts,
    files: DaprFiles,
    scheduler_port: int,
    log: Path,
) -> Proc:
    return Proc(
        f"{name}.daprd",
        [
            str(bin_dir / "daprd"),
            "--mode",
            "standalone",
            "--app-id",
            app_id,
            "--app-port",
            str(app_port),
            "--app-protocol",
            "http",
            "--app-channel-address",
            "127.0.0.1",
            "--dapr-listen-addresses",
            "127.0.0.1",
            "--dapr-http-port",
            str(ports.http),
            "--dapr-grpc-port",
            str(ports.grpc),
            "--dapr-internal-grpc-listen-address",
            "127.0.0.1",
            "--dapr-internal-grpc-port",
            str(ports.internal_grpc),
            "--metrics-listen-address",
            "127.0.0.1",
            "--metrics-port",
            str(ports.metrics),
            "--resources-path",
            str(files.resources),
            "--config",
            str(files.config),
            "--scheduler-host-address",
            f"127.0.0.1:{scheduler_port}",
            "--dapr-graceful-shutdown-seconds",
            "3",
            "--log-level",
            "info",
        ],
        log=log,
        stop_timeout=15.0,
        hint="look for component init errors (level=error/fatal) in the daprd log above",
    )
