#!/usr/bin/env bash
# Todo on Oracle Kubernetes Engine, end to end (docs/cloud/oke.md walks through it):
#   VCN (gateways, route tables, security lists, 4 subnets) -> OKE enhanced cluster (flannel +
#   Calico policy-only: NetworkPolicy) and a node pool over the availability domains ->
#   OCI Database with PostgreSQL (private) -> Dapr, cert-manager, Traefik (OCI Network Load
#   Balancer), kube-prometheus-stack, Strimzi + Kafka -> Secrets -> the app -> smoke test.
#
#   oci setup config   (or OCI Cloud Shell)
#   COMPARTMENT_ID=ocid1.compartment... APP_HOST=todo.example.com ACME_EMAIL=ops@example.com \
#     IMAGE_OWNER=<ghcr owner> DEPLOY_ENV=prod scripts/cloud/oke.sh
#
# Env (defaults in brackets): REGION [from ~/.oci/config], K8S_VERSION [v1.33.1],
# NODE_SHAPE [VM.Standard.E5.Flex], NODE_OCPUS [2], NODE_MEMORY_GB [16], NODES [3],
# PG_SHAPE [PostgreSQL.VM.Standard.E5.Flex], CALICO_VERSION [v3.30.0], DEPLOY_ENV [prod],
# KAFKA_PROVIDER [strimzi], KAFKA_DEV, SKIP_SMOKE. IDs of what it creates are kept in
# ~/.todo-oke.env, so a re-run continues where a failed run stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CLOUD=oke
# shellcheck source=lib.sh
. "$ROOT/scripts/cloud/lib.sh"
need oci; need kubectl; need python3; need curl

: "${COMPARTMENT_ID:?set COMPARTMENT_ID (ocid1.compartment...)}"
: "${APP_HOST:?set APP_HOST}" "${ACME_EMAIL:?set ACME_EMAIL}" "${IMAGE_OWNER:?set IMAGE_OWNER}"
export APP_HOST ACME_EMAIL IMAGE_OWNER DEPLOY_ENV="${DEPLOY_ENV:-prod}"
REGION="${REGION:-$(sed -n 's/^region *= *//p' "$HOME/.oci/config" | head -n1)}"
K8S_VERSION="${K8S_VERSION:-v1.33.1}"
STATE="${OKE_STATE:-$HOME/.todo-oke.env}"
touch "$STATE"
# shellcheck disable=SC1090
. "$STATE"
C="$COMPARTMENT_ID"
remember() { printf '%s=%q\n' "$1" "$2" >> "$STATE"; printf -v "$1" '%s' "$2"; }
id() { oci "$@" --query 'data.id' --raw-output; }

log "1/7 network: VCN 10.0.0.0/16, gateways, route tables, security lists"
[ -n "${VCN_ID:-}" ] || remember VCN_ID "$(id network vcn create -c "$C" --cidr-blocks '["10.0.0.0/16"]' --display-name todo-vcn --dns-label todo)"
[ -n "${IGW_ID:-}" ] || remember IGW_ID "$(id network internet-gateway create -c "$C" --vcn-id "$VCN_ID" --is-enabled true --display-name todo-igw)"
[ -n "${NAT_ID:-}" ] || remember NAT_ID "$(id network nat-gateway create -c "$C" --vcn-id "$VCN_ID" --display-name todo-nat)"
if [ -z "${SGW_ID:-}" ]; then
  svc="$(oci network service list --query "data[?contains(name, 'All')] | [0].id" --raw-output)"
  remember SGW_SERVICE "$svc"
  remember SGW_ID "$(id network service-gateway create -c "$C" --vcn-id "$VCN_ID" --services "[{\"serviceId\":\"$svc\"}]" --display-name todo-sgw)"
fi
[ -n "${RT_PUBLIC:-}" ] || remember RT_PUBLIC "$(id network route-table create -c "$C" --vcn-id "$VCN_ID" --display-name todo-public \
  --route-rules "[{\"destination\":\"0.0.0.0/0\",\"networkEntityId\":\"$IGW_ID\"}]")"
[ -n "${RT_PRIVATE:-}" ] || remember RT_PRIVATE "$(id network route-table create -c "$C" --vcn-id "$VCN_ID" --display-name todo-private \
  --route-rules "[{\"destination\":\"0.0.0.0/0\",\"networkEntityId\":\"$NAT_ID\"},{\"destination\":\"$(oci network service get --service-id "$SGW_SERVICE" --query 'data."cidr-block"' --raw-output)\",\"destinationType\":\"SERVICE_CIDR_BLOCK\",\"networkEntityId\":\"$SGW_ID\"}]")"
# Inside the VCN everything may talk (NetworkPolicy does the fine-grained part in the
# cluster); from outside: HTTPS/HTTP to the load balancers, 6443 to the API endpoint.
[ -n "${SL_ID:-}" ] || remember SL_ID "$(id network security-list create -c "$C" --vcn-id "$VCN_ID" --display-name todo-sl \
  --egress-security-rules '[{"destination":"0.0.0.0/0","protocol":"all"}]' \
  --ingress-security-rules '[{"source":"10.0.0.0/16","protocol":"all"},
    {"source":"0.0.0.0/0","protocol":"6","tcpOptions":{"destinationPortRange":{"min":443,"max":443}}},
    {"source":"0.0.0.0/0","protocol":"6","tcpOptions":{"destinationPortRange":{"min":80,"max":80}}},
    {"source":"0.0.0.0/0","protocol":"6","tcpOptions":{"destinationPortRange":{"min":6443,"max":6443}}},
    {"source":"0.0.0.0/0","protocol":"1","icmpOptions":{"type":3,"code":4}}]')"
subnet() { # name cidr route-table public
  id network subnet create -c "$C" --vcn-id "$VCN_ID" --display-name "todo-$1" --dns-label "$1" \
    --cidr-block "$2" --route-table-id "$3" --security-list-ids "[\"$SL_ID\"]" \
    --prohibit-public-ip-on-vnic "$([ "$4" = public ] && echo false || echo true)"
}
[ -n "${SUBNET_API:-}" ] || remember SUBNET_API "$(subnet api 10.0.0.0/28 "$RT_PUBLIC" public)"
[ -n "${SUBNET_NODES:-}" ] || remember SUBNET_NODES "$(subnet nodes 10.0.10.0/24 "$RT_PRIVATE" private)"
[ -n "${SUBNET_LB:-}" ] || remember SUBNET_LB "$(subnet lb 10.0.20.0/24 "$RT_PUBLIC" public)"
[ -n "${SUBNET_DB:-}" ] || remember SUBNET_DB "$(subnet db 10.0.40.0/24 "$RT_PRIVATE" private)"

log "2/7 OKE cluster ($K8S_VERSION, enhanced, flannel) and node pool"
if [ -z "${CLUSTER_ID:-}" ]; then
  oci ce cluster create -c "$C" --name todo-oke --vcn-id "$VCN_ID" --kubernetes-version "$K8S_VERSION" \
    --type ENHANCED_CLUSTER --endpoint-subnet-id "$SUBNET_API" --endpoint-public-ip-enabled true \
    --service-lb-subnet-ids "[\"$SUBNET_LB\"]" \
    --cluster-pod-network-options '[{"cniType":"FLANNEL_OVERLAY"}]' \
    --wait-for-state SUCCEEDED --wait-for-state FAILED >/dev/null
  remember CLUSTER_ID "$(oci ce cluster list -c "$C" --name todo-oke --lifecycle-state ACTIVE --query 'data[0].id' --raw-output)"
fi
if [ -z "${NODEPOOL_ID:-}" ]; then
  image="$(oci ce node-pool-options get --node-pool-option-id "$CLUSTER_ID" \
    --query "data.sources[?contains(\"source-name\", 'Oracle-Linux-8') && contains(\"source-name\", '${K8S_VERSION#v}') && !contains(\"source-name\", 'aarch64') && !contains(\"source-name\", 'GPU')] | [0].\"image-id\"" --raw-output)"
  placements="$(oci iam availability-domain list -c "$C" --query 'data[].name' --raw-output \
    | python3 -c "import json,sys; print(json.dumps([{'availabilityDomain': ad, 'subnetId': '$SUBNET_NODES'} for ad in json.load(sys.stdin)]))")"
  oci ce node-pool create -c "$C" --cluster-id "$CLUSTER_ID" --name todo-pool \
    --kubernetes-version "$K8S_VERSION" --node-shape "${NODE_SHAPE:-VM.Standard.E5.Flex}" \
    --node-shape-config "{\"ocpus\":${NODE_OCPUS:-2},\"memoryInGBs\":${NODE_MEMORY_GB:-16}}" \
    --node-source-details "{\"sourceType\":\"IMAGE\",\"imageId\":\"$image\",\"bootVolumeSizeInGBs\":100}" \
    --size "${NODES:-3}" --placement-configs "$placements" \
    --wait-for-state SUCCEEDED --wait-for-state FAILED >/dev/null
  remember NODEPOOL_ID "$(oci ce node-pool list -c "$C" --cluster-id "$CLUSTER_ID" --name todo-pool --query 'data[0].id' --raw-output)"
fi
CLUSTER_NAME="$CLUSTER_ID" CLUSTER_LOCATION="$REGION" bash "$ROOT/scripts/cloud/kubeconfig.sh"
kubectl wait nodes --all --for=condition=Ready --timeout=15m

log "3/7 Calico ${CALICO_VERSION:-v3.30.0} in policy-only mode (flannel does not enforce NetworkPolicy)"
curl -fsSL "https://raw.githubusercontent.com/projectcalico/calico/${CALICO_VERSION:-v3.30.0}/manifests/calico-policy-only.yaml" \
  | kubectl apply -f -
kubectl -n kube-system rollout status daemonset/calico-node --timeout 10m

log "4/7 OCI Database with PostgreSQL (private, subnet 10.0.40.0/24)"
PG_PASSWORD_FILE="${PG_PASSWORD_FILE:-$HOME/.todo-oke-pg.password}"
[ -s "$PG_PASSWORD_FILE" ] || (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24) + "Aa1!")' > "$PG_PASSWORD_FILE")
PG_PASSWORD="$(cat "$PG_PASSWORD_FILE")"
if [ -z "${PG_ID:-}" ]; then
  oci psql db-system create -c "$C" --display-name todo-pg --db-version 16 \
    --shape "${PG_SHAPE:-PostgreSQL.VM.Standard.E5.Flex}" --instance-ocpu-count 2 \
    --instance-memory-size-in-gbs 32 --instance-count 2 \
    --network-details "{\"subnetId\":\"$SUBNET_DB\"}" \
    --storage-details '{"systemType":"OCI_OPTIMIZED_STORAGE","isRegionallyDurable":true}' \
    --credentials "{\"username\":\"todo\",\"passwordDetails\":{\"passwordType\":\"PLAIN_TEXT\",\"password\":\"$PG_PASSWORD\"}}" \
    --wait-for-state SUCCEEDED --wait-for-state FAILED >/dev/null
  remember PG_ID "$(oci psql db-system-collection list-db-systems -c "$C" --display-name todo-pg --query 'data.items[0].id' --raw-output)"
fi
PG_HOST="$(oci psql db-system get --db-system-id "$PG_ID" --query 'data."network-details"."primary-db-endpoint-private-ip"' --raw-output)"
# The database itself: from a throwaway pod (the server has no public address).
kubectl run todo-createdb -n default --rm -i --restart=Never --image=postgres:16-alpine \
  --env "PGPASSWORD=$PG_PASSWORD" -- \
  sh -c "psql 'host=$PG_HOST user=todo dbname=postgres sslmode=require' -tc \"select 1 from pg_database where datname='todo'\" | grep -q 1 || psql 'host=$PG_HOST user=todo dbname=postgres sslmode=require' -c 'create database todo'"

log "5/7 platform: Dapr, cert-manager, Traefik (OCI Network Load Balancer), monitoring, Strimzi + Kafka"
platform oke "oci.oraclecloud.com/load-balancer-type=nlb" \
  "oci-network-load-balancer.oraclecloud.com/security-list-management-mode=None"

log "6/7 Secrets"
app_secrets "postgresql+asyncpg://todo:$PG_PASSWORD@$PG_HOST:5432/todo?ssl=require" \
  "host=$PG_HOST port=5432 user=todo password=$PG_PASSWORD dbname=todo sslmode=require"

log "7/7 the app ($DEPLOY_ENV) and the smoke test"
app
log "done: https://$APP_HOST"
