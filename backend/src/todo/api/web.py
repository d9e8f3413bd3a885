"""The built web app (frontend/dist) at `/`, with the single-page app's fallback.

Installed as the router's default, so it only sees requests no route matched: the API keeps
its own 404 and 405 answers (problem+json), and a deep link such as /tasks/7/history gets
index.html for the browser's router to handle.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

# Paths that belong to the server, never to the web app: unknown ones stay problem+json 404s.
RESERVED = ("/api", "/ws", "/docs", "/openapi.json", "/healthz", "/readyz", "/metrics", "/internal")
# Vite puts content-hashed files here: they never change under the same name.
IMMUTABLE = "/assets/"
# The built app loads only its own files and talks only to its own origin ('self' covers the
# same-origin WebSocket); nothing may frame it. docker/nginx.conf sends the same headers.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def _reserved(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in RESERVED)


class WebApp:
    """Static files from `directory`; index.html for GET/HEAD of anything else outside RESERVED."""

    def __init__(self, directory: str | Path, fallback: ASGIApp) -> None:
        self.directory = Path(directory)
        self.index = self.directory / "index.html"
        self.files = StaticFiles(directory=self.directory, html=True)
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "/")
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or _reserved(path):
            await self.fallback(scope, receive, send)
            return
        response = await self._response(scope, path)
        if response is None:
            await self.fallback(scope, receive, send)
            return
        await response(scope, receive, send)

    async def _response(self, scope: Scope, path: str) -> Response | None:
        try:
            response = await self.files.get_response(self.files.get_path(scope), scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            # A missing file with an extension (/assets/old.js) is a real 404; any other
            # path is a screen of the app.
            if PurePosixPath(path).suffix or not self.index.is_file():
                return None
            response = FileResponse(self.index)
        response.headers.update(SECURITY_HEADERS)
        if path.startswith(IMMUTABLE) and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif response.media_type == "text/html" or path == "/" or not PurePosixPath(path).suffix:
            # index.html names the current asset files: always revalidate it.
            response.headers["Cache-Control"] = "no-cache"
        return response


def install(app: FastAPI, directory: str | Path) -> None:
    app.router.default = WebApp(directory, app.router.default)
