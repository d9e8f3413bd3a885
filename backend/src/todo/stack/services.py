"""The services of the stack: one place that says which app-ids run and with which command.

Commands are data: `{todo}` is the backend venv's `todo` executable, `{python}` its Python,
`{app_port}` the instance's HTTP port (daprd's --app-port). Which topics each app-id receives
is not here: that is dapr/local/subscriptions.yaml (declarative subscriptions), read at start.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Service:
    app_id: str
    argv: tuple[str, ...]
    replicas: int = 1
    # the api: its port is the public one (8000 in `make stack`) and it forwards /ws
    public: bool = False
    health_path: str = "/healthz"  # must answer 200 before its daprd starts
    ready_path: str | None = None  # if set, must answer 200 once its daprd is up

    def instance_names(self) -> list[str]:
        if self.replicas == 1:
            return [self.app_id]
        return [f"{self.app_id}-{i}" for i in range(self.replicas)]


def _worker(role: str) -> tuple[str, ...]:
    return ("{todo}", "worker", role, "--port", "{app_port}")


# Start order: subscribers first (their consumer groups join while the rest starts), the api
# last; stop order is the reverse.
SERVICES: tuple[Service, ...] = (
    Service("audit", _worker("audit")),
    Service("recurrence", _worker("recurrence")),
    Service("reminders", _worker("reminders")),
    Service("notifier", _worker("notifier")),
    Service("realtime", _worker("realtime"), replicas=2),
    Service("api", ("{todo}", "serve", "--port", "{app_port}"), public=True, ready_path="/readyz"),
)

STUB_ARGV = ("{python}", "-m", "todo.stack.stub", "--port", "{app_port}")


def services(
    realtime_replicas: int = 2, *, stub: bool = False, table: tuple[Service, ...] = SERVICES
) -> tuple[Service, ...]:
    """The table with the realtime replica count applied; `stub` swaps every command for the
    launcher's own stub app (todo.stack.stub), to exercise the stack without the real apps."""
    out = []
    for svc in table:
        if svc.app_id == "realtime":
            svc = replace(svc, replicas=realtime_replicas)
        if stub:
            svc = replace(svc, argv=STUB_ARGV)
        out.append(svc)
    return tuple(out)
