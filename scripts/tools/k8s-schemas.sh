#!/usr/bin/env bash
# Build (once) the offline schemas kubeconform validates against; print their root dir
# (last stdout line). Nothing is fetched from GitHub or kubernetes.io:
#   - Kubernetes: the PyPI package kubernetes-validate (its own venv, locked in
#     requirements/kubernetes-validate.txt), strict schemas, refs rewritten to local files;
#   - Dapr: the CRDs of Dapr's Helm chart (the cache dapr.sh fills, or, when that is missing,
#     the dapr module from the Go module proxy: `go mod download`, no build);
#   - prometheus-operator (PodMonitor, ServiceMonitor, PrometheusRule, the kinds the chart
#     gives kube-prometheus-stack): the CRDs in the prometheus-operator module's
#     example/prometheus-operator-crd, also from the Go module proxy.
#
#   SCHEMAS="$(scripts/tools/k8s-schemas.sh | tail -n1)"
#   kubeconform -strict \
#     -schema-location "$SCHEMAS/kubernetes/v1.33.0/{{.ResourceKind}}{{.KindSuffix}}.json" \
#     -schema-location "$SCHEMAS/crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json" ...
#
# Env: K8S_SCHEMA_VERSIONS (default "1.33.0 1.37.0": the oldest minor the clouds still run and
# the newest the package has), KUBERNETES_VALIDATE_VERSION (1.37.0), DAPR_VERSION (1.18.2),
# PROMETHEUS_OPERATOR_VERSION (0.94.0: the newest the Go proxy serves here; 0.95 is refused),
# TODO_CACHE. Output:
# $TODO_CACHE/k8s-schemas/kv<kv>-dapr<dapr>-promop<po>/{kubernetes/v<k8s>,crds/<group>}.
set -euo pipefail
_TOOL_NAME=k8s-schemas
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=pylib.sh
. "$HERE/pylib.sh"

KV_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
K8S_VERSIONS="${K8S_SCHEMA_VERSIONS:-1.33.0 1.37.0}"
DAPR_VERSION="${DAPR_VERSION:-1.18.2}"
PROMOP_VERSION="${PROMETHEUS_OPERATOR_VERSION:-0.94.0}"
OUT="$TODO_CACHE/k8s-schemas/kv$KV_VERSION-dapr$DAPR_VERSION-promop$PROMOP_VERSION"
# The generator's own hash is part of the marker: a changed converter rebuilds the schemas.
RECIPE="versions=$K8S_VERSIONS;gen=$(sha256sum "$HERE/k8s_schemas.py" | cut -c1-12)"

if [ -f "$OUT/.complete" ] && grep -qF "recipe=$RECIPE" "$OUT/.complete"; then
  log "cached: $OUT ($(cat "$OUT/.complete"))"
  echo "$OUT"
  exit 0
fi

PY="$(py_tool kubernetes-validate "$KV_VERSION" python | tail -n1)"
SRC="$("$PY" -c 'import kubernetes_validate, os; print(os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema"))')"

# module_dir MODULE@VERSION: the module's source tree (Go's module cache, outside the repo).
module_dir() {
  need go "install Go (https://go.dev/dl/ or Debian's golang) and re-run $0"
  local json
  json="$(go mod download -json "$1")" \
    || die "go mod download $1 failed" "check GOPROXY=$(go env GOPROXY) and that it serves $1"
  printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

CRDS="$TODO_CACHE/dapr/$DAPR_VERSION/charts/dapr/crds"
dapr_crds() {
  CRDS="$(module_dir "github.com/dapr/dapr@v$DAPR_VERSION")/charts/dapr/crds"
  [ -d "$CRDS" ] || die "no charts/dapr/crds in the dapr module ($CRDS)"
}
if [ ! -d "$CRDS" ]; then
  step "Dapr $DAPR_VERSION CRDs from the Go module proxy" dapr_crds
fi
log "Dapr CRDs: $CRDS"

PROMOP_CRDS=""
promop_crds() {
  PROMOP_CRDS="$(module_dir "github.com/prometheus-operator/prometheus-operator@v$PROMOP_VERSION")/example/prometheus-operator-crd"
  [ -d "$PROMOP_CRDS" ] || die "no example/prometheus-operator-crd in the prometheus-operator module"
}
step "prometheus-operator $PROMOP_VERSION CRDs from the Go module proxy" promop_crds
log "prometheus-operator CRDs: $PROMOP_CRDS"

build() {
  rm -rf "$OUT.tmp"; mkdir -p "$OUT.tmp"
  # shellcheck disable=SC2086 # K8S_VERSIONS is a space-separated list on purpose
  "$PY" "$HERE/k8s_schemas.py" "$OUT.tmp" "$SRC" "$K8S_VERSIONS" "$CRDS"/*.yaml \
    "$PROMOP_CRDS"/monitoring.coreos.com_{podmonitors,servicemonitors,prometheusrules}.yaml
  rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) recipe=$RECIPE crds=$CRDS promop=$PROMOP_CRDS" > "$OUT/.complete"
}
step "convert schemas into $OUT" build
total_time
echo "$OUT"
