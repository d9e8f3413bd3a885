#!/usr/bin/env bash
# helm upgrade --install --atomic the app, then `helm test`. Used by the cloud scripts and by
# the deploy workflows, so a hand deploy and a pipeline deploy are the same command.
#
#   CLOUD=gke DEPLOY_ENV=prod IMAGE_TAG=<commit sha> APP_HOST=todo.example.com scripts/cloud/deploy.sh
#
# Env:
#   CLOUD          aks | gke | oke                       -> -f values-$CLOUD.yaml
#   DEPLOY_ENV     dev | staging | prod                  -> -f values-$DEPLOY_ENV.yaml
#   IMAGE_TAG      the commit SHA the build pushed (default: git rev-parse HEAD)
#   IMAGE_OWNER    ghcr.io/<owner>/todo-{backend,frontend} (default: the git remote's owner)
#   IMAGE_DIGEST / FRONTEND_DIGEST  sha256:... to deploy by digest instead of tag (optional)
#   APP_HOST       the public host name (ingress.host)
#   KAFKA_PROVIDER strimzi (default) | redpanda            -> -f values-redpanda.yaml
#   NAMESPACE      default todo; RELEASE default todo-app; HELM_TIMEOUT default 15m
#   EXTRA_VALUES   more -f files, space separated
# The Kubernetes API server's address is read from the cluster (kubectl get endpoints
# kubernetes) and becomes the only API egress the NetworkPolicies allow.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
. "$ROOT/scripts/cloud/lib.sh"

: "${CLOUD:?set CLOUD to aks, gke or oke}"
: "${DEPLOY_ENV:?set DEPLOY_ENV to dev, staging or prod}"
: "${APP_HOST:?set APP_HOST to the public host name}"
NAMESPACE="${NAMESPACE:-todo}"
RELEASE="${RELEASE:-todo-app}"
IMAGE_TAG="${IMAGE_TAG:-$(git -C "$ROOT" rev-parse HEAD)}"
IMAGE_OWNER="${IMAGE_OWNER:-$(git -C "$ROOT" remote get-url origin 2>/dev/null | sed -E 's#.*[:/]([^/]+)/[^/]+$#\1#' | tr '[:upper:]' '[:lower:]')}"
: "${IMAGE_OWNER:?set IMAGE_OWNER (ghcr.io/<owner>/todo-backend)}"
IMAGE_OWNER="$(printf '%s' "$IMAGE_OWNER" | tr '[:upper:]' '[:lower:]')"   # registry paths are lower case
CHART="$ROOT/helm/todo-app"
HELM="${HELM:-$(bash "$ROOT/scripts/tools/helm.sh" | tail -n1)}"
need kubectl

args=(upgrade --install "$RELEASE" "$CHART" --namespace "$NAMESPACE"
  --atomic --wait --timeout "${HELM_TIMEOUT:-15m}"
  -f "$CHART/values-$DEPLOY_ENV.yaml" -f "$CHART/values-$CLOUD.yaml")
if [ "${KAFKA_PROVIDER:-strimzi}" = redpanda ]; then args+=(-f "$CHART/values-redpanda.yaml"); fi
for f in ${EXTRA_VALUES:-}; do args+=(-f "$f"); done

api_cidrs="$(kubectl get endpoints kubernetes -n default \
  -o jsonpath='{range .subsets[*].addresses[*]}{.ip}{"\n"}{end}' | sed 's#$#/32#' | paste -sd, -)"
[ -n "$api_cidrs" ] || die "could not read the API server address (kubectl get endpoints kubernetes)"
log "Kubernetes API server for the NetworkPolicies: $api_cidrs"

args+=(--set "ingress.host=$APP_HOST"
  --set "image.repository=$IMAGE_OWNER/todo-backend" --set "image.tag=$IMAGE_TAG"
  --set "frontendImage.repository=$IMAGE_OWNER/todo-frontend" --set "frontendImage.tag=$IMAGE_TAG"
  --set "networkPolicy.kubeApiServer.cidrs={$api_cidrs}")
if [ -n "${IMAGE_DIGEST:-}" ]; then args+=(--set "image.digest=$IMAGE_DIGEST"); fi
if [ -n "${FRONTEND_DIGEST:-}" ]; then args+=(--set "frontendImage.digest=$FRONTEND_DIGEST"); fi

log "helm ${args[*]}"
"$HELM" "${args[@]}"
log "helm test $RELEASE"
"$HELM" test "$RELEASE" --namespace "$NAMESPACE" --timeout 5m --logs
