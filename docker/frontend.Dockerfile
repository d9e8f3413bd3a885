# syntax=docker/dockerfile:1.7
# The web app: built with Node, served by unprivileged nginx on :8080 (frontend/dist).
# Build from the repository root:
#   docker buildx build -f docker/frontend.Dockerfile -t todo-frontend .
# In the cluster the Ingress sends /api and /ws to the backend and everything else here.
# (The api can serve the same files itself: TODO_STATIC_DIR=<dist> todo serve, as `make run`
# does; the cluster uses this image so the web app scales and rolls out on its own.)
# Runs as UID 10101 with a read-only root filesystem: nginx writes only under /tmp (pid,
# temp files), an emptyDir in the chart.

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /web
COPY frontend/package.json frontend/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM nginxinc/nginx-unprivileged:1.28.0-alpine AS runtime
LABEL org.opencontainers.image.title="todo-frontend" \
      org.opencontainers.image.source="https://github.com/todo/todo"
COPY docker/nginx.conf /etc/nginx/nginx.conf
COPY --from=build /web/dist /usr/share/nginx/html
USER 10101:10101
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
# nginx itself, not the image's entrypoint scripts (they try to edit /etc/nginx at start).
ENTRYPOINT ["nginx", "-g", "daemon off;"]
