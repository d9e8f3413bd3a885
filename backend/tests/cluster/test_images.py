"""The real Dockerfiles, built with podman, each role run under the chart's securityContext.

PLAINLY: the base images are stand-ins built from Debian packages (scripts/tools/base-images.sh)
and tagged with the Dockerfiles' FROM names. The real python:3.11.14-slim-bookworm,
node:20.20.2-bookworm-slim and nginxinc/nginx-unprivileged:1.28.0-alpine images were not used,
because no container registry is reachable here. What is real: the Dockerfiles, the build, the
image's own USER/ENTRYPOINT, and the run under the chart's own securityContext (its UID, a
read-only root file system, no capabilities, no privilege escalation) with no network at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chart import tools
from tests.cluster import images
from tests.cluster.renders import render

KINDS = ("backend", "frontend")


@pytest.fixture(scope="module")
def built() -> dict[str, dict[str, Any]]:
    """Both images, built once per session (podman's layer cache keeps warm builds short)."""
    out = {}
    for kind in KINDS:
        for base in images.from_names(tools.REPO / "docker" / f"{kind}.Dockerfile"):
            found = images.podman("image", "exists", base, check=False).returncode == 0
            if not found:
                pytest.fail(
                    f"no base {base}: run `bash scripts/tools/base-images.sh`", pytrace=False
                )
            label = images.inspect(base)["Labels"] or {}
            assert images.STAND_IN_LABEL in label, (
                f"{base} is not our stand-in: the test expects one"
            )
        images.build(kind)
        out[kind] = images.inspect(images.IMAGES[kind])
    report = {
        k: {
            "size_mb": round(v["Size"] / 1e6, 1),
            "layers": len(v["RootFS"]["Layers"]),
            "base": "stand-in",
        }
        for k, v in out.items()
    }
    (tools.CACHE / "cluster-check").mkdir(parents=True, exist_ok=True)
    (tools.CACHE / "cluster-check" / "images.json").write_text(json.dumps(report, indent=2))
    return out


@pytest.fixture(scope="module")
def specs(helm: Path) -> list[images.RoleSpec]:
    return images.role_specs(render(helm, "defaults", tools.NAMESPACE))


@pytest.mark.parametrize("kind", KINDS)
def test_image_does_not_run_as_root(kind: str, built: dict[str, dict[str, Any]]) -> None:
    user = built[kind]["Config"].get("User", "")
    assert user and user.split(":")[0] not in ("0", "root"), f"{kind} image USER is {user!r}"
    # The image's own user, without the chart's runAsUser: still not root.
    uid = images.podman(
        "run", "--rm", "--network=none", "--entrypoint=id", images.IMAGES[kind], "-u"
    ).stdout
    assert uid.strip() not in ("", "0"), uid


@pytest.mark.parametrize("kind", KINDS)
def test_image_size_and_layers(kind: str, built: dict[str, dict[str, Any]]) -> None:
    """Reported in $TODO_CACHE/cluster-check/images.json; bounds catch a runaway layer."""
    size_mb = built[kind]["Size"] / 1e6
    assert size_mb < (600 if kind == "backend" else 200), size_mb
    assert len(built[kind]["RootFS"]["Layers"]) < 20


def test_migrate_runs_under_the_chart_security_context(
    specs: list[images.RoleSpec], built: Any
) -> None:
    api = next(s for s in specs if s.role == "api")
    proc = images.podman("run", "--rm", *images.run_args(api), images.IMAGES["backend"], "migrate")
    assert "migrated" in proc.stdout, proc.stdout + proc.stderr


@pytest.fixture
def container(
    request: pytest.FixtureRequest, specs: list[images.RoleSpec], built: Any
) -> Iterator[tuple[str, images.RoleSpec]]:
    spec = next(s for s in specs if s.role == request.param)
    name = images.start(spec)
    try:
        yield name, spec
    finally:
        images.remove(name)


ROLES = ["api", "frontend", "audit", "recurrence", "reminders", "notifier", "realtime"]


@pytest.mark.parametrize("container", ROLES, indirect=True)
def test_role_starts_and_answers_health(container: tuple[str, images.RoleSpec]) -> None:
    name, spec = container
    images.wait_healthy(name, spec)


# One role per image: the workers run the same image and entrypoint as api (their health runs
# above are read-only, so a write of theirs outside /tmp would already have failed there).
@pytest.mark.parametrize("role", ["api", "frontend"])
def test_role_writes_only_to_its_volumes(
    role: str, specs: list[images.RoleSpec], built: Any
) -> None:
    """Run with a WRITABLE root file system, then ask podman what changed outside the volumes:
    a write the read-only run would have turned into an error shows up here by name."""
    spec = next(s for s in specs if s.role == role)
    name = images.start(spec, read_only=False)
    try:
        images.wait_healthy(name, spec)
        outside = images.writes_outside(name, spec)
    finally:
        images.remove(name)
    assert outside == [], f"{role} wrote outside {spec.writable}: {outside}"
