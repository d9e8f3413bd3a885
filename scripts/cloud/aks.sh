#!/usr/bin/env bash
# Todo on Azure Kubernetes Service, end to end (docs/cloud/aks.md walks through it):
#   VNet -> AKS (Azure CNI overlay + Cilium: NetworkPolicy) -> PostgreSQL flexible server
#   (private, in the VNet) -> Dapr, cert-manager, Traefik, kube-prometheus-stack, Strimzi +
#   Kafka -> Secrets -> the app -> smoke test.
#
#   az login && az account set -s <subscription>
#   APP_HOST=todo.example.com ACME_EMAIL=ops@example.com IMAGE_OWNER=<ghcr owner> \
#     DEPLOY_ENV=prod scripts/cloud/aks.sh
#
# Env (defaults in brackets): LOCATION [westeurope], GROUP [todo-rg], CLUSTER [todo-aks],
# K8S_VERSION [1.33], NODE_SIZE [Standard_D4s_v5], NODES [3], PG_SKU [Standard_D2ds_v5],
# DEPLOY_ENV [prod], KAFKA_PROVIDER [strimzi], KAFKA_DEV (1 = one-node Kafka), SKIP_SMOKE.
# Every step is idempotent: re-running continues where a failed run stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CLOUD=aks
# shellcheck source=lib.sh
. "$ROOT/scripts/cloud/lib.sh"
need az; need kubectl; need python3

LOCATION="${LOCATION:-westeurope}"
GROUP="${GROUP:-todo-rg}"
CLUSTER="${CLUSTER:-todo-aks}"
K8S_VERSION="${K8S_VERSION:-1.33}"
VNET=todo-vnet
PG="${PG_SERVER:-todo-pg-$(az account show --query id -o tsv | cut -c1-8)}"
export DEPLOY_ENV="${DEPLOY_ENV:-prod}"
: "${APP_HOST:?set APP_HOST}" "${ACME_EMAIL:?set ACME_EMAIL}" "${IMAGE_OWNER:?set IMAGE_OWNER}"
export APP_HOST ACME_EMAIL IMAGE_OWNER

log "1/6 resource group and network (10.42.0.0/16: nodes 10.42.0.0/20, database 10.42.32.0/24)"
az group create -n "$GROUP" -l "$LOCATION" -o none
az network vnet create -g "$GROUP" -n "$VNET" --address-prefixes 10.42.0.0/16 \
  --subnet-name aks --subnet-prefixes 10.42.0.0/20 -o none
az network vnet subnet create -g "$GROUP" --vnet-name "$VNET" -n postgres \
  --address-prefixes 10.42.32.0/24 --delegations Microsoft.DBforPostgreSQL/flexibleServers -o none 2>/dev/null \
  || log "subnet postgres exists"
AKS_SUBNET="$(az network vnet subnet show -g "$GROUP" --vnet-name "$VNET" -n aks --query id -o tsv)"

log "2/6 AKS $CLUSTER (Kubernetes $K8S_VERSION, 3 zones, Cilium network policy)"
if ! az aks show -g "$GROUP" -n "$CLUSTER" -o none 2>/dev/null; then
  az aks create -g "$GROUP" -n "$CLUSTER" -l "$LOCATION" \
    --kubernetes-version "$K8S_VERSION" --tier standard \
    --node-count "${NODES:-3}" --node-vm-size "${NODE_SIZE:-Standard_D4s_v5}" --zones 1 2 3 \
    --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium \
    --pod-cidr 192.168.0.0/16 --vnet-subnet-id "$AKS_SUBNET" \
    --enable-oidc-issuer --enable-workload-identity --enable-managed-identity \
    --auto-upgrade-channel patch --node-os-upgrade-channel NodeImage \
    --generate-ssh-keys -o none
fi
CLUSTER_GROUP="$GROUP" CLUSTER_NAME="$CLUSTER" bash "$ROOT/scripts/cloud/kubeconfig.sh"

log "3/6 PostgreSQL flexible server $PG (private access in the VNet)"
PG_PASSWORD_FILE="${PG_PASSWORD_FILE:-$HOME/.todo-$PG.password}"
[ -s "$PG_PASSWORD_FILE" ] || (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$PG_PASSWORD_FILE")
PG_PASSWORD="$(cat "$PG_PASSWORD_FILE")"
if ! az postgres flexible-server show -g "$GROUP" -n "$PG" -o none 2>/dev/null; then
  az postgres flexible-server create -g "$GROUP" -n "$PG" -l "$LOCATION" \
    --version 16 --tier GeneralPurpose --sku-name "${PG_SKU:-Standard_D2ds_v5}" --storage-size 64 \
    --high-availability ZoneRedundant --admin-user todo --admin-password "$PG_PASSWORD" \
    --vnet "$VNET" --subnet postgres --private-dns-zone "$PG.private.postgres.database.azure.com" \
    --yes -o none
  az postgres flexible-server db create -g "$GROUP" -s "$PG" -d todo -o none
fi
PG_HOST="$(az postgres flexible-server show -g "$GROUP" -n "$PG" --query fullyQualifiedDomainName -o tsv)"

log "4/6 platform: Dapr, cert-manager, Traefik (Azure Load Balancer), monitoring, Strimzi + Kafka"
platform aks "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path=/ping"

log "5/6 Secrets"
app_secrets "postgresql+asyncpg://todo:$PG_PASSWORD@$PG_HOST:5432/todo?ssl=require" \
  "host=$PG_HOST port=5432 user=todo password=$PG_PASSWORD dbname=todo sslmode=require"

log "6/6 the app ($DEPLOY_ENV) and the smoke test"
app
log "done: https://$APP_HOST"
