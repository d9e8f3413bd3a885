# syntax=docker/dockerfile:1.7
# The backend: one image for every role, started by command through the `todo` CLI
#   todo serve --host 0.0.0.0 --port 8000              (api)
#   todo worker <audit|recurrence|reminders|notifier|realtime> --host 0.0.0.0 --port 8000
#   todo migrate                                        (the Helm pre-install/pre-upgrade hook)
# Build from the repository root:
#   docker buildx build -f docker/backend.Dockerfile -t todo-backend .
# Runs as UID 10001 with a read-only root filesystem: only /tmp must be writable (the chart
# mounts an emptyDir there; HOME points at it). Bytecode is compiled at build time.
#
# Pins: the base by exact version tag (Renovate/Dependabot bump it; build.yml's Trivy scan
# fails on HIGH/CRITICAL findings, which is what forces the bump), uv by the version the
# Makefile uses (from PyPI, like scripts/tools/uv.sh), dependencies by backend/uv.lock.

FROM python:3.11.14-slim-bookworm AS build
ARG UV_VERSION=0.13.8
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --disable-pip-version-check "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Dependencies first: this layer is reused until uv.lock changes.
COPY backend/pyproject.toml backend/uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY backend/src ./src
# The project itself, as a regular (non-editable) install: the venv is all the runtime needs.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

FROM python:3.11.14-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="todo-backend" \
      org.opencontainers.image.description="Todo api and workers (one image, role by command)" \
      org.opencontainers.image.source="https://github.com/todo/todo"
RUN groupadd --system --gid 10001 todo \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
      --shell /usr/sbin/nologin todo
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TODO_LOG_JSON=true
USER 10001:10001
WORKDIR /tmp
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["todo"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
