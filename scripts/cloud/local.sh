#!/usr/bin/env bash
# The cloud path, run against the local cluster (`make cluster`; docs/cloud/local.md): the same
# steps as aks.sh/gke.sh/oke.sh after "a cluster exists", with what this machine has in place
# of a cloud's managed services:
#   1. namespaces (lib.sh)                      5. kube-router's firewall: the NetworkPolicies
#   2. metrics-server (its chart, from its module)  enforced (a cloud's CNI does it there)
#   3. cert-manager (its chart) + a CA issuer   6. PostgreSQL + SMTP sink (infra namespace)
#   4. Traefik (our manifests), Dapr (its chart)  7. Kafka: one KRaft broker, SCRAM over TLS,
#                                                  users and topics (+ .dlq) as in the clouds
#                                               8. Secrets, deploy.sh (CLOUD=local), smoke.sh
# Every image was built here and imported into the node by tests.support.localcluster; nothing
# is pulled. Idempotent: re-running upgrades in place.
#
#   KUBECONFIG=.cluster/plane/pki/admin.kubeconfig IMAGE_TAG=<tag> HTTPS_PORT=8443 scripts/cloud/local.sh
#
# Env: KUBECONFIG (required), IMAGE_TAG (the app images' tag: localhost/todo/todo-{backend,frontend}),
#      HTTPS_PORT (the host port of the cluster's door to Traefik's 443; the smoke test uses it),
#      SKIP_SMOKE=1, MAILBOX_PORT (host port of the door to the SMTP sink's HTTP API).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CLOUD=local
# shellcheck source=lib.sh
. "$ROOT/scripts/cloud/lib.sh"
: "${KUBECONFIG:?set KUBECONFIG (make cluster prints it)}"
: "${IMAGE_TAG:?set IMAGE_TAG, the tag of localhost/todo/todo-backend and -frontend}"
export KUBECONFIG IMAGE_TAG DEPLOY_ENV=dev APP_HOST=localhost IMAGE_OWNER=todo
HTTPS_PORT="${HTTPS_PORT:-8443}"
MANIFESTS="$ROOT/scripts/cloud/manifests/local"
HELM="$(helm_bin)"
export HELM
# kubectl of the cluster's own version, ahead of any other on PATH.
PATH="$(bash "$ROOT/scripts/tools/kubernetes.sh" | tail -n1):$PATH"
IMAGES="$(bash "$ROOT/scripts/tools/cluster-images.sh" | tail -n1)"
image() {
  local ref; ref="$(awk -v n="$1.tar" '$1 == n {print $2}' "$IMAGES/images.txt")"
  [ -n "$ref" ] || die "no $1 image in $IMAGES/images.txt" "re-run scripts/tools/cluster-images.sh"
  echo "$ref"
}
repo() { local r; r="$(image "$1")"; echo "${r%:*}"; }
tag() { local r; r="$(image "$1")"; echo "${r##*:}"; }
modchart() {  # modchart MODULE@VERSION SUBDIR: a chart that ships inside a Go module
  local dir; dir="$(go env GOMODCACHE)/$1/$2"
  [ -d "$dir" ] || die "no chart at $dir" "run the matching scripts/tools/*.sh (it downloads the module)"
  echo "$dir"
}
# A random secret, kept across re-runs: the value already in SECRET/KEY of NAMESPACE, else new.
kept() {
  local v; v="$(kubectl get secret -n "$1" "$2" -o jsonpath="{.data.$3}" 2>/dev/null | base64 -d || true)"
  [ -n "$v" ] || v="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
  echo "$v"
}
apply_secret() {  # apply_secret NAMESPACE NAME KEY=VALUE...
  local ns="$1" name="$2"; shift 2
  local args=() kv; for kv in "$@"; do args+=(--from-literal="$kv"); done
  kubectl create secret generic "$name" -n "$ns" "${args[@]}" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
}

log "1/8 namespaces"
namespaces
kubectl create namespace infra --dry-run=client -o yaml | kubectl apply -f - >/dev/null

log "2/8 metrics-server (the HPA's resource metrics)"
MS_VERSION="$(tag metrics-server)"
"$HELM" upgrade --install metrics-server \
  "$(modchart "sigs.k8s.io/metrics-server@$MS_VERSION" charts/metrics-server)" \
  --namespace kube-system --wait --timeout 5m \
  --set image.repository="$(repo metrics-server)" --set image.tag="$MS_VERSION" \
  --set image.pullPolicy=Never \
  --set 'defaultArgs={--cert-dir=/tmp,--kubelet-preferred-address-types=InternalIP,--kubelet-use-node-status-port,--metric-resolution=15s}' \
  --set 'args={--kubelet-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt}' \
  --set resources.requests.cpu=20m --set resources.requests.memory=48Mi

log "3/8 cert-manager and the cluster's CA issuer"
CM_VERSION="$(tag cert-manager-controller)"
# The chart as cert-manager's release assembles it from its module (scripts/tools/cert-manager.sh).
CM_CHART="$(bash "$ROOT/scripts/tools/cert-manager.sh" | tail -n1)/../chart/cert-manager"
"$HELM" upgrade --install cert-manager "$CM_CHART" --namespace cert-manager --wait --timeout 5m \
  --set installCRDs=true --set startupapicheck.enabled=false \
  --set image.repository="$(repo cert-manager-controller)" --set image.tag="$CM_VERSION" \
  --set webhook.image.repository="$(repo cert-manager-webhook)" --set webhook.image.tag="$CM_VERSION" \
  --set cainjector.image.repository="$(repo cert-manager-cainjector)" --set cainjector.image.tag="$CM_VERSION" \
  --set image.pullPolicy=Never --set webhook.image.pullPolicy=Never --set cainjector.image.pullPolicy=Never \
  --set resources.requests.cpu=10m --set webhook.resources.requests.cpu=10m --set cainjector.resources.requests.cpu=10m
kubectl apply -f "$MANIFESTS/issuers.yaml" >/dev/null
kubectl wait -n cert-manager certificate/local-ca --for=condition=Ready --timeout=2m >/dev/null
kubectl wait clusterissuer/local-ca --for=condition=Ready --timeout=2m >/dev/null
CA_CRT="$(kubectl get secret -n cert-manager local-ca -o jsonpath='{.data.ca\.crt}' | base64 -d)"
log "ClusterIssuer local-ca is Ready (CA made by cert-manager in the cluster)"

log "4/8 Traefik and Dapr"
sed "s|TRAEFIK_IMAGE|$(image traefik)|" "$MANIFESTS/traefik.yaml" | kubectl apply -f - >/dev/null
DAPR_CHART="$(bash "$ROOT/scripts/tools/dapr.sh" | tail -n1)/../charts/dapr"
# One image holds every Dapr binary (as daprio/dapr did): a name with a "/" is a full reference.
DAPR_IMAGE="$(image dapr)"
DAPR_HA=false install_dapr "$DAPR_CHART" \
  --set global.tag="$(tag dapr)" --set global.imagePullPolicy=Never \
  --set dapr_operator.image.name="$DAPR_IMAGE" --set dapr_placement.image.name="$DAPR_IMAGE" \
  --set dapr_scheduler.image.name="$DAPR_IMAGE" --set dapr_sentry.image.name="$DAPR_IMAGE" \
  --set dapr_sidecar_injector.injectorImage.name="$DAPR_IMAGE" \
  --set dapr_sidecar_injector.image.name="$DAPR_IMAGE" \
  --set dapr_scheduler.cluster.inMemoryStorage=true \
  --set dapr_placement.cluster.forceInMemoryLog=true
kubectl rollout status -n traefik deployment/traefik --timeout=2m >/dev/null

log "5/8 kube-router's firewall (NetworkPolicy enforcement), before the chart's policies exist"
# The bridge CNI of the node ignores NetworkPolicies; kube-router's policy controller alone
# (no routing, no service proxy) turns the chart's into iptables rules on the node.
sed "s|KUBE_ROUTER_IMAGE|$(image kube-router)|" "$MANIFESTS/kube-router.yaml" | kubectl apply -f - >/dev/null
kubectl rollout status -n kube-router daemonset/kube-router --timeout=2m >/dev/null

log "6/8 PostgreSQL and the SMTP sink (infra)"
PG_PASSWORD="$(kept infra postgres-auth password)"
apply_secret infra postgres-auth "password=$PG_PASSWORD"
kubectl apply -f "$MANIFESTS/infra.yaml" >/dev/null
kubectl rollout status -n infra deployment/postgres --timeout=3m >/dev/null
kubectl rollout status -n infra deployment/smtp-sink --timeout=2m >/dev/null

log "7/8 Kafka: one KRaft broker, SCRAM-SHA-512 over TLS, a user per app-id, topics and .dlq"
APPS=(api audit recurrence reminders notifier realtime)
scram=()
for app in "${APPS[@]}"; do
  pw="$(kept "$NAMESPACE" "todo-$app" password)"
  apply_secret "$NAMESPACE" "todo-$app" "password=$pw"
  scram+=("--add-scram" "SCRAM-SHA-512=[name=todo-$app,password=$pw]")
done
apply_secret kafka kafka-users "format-args=${scram[*]}"
apply_secret "$NAMESPACE" kafka-cluster-ca "ca.crt=$CA_CRT"
sed "s|KAFKA_IMAGE|$(image kafka)|" "$MANIFESTS/kafka.yaml" | kubectl apply -f - >/dev/null
kubectl wait -n kafka certificate/kafka-tls --for=condition=Ready --timeout=2m >/dev/null
kubectl rollout status -n kafka deployment/kafka --timeout=4m >/dev/null
# The topics of values-dev.yaml (as the Strimzi KafkaTopics of a dev cloud would have them).
topics="$("$ROOT/backend/.venv/bin/python" - "$ROOT/helm/todo-app/values-dev.yaml" <<'PY'
import sys, yaml
k = yaml.safe_load(open(sys.argv[1]))["kafka"]
for name, t in k["topics"].items():
    print(name, t["partitions"], t["retentionMs"])
    print(f"{name}.dlq", k["dlq"]["partitions"], k["dlq"]["retentionMs"])
PY
)"
while read -r topic parts retention; do
  kubectl exec -n kafka deployment/kafka -- kafka-topics --bootstrap-server 127.0.0.1:9092 \
    --create --if-not-exists --topic "$topic" --partitions "$parts" \
    --config "retention.ms=$retention" >/dev/null
done <<< "$topics"
log "topics: $(kubectl exec -n kafka deployment/kafka -- kafka-topics --bootstrap-server 127.0.0.1:9092 --list | paste -sd' ')"

log "8/8 the app: Secrets, chart (deploy.sh, CLOUD=local), smoke test over HTTPS"
DB_HOST=postgres.infra.svc
app_secrets "postgresql+asyncpg://todo:$PG_PASSWORD@$DB_HOST:5432/todo" \
  "host=$DB_HOST user=todo password=$PG_PASSWORD dbname=todo sslmode=disable"
HELM_TIMEOUT="${HELM_TIMEOUT:-10m}" bash "$ROOT/scripts/cloud/deploy.sh"
kubectl -n "$NAMESPACE" wait certificate todo-app-tls --for=condition=Ready --timeout=3m >/dev/null

CA_FILE="${CA_FILE:-$(dirname "$KUBECONFIG")/local-ca.crt}"
printf '%s\n' "$CA_CRT" > "$CA_FILE"
log "the app: https://localhost:$HTTPS_PORT  (certificate by cert-manager; CA in $CA_FILE)"
if [ "${SKIP_SMOKE:-}" != 1 ]; then
  SSL_CERT_FILE="$CA_FILE" CURL_CA_BUNDLE="$CA_FILE" \
    SMOKE_MAILBOX="${MAILBOX_PORT:+http://127.0.0.1:$MAILBOX_PORT}" \
    bash "$ROOT/scripts/smoke.sh" "https://localhost:$HTTPS_PORT"
fi
