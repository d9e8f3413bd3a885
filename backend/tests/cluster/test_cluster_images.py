"""The images a local cluster runs besides the app's own (scripts/tools/cluster-images.sh), each
started under podman as a restricted pod would run it: the image's own non-root USER, a read-only
root, no capabilities, writable only where the pod mounts a volume (tmpfs here).

PLAINLY: these are this project's builds, not the upstream images (no registry is reachable):
Dapr's binaries from the Go module proxy, Kafka's jars from Maven Central, PostgreSQL 15,
aiosmtpd and Java from Debian, a pause binary from gcc. Kafka, PostgreSQL and the smtp sink's
smoke tests talk to them over the container's own loopback (podman exec, --network=none) or
127.0.0.1 only (the sink, --network=host). The tarballs themselves are what the cluster imports.
"""

from __future__ import annotations

import json
import re
import shutil
import smtplib
import socket
import subprocess
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from tests.chart import tools
from tests.cluster.images import podman
from tests.support.kubenode import terminate

# One static Go binary each on a distroless-like base (scripts/tools/<name>.sh builds it).
STATIC = (
    "coredns", "metrics-server", "traefik",
    "cert-manager-controller", "cert-manager-webhook", "cert-manager-cainjector",
)  # fmt: skip
NAMES = ("dapr", "kafka", "postgres", "smtp-sink", "pause", "kube-router", *STATIC)
RESTRICTED = [
    "--cap-drop=ALL", "--security-opt=no-new-privileges", "--no-healthcheck", "--passwd=false",
    "--read-only=true", "--read-only-tmpfs=false",
]  # fmt: skip


def images_dir() -> Path:
    """The newest complete output of cluster-images.sh with the script's current recipe."""
    recipe = re.search(r"^RECIPE=(\S+)$", (tools.TOOLS / "cluster-images.sh").read_text(), re.M)
    assert recipe, "no RECIPE= in scripts/tools/cluster-images.sh"
    done = sorted(
        (tools.CACHE / "cluster-images").glob(f"{recipe.group(1)}-*/.complete"),
        key=lambda p: p.stat().st_mtime,
    )
    if not done:
        pytest.fail(
            "no cluster images: run `bash scripts/tools/cluster-images.sh` "
            "(or `make cluster-check`, which builds them first)",
            pytrace=False,
        )
    return done[-1].parent


@pytest.fixture(scope="module")
def refs() -> dict[str, str]:
    """name -> image ref, from images.txt; each image loaded from its tarball when podman's
    storage lacks it."""
    out_dir = images_dir()
    listed = {}
    for line in (out_dir / "images.txt").read_text().splitlines():
        tar, ref = line.split()
        listed[tar.removesuffix(".tar")] = ref
        if podman("image", "exists", ref, check=False).returncode:
            podman("load", "--quiet", "-i", str(out_dir / tar))
    return listed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(ref: str, *cmd: str) -> str:
    return podman("run", "--rm", "--network=none", *RESTRICTED, ref, *cmd).stdout


def start(ref: str, *args: str) -> str:
    name = f"todo-ci-{uuid.uuid4().hex[:8]}"
    podman("run", "-d", f"--name={name}", *RESTRICTED, *args, ref)
    return name


def wait_for(name: str, what: str, *cmd: str, timeout: float = 90) -> str:
    """Retry `podman exec NAME CMD` until it succeeds; fail with the container's log."""
    deadline = time.monotonic() + timeout
    while True:
        proc = podman("exec", name, *cmd, check=False)
        if proc.returncode == 0:
            return proc.stdout
        running = json.loads(podman("inspect", name).stdout)[0]["State"]["Running"]
        if not running or time.monotonic() > deadline:
            logs = podman("logs", name, check=False)
            raise AssertionError(
                f"{what} (running={running}): {proc.stdout[-1500:]}{proc.stderr[-1500:]}\n"
                f"--- logs ---\n{logs.stdout[-3000:]}{logs.stderr[-3000:]}"
            )
        time.sleep(1)


@pytest.fixture(scope="module")
def servers(
    refs: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """Kafka, PostgreSQL and the smtp sink, started together (the JVM takes longest). Their data
    volumes are host dirs with mode 0777, as a kubelet makes an emptyDir (podman's --tmpfs over
    a directory the image has keeps that directory's owner and mode instead)."""

    def volume(name: str, path: str) -> str:
        host = tmp_path_factory.mktemp(name)
        host.chmod(0o777)
        return f"--volume={host}:{path}:rw"

    smtp, http = free_port(), free_port()
    names = {
        "kafka": start(
            refs["kafka"], "--network=none", volume("kafka", "/var/lib/kafka"),
            "--env=KAFKA_ADVERTISED_HOST=127.0.0.1", "--env=KAFKA_HEAP_OPTS=-Xms128m -Xmx256m",
        ),
        # no volume on /var/run/postgresql: the read-only root leaves it TCP-only
        "postgres": start(
            refs["postgres"], "--network=none", volume("pg", "/var/lib/postgresql/data"),
            "--env=POSTGRES_PASSWORD=s3cret", "--env=POSTGRES_USER=todo", "--env=POSTGRES_DB=todo",
        ),
        "smtp-sink": start(
            refs["smtp-sink"], "--network=host", "--env=SMTP_SINK_HOST=127.0.0.1",
            f"--env=SMTP_SINK_SMTP_PORT={smtp}", f"--env=SMTP_SINK_HTTP_PORT={http}",
        ),
    }  # fmt: skip
    yield {**names, "smtp": str(smtp), "http": str(http)}
    for name in names.values():
        podman("rm", "--force", "--time=5", name, check=False)


def test_tarballs_hold_the_listed_refs(refs: dict[str, str]) -> None:
    """One Docker archive per image, named by its ref (what `ctr images import` tags it as)."""
    assert sorted(refs) == sorted(NAMES)
    assert refs["pause"] == "registry.k8s.io/pause:3.10"
    assert refs["postgres"] == "localhost/todo/postgres:15"
    assert refs["smtp-sink"] == "localhost/todo/smtp-sink:1"
    assert re.fullmatch(r"localhost/dapr/dapr:\d+\.\d+\.\d+", refs["dapr"])
    assert re.fullmatch(r"localhost/todo/kafka:\d+\.\d+\.\d+", refs["kafka"])
    for name in (*STATIC, "kube-router"):
        assert re.fullmatch(rf"localhost/todo/{name}:v\d+\.\d+\.\d+", refs[name]), refs[name]
    for name, ref in refs.items():
        with tarfile.open(images_dir() / f"{name}.tar") as tar:
            member = tar.extractfile("manifest.json")
            assert member is not None
            (manifest,) = json.load(member)
        assert manifest["RepoTags"] == [ref]


def test_ctr_imports_them_by_ref(refs: dict[str, str]) -> None:
    """`ctr -n k8s.io images import` (containerd 1.6, as the node runs it) names each image by
    its ref and unpacks it: shown on a throwaway containerd (own root, socket, no CRI plugin)."""
    for binary in ("containerd", "ctr"):
        if not shutil.which(binary):
            pytest.fail(f"no {binary}: apt-get install containerd", pytrace=False)
    home = Path(tempfile.mkdtemp(prefix="ctrd-"))
    sock = home / "containerd.sock"
    (home / "config.toml").write_text(
        f'version = 2\nroot = "{home}/root"\nstate = "{home}/state"\n'
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
        f'[grpc]\n  address = "{sock}"\n[ttrpc]\n  address = "{sock}.ttrpc"\n'
        f'[plugins."io.containerd.internal.v1.opt"]\n  path = "{home}/opt"\n'
    )
    log = (home / "containerd.log").open("w")
    daemon = subprocess.Popen(
        ["containerd", "--config", str(home / "config.toml")], stdout=log, stderr=log
    )
    ctr = ["ctr", "--address", str(sock), "-n", "k8s.io"]
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([*ctr, "version"], capture_output=True, check=False).returncode:
            assert daemon.poll() is None and time.monotonic() < deadline, (
                home / "containerd.log"
            ).read_text()[-3000:]
            time.sleep(0.3)
        small = [n for n in ("pause", "smtp-sink") if n in refs]
        for name in small:
            proc = subprocess.run(
                [*ctr, "images", "import", str(images_dir() / f"{name}.tar")],
                capture_output=True, text=True, check=False, timeout=300,
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr
        listed = subprocess.run(
            [*ctr, "images", "ls", "-q"], capture_output=True, text=True, check=True
        ).stdout.split()
        assert {refs[n] for n in small} <= set(listed), listed
    finally:
        terminate(daemon, wait=15)
        log.close()
        subprocess.run(["umount", "-R", str(home / "root")], capture_output=True, check=False)
        shutil.rmtree(home, ignore_errors=True)


def test_each_image_runs_as_non_root(refs: dict[str, str]) -> None:
    users = {n: podman("image", "inspect", "--format", "{{.Config.User}}", r).stdout.strip()
             for n, r in refs.items()}  # fmt: skip
    assert users == {
        "dapr": "65532:65532", "kafka": "1000:1000", "postgres": "999:999",
        "smtp-sink": "65532:65532", "pause": "65535:65535",
        **dict.fromkeys(STATIC, "65532:65532"),
        # The one root image: kube-router programs the node's iptables (NET_ADMIN, its own
        # `privileged` namespace: scripts/cloud/manifests/local/kube-router.yaml).
        "kube-router": "",
    }  # fmt: skip


def test_dapr_binaries(refs: dict[str, str]) -> None:
    version = refs["dapr"].rsplit(":", 1)[1]
    assert run(refs["dapr"], "/daprd", "--version").strip() == version
    run(refs["dapr"], "/operator", "--help")  # exits 0
    for binary in ("injector", "sentry", "placement", "scheduler"):
        # pflag's --help exits 2 in some of them: the usage text is the check
        proc = podman(
            "run", "--rm", "--network=none", *RESTRICTED, refs["dapr"], f"/{binary}", "--help",
            check=False,
        )  # fmt: skip
        assert f"Usage of {binary}" in proc.stdout + proc.stderr, proc.stderr[-2000:]


def test_pause_stops_on_sigterm(refs: dict[str, str]) -> None:
    name = start(refs["pause"], "--network=none")
    try:
        t0 = time.monotonic()
        podman("stop", "--time=10", name)
        assert time.monotonic() - t0 < 9, (
            "pause ignored SIGTERM (podman stop waited for its --time)"
        )
        state = json.loads(podman("inspect", name).stdout)[0]["State"]
        assert state["ExitCode"] == 0
    finally:
        podman("rm", "--force", name, check=False)


def test_smtp_sink_returns_a_mail_once(servers: dict[str, str]) -> None:
    api = f"http://127.0.0.1:{servers['http']}"
    wait_for(servers["smtp-sink"], "smtp sink not serving",
             "python3", "-c", f"import urllib.request as u; u.urlopen('{api}/healthz')")  # fmt: skip
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "todo@localhost", "ann@example.test", "Reminder"
    msg.set_content("Water the plants")
    with smtplib.SMTP("127.0.0.1", int(servers["smtp"]), timeout=10) as client:
        client.send_message(msg)
    got = httpx.get(f"{api}/messages", timeout=5).raise_for_status().json()
    assert len(got) == 1
    assert got[0]["from"] == "todo@localhost" and got[0]["to"] == ["ann@example.test"]
    assert got[0]["subject"] == "Reminder" and got[0]["body"].strip() == "Water the plants"
    assert got[0]["headers"]["To"] == "ann@example.test"
    assert httpx.delete(f"{api}/messages", timeout=5).status_code == 204
    assert httpx.get(f"{api}/messages", timeout=5).json() == []


def test_postgres_takes_a_password_login(servers: dict[str, str]) -> None:
    name = servers["postgres"]
    psql = ["env", "PGPASSWORD=s3cret", "psql", "-h", "127.0.0.1", "-U", "todo", "-d", "todo"]
    out = wait_for(name, "postgres not accepting logins", *psql, "-tAc", "select current_user")
    assert out.strip() == "todo"
    wrong = podman("exec", name, "env", "PGPASSWORD=nope", *psql[2:], "-c", "select 1", check=False)
    assert wrong.returncode != 0 and "password authentication failed" in wrong.stderr


def test_kafka_creates_a_topic(servers: dict[str, str]) -> None:
    name = servers["kafka"]
    topics = ["kafka-topics", "--bootstrap-server", "127.0.0.1:9092"]
    wait_for(name, "kafka-topics --create failed",
             *topics, "--create", "--if-not-exists", "--topic", "smoke", "--partitions", "1",
             timeout=120)  # fmt: skip
    listed = podman("exec", name, *topics, "--list").stdout.split()
    assert "smoke" in listed
