# shellcheck shell=bash
# Shared steps of the cloud scripts (aks.sh, gke.sh, oke.sh): everything after "a cluster and
# a PostgreSQL database exist". Source it; the cloud script calls the steps in order.
#
# Pinned versions (docs/cloud/README.md says how to bump them):
DAPR_VERSION=1.18.2             # the version the repo's stack and chart checks use
STRIMZI_VERSION=1.1.0           # Kafka 4.3.0, kafka.strimzi.io/v1
CERT_MANAGER_VERSION=v1.19.4
TRAEFIK_CHART_VERSION=39.0.9
KUBE_PROMETHEUS_STACK_VERSION=88.6.0
NAMESPACE="${NAMESPACE:-todo}"

log() { printf '[%s %s] %s\n' "${CLOUD:-cloud}" "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "${CLOUD:-cloud}" "$1" >&2; shift; for h in "$@"; do printf '  -> %s\n' "$h" >&2; done; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH" "${2:-install it and re-run}"; }
_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
helm_bin() { bash "$_ROOT/scripts/tools/helm.sh" | tail -n1; }

# Namespaces: the app's runs the restricted Pod Security Standard (the Dapr sidecars comply:
# see install_dapr); the platform ones are labelled for the NetworkPolicy peers.
namespaces() {
  local ns
  for ns in "$NAMESPACE" kafka dapr-system cert-manager traefik monitoring; do
    kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  done
  kubectl label namespace "$NAMESPACE" --overwrite \
    pod-security.kubernetes.io/enforce=restricted \
    pod-security.kubernetes.io/enforce-version=latest \
    pod-security.kubernetes.io/warn=restricted
}

# install_dapr [CHART ARGS...]: Dapr's own Helm chart, by default the published one; the local
# cluster passes the chart from the dapr module and its image overrides (scripts/cloud/local.sh).
# shellcheck disable=SC2120 # the clouds call it without arguments, local.sh with its chart
install_dapr() {
  local chart=(dapr --repo https://dapr.github.io/helm-charts --version "$DAPR_VERSION")
  if [ "$#" -gt 0 ]; then chart=("$@"); fi
  log "Dapr $DAPR_VERSION (HA control plane: ${DAPR_HA:-true}, mTLS, restricted sidecars)"
  "$(helm_bin)" upgrade --install dapr "${chart[@]}" --namespace dapr-system --wait --timeout 10m \
    --set global.ha.enabled="${DAPR_HA:-true}" \
    --set global.mtls.enabled=true \
    --set global.mtls.workloadCertTTL=24h \
    --set global.seccompProfile=RuntimeDefault \
    --set dapr_sidecar_injector.sidecarDropALLCapabilities=true \
    --set dapr_rbac.secretReader.enabled=false
}

install_strimzi() {
  log "Strimzi $STRIMZI_VERSION operator (watches kafka and $NAMESPACE)"
  "$(helm_bin)" upgrade --install strimzi oci://quay.io/strimzi-helm/strimzi-kafka-operator \
    --version "$STRIMZI_VERSION" --namespace kafka --wait --timeout 10m \
    --set "watchNamespaces={$NAMESPACE}"
}

# kafka_cluster CLOUD [dev]: the KRaft cluster, then its CA certificate into the app's namespace.
kafka_cluster() {
  local cloud="$1" dev="${2:-}"
  if [ -n "$dev" ]; then
    kubectl apply -n kafka -f "$_ROOT/kafka/cluster/kafka-dev.yaml"
  else
    kubectl apply -n kafka -f "$_ROOT/kafka/cluster/kafka.yaml" -f "$_ROOT/kafka/cluster/nodepools-$cloud.yaml"
  fi
  log "waiting for Kafka todo-kafka to be Ready (first start: 5-10 min)"
  kubectl wait -n kafka kafka/todo-kafka --for=condition=Ready --timeout=30m
  # Prometheus scrapes the Kafka Exporter (the CRD came with install_monitoring).
  kubectl apply -n kafka -f "$_ROOT/kafka/cluster/podmonitor.yaml"
  copy_kafka_ca
}

# The sidecars verify the brokers with the cluster CA: a copy of its public certificate
# (ca.crt only) in the app's namespace. Re-run after Strimzi renews the CA (docs/operations/runbook.md).
copy_kafka_ca() {
  local crt
  crt="$(kubectl get secret -n kafka todo-kafka-cluster-ca-cert -o jsonpath='{.data.ca\.crt}' | base64 -d)"
  [ -n "$crt" ] || die "no ca.crt in kafka/todo-kafka-cluster-ca-cert"
  kubectl create secret generic kafka-cluster-ca -n "$NAMESPACE" --from-literal=ca.crt="$crt" \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  log "copied the Kafka cluster CA certificate to $NAMESPACE/kafka-cluster-ca"
}

install_cert_manager() {
  : "${ACME_EMAIL:?set ACME_EMAIL, the ACME account e-mail}"
  log "cert-manager $CERT_MANAGER_VERSION and the Let's Encrypt ClusterIssuers"
  "$(helm_bin)" upgrade --install cert-manager oci://quay.io/jetstack/charts/cert-manager \
    --version "$CERT_MANAGER_VERSION" --namespace cert-manager --wait --timeout 10m \
    --set crds.enabled=true
  sed "s|\${ACME_EMAIL}|$ACME_EMAIL|g" "$_ROOT/scripts/cloud/manifests/cluster-issuers.yaml" | kubectl apply -f -
}

# install_traefik KEY=VALUE...: the ingress controller; the arguments are the annotations of
# its LoadBalancer Service (what differs per cloud).
install_traefik() {
  local args=() a
  for a in "$@"; do args+=(--set-string "service.annotations.${a%%=*}=${a#*=}"); done
  log "Traefik (chart $TRAEFIK_CHART_VERSION), HTTP redirected to HTTPS"
  "$(helm_bin)" upgrade --install traefik oci://ghcr.io/traefik/helm/traefik \
    --version "$TRAEFIK_CHART_VERSION" --namespace traefik --wait --timeout 10m \
    --set ingressClass.enabled=true --set ingressClass.isDefaultClass=false \
    --set ports.web.redirections.entryPoint.to=websecure \
    --set ports.web.redirections.entryPoint.scheme=https \
    --set ports.web.redirections.entryPoint.permanent=true \
    "${args[@]}"
}

install_monitoring() {
  log "kube-prometheus-stack $KUBE_PROMETHEUS_STACK_VERSION (Prometheus, Alertmanager, Grafana)"
  "$(helm_bin)" upgrade --install monitoring \
    oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack \
    --version "$KUBE_PROMETHEUS_STACK_VERSION" --namespace monitoring --wait --timeout 15m \
    --set prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues=false \
    --set prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues=false \
    --set prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues=false \
    --set grafana.sidecar.dashboards.searchNamespace=ALL \
    --set grafana.sidecar.dashboards.folderAnnotation=grafana_folder \
    --set grafana.sidecar.dashboards.provider.foldersFromFilesStructure=true
}

# app_secrets DATABASE_URL DAPR_STATE_DSN: the Secrets the chart reads (never in values files).
app_secrets() {
  local url="$1" dsn="$2" jwt
  jwt="$(kubectl get secret -n "$NAMESPACE" todo-app-secrets -o jsonpath='{.data.TODO_JWT_SECRET}' 2>/dev/null | base64 -d || true)"
  [ -n "$jwt" ] || jwt="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
  kubectl create secret generic todo-app-secrets -n "$NAMESPACE" \
    --from-literal=DATABASE_URL="$url" \
    --from-literal=TODO_JWT_SECRET="$jwt" \
    --from-literal=TODO_SMTP_USERNAME="${SMTP_USERNAME:-}" \
    --from-literal=TODO_SMTP_PASSWORD="${SMTP_PASSWORD:-}" \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl create secret generic todo-app-dapr-state -n "$NAMESPACE" \
    --from-literal=connectionString="$dsn" \
    --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  log "Secrets todo-app-secrets and todo-app-dapr-state are in place"
}

# Redpanda Cloud instead of Strimzi: one Secret per app-id user (created with rpk beforehand,
# kafka/redpanda.md), named like the user, key `password`. REDPANDA_PASSWORDS_DIR holds one
# file per user: todo-api, todo-audit, ...
redpanda_secrets() {
  local dir="${REDPANDA_PASSWORDS_DIR:?set REDPANDA_PASSWORDS_DIR}" app
  for app in api audit recurrence reminders notifier realtime; do
    [ -s "$dir/todo-$app" ] || die "missing $dir/todo-$app (kafka/redpanda.md)"
    kubectl create secret generic "todo-$app" -n "$NAMESPACE" --from-file=password="$dir/todo-$app" \
      --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  done
}

# platform CLOUD [TRAEFIK_SERVICE_ANNOTATION...]: everything the app needs in the cluster.
platform() {
  local cloud="$1"; shift
  need kubectl; need python3
  namespaces
  # shellcheck disable=SC2119
  install_dapr
  install_cert_manager
  install_traefik "$@"
  install_monitoring
  if [ "${KAFKA_PROVIDER:-strimzi}" = strimzi ]; then
    install_strimzi
    kafka_cluster "$cloud" "${KAFKA_DEV:-}"
  else
    redpanda_secrets
  fi
}

# app: the release, then the smoke test against the public URL.
app() {
  local lb
  bash "$_ROOT/scripts/cloud/deploy.sh"
  lb="$(kubectl get svc -n traefik traefik -o jsonpath='{.status.loadBalancer.ingress[0].ip}{.status.loadBalancer.ingress[0].hostname}')"
  log "point DNS $APP_HOST at $lb (A or CNAME), then wait for the certificate:"
  log "  kubectl -n $NAMESPACE wait certificate todo-app-tls --for=condition=Ready --timeout=10m"
  if [ "${SKIP_SMOKE:-}" != 1 ]; then
    kubectl -n "$NAMESPACE" wait certificate todo-app-tls --for=condition=Ready --timeout=15m
    bash "$_ROOT/scripts/smoke.sh" "https://$APP_HOST"
  fi
}
