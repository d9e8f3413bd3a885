"""docker/nginx.conf (the cluster's web server) sends the same security headers as the api
does under `make run` (todo.api.web.SECURITY_HEADERS), in every location that serves files:
nginx drops server-level add_header in a location with its own."""

from __future__ import annotations

import re
from pathlib import Path

from todo.api.web import SECURITY_HEADERS

CONF = Path(__file__).resolve().parents[3] / "docker" / "nginx.conf"
HEADER = re.compile(r'add_header\s+(\S+)\s+("([^"]*)"|(\S+))\s+always;')


def _locations() -> dict[str, str]:
    text = CONF.read_text()
    blocks = re.findall(r"location\s+([^{]+?)\s*\{(.*?)\n\s*\}", text, re.S)
    return {where.strip(): body for where, body in blocks}


def test_every_file_location_sends_the_security_headers() -> None:
    locations = _locations()
    assert {"/assets/", "/"} <= set(locations)
    for where in ("/assets/", "/"):
        found = {m[0]: m[2] or m[3] for m in HEADER.findall(locations[where])}
        for header, value in SECURITY_HEADERS.items():
            assert found.get(header) == value, (where, header)
