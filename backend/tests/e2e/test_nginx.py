"""The cluster's web server: docker/nginx.conf run by a real nginx against a built web app.

Debian's nginx (scripts/tools/nginx.sh, unpacked, no daemon) serves a stand-in dist with the
image's configuration, changed only where the machine differs (port, paths). It must serve
the SPA with its fallback, cache the hashed assets forever and index.html never, answer
/healthz, and send the same security headers as the api does under `make run`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from todo.api.web import SECURITY_HEADERS

REPO = Path(__file__).resolve().parents[3]
CACHE = Path(os.environ.get("TODO_CACHE", Path.home() / ".cache" / "todo"))
INDEX = '<!doctype html><html><body><div id="root"></div></body></html>'


def _nginx_dir() -> Path:
    found = sorted(
        (d for d in CACHE.glob("nginx/*/bin") if (d / ".complete").exists()),
        key=lambda d: [int(p) if p.isdigit() else 0 for p in d.parent.name.split(".")],
    )
    if not found:
        pytest.fail(
            "nginx is missing: run `bash scripts/tools/nginx.sh` (make tools does)", pytrace=False
        )
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _local_config(tmp: Path, tools: Path, dist: Path, port: int) -> str:
    text = (REPO / "docker" / "nginx.conf").read_text()
    changes = [  # /tmp first: the replacements below may themselves live under /tmp
        ("/tmp/", f"{tmp}/"),  # noqa: S108 (the image's paths, replaced by a private dir)
        ("listen 8080;", f"listen 127.0.0.1:{port};"),
        ("root /usr/share/nginx/html;", f"root {dist};"),
        ("include /etc/nginx/mime.types;", f"include {tools}/mime.types;"),
    ]
    for pattern, replacement in changes:
        text, n = re.subn(re.escape(pattern), replacement, text)
        assert n, f"docker/nginx.conf no longer has {pattern!r}: update this test"
    return text


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tools = _nginx_dir()
    tmp = tmp_path_factory.mktemp("nginx")
    dist = tmp / "html"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log('hi')")
    port = _free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(_local_config(tmp, tools, dist, port))
    log = tmp / "nginx.log"
    argv = [str(tools / "nginx"), "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)]
    check = subprocess.run([*argv, "-t"], capture_output=True, text=True, check=False)  # syntax
    assert check.returncode == 0, check.stderr
    with log.open("w") as out:
        # As root, nginx's workers would run as nobody, who cannot read pytest's private dirs.
        run_as = " user root;" if os.geteuid() == 0 else ""
        proc = subprocess.Popen([*argv, "-g", "daemon off;" + run_as], stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{url}/healthz", trust_env=False)
                break
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "nginx did not answer within 10 s"
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def _get(url: str) -> httpx.Response:
    return httpx.get(url, trust_env=False)


@pytest.mark.parametrize("path", ["/", "/login", "/tasks/7/history"])
def test_screens_get_index_html_uncached_with_the_security_headers(nginx: str, path: str) -> None:
    response = _get(nginx + path)
    assert response.status_code == 200 and response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    for header, value in SECURITY_HEADERS.items():
        assert response.headers.get(header) == value, header
    assert "server" not in response.headers or "/" not in response.headers["server"]


def test_hashed_assets_are_immutable_and_missing_ones_404(nginx: str) -> None:
    asset = _get(nginx + "/assets/index-abc123.js")
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    for header, value in SECURITY_HEADERS.items():
        assert asset.headers.get(header) == value, header
    assert _get(nginx + "/assets/missing.js").status_code == 404


def test_healthz(nginx: str) -> None:
    response = _get(nginx + "/healthz")
    assert response.status_code == 200 and response.text == "ok\n"
