"""A Zipkin server for the stack's traces: one exec jar, in-memory storage, loopback only."""

from __future__ import annotations

import os
from pathlib import Path

from todo.stack.procs import Proc


def zipkin_proc(home: Path, port: int, log: Path) -> Proc:
    jar = next(home.glob("zipkin-server-*-exec.jar"))
    return Proc(
        "zipkin",
        [
            "java",
            "-Xms64m",
            "-Xmx256m",
            "-jar",
            str(jar),
            # Armeria's default is every interface; the stack binds loopback only.
            "--armeria.ports[0].ip=127.0.0.1",
            f"--armeria.ports[0].port={port}",
            "--armeria.ports[0].protocols[0]=http",
        ],
        log=log,
        env={**os.environ, "STORAGE_TYPE": "mem", "QUERY_PORT": str(port)},
        hint="see the zipkin log; `bash scripts/tools/zipkin.sh` fetches the jar",
    )
