#!/usr/bin/env bash
# Todo on Google Kubernetes Engine, end to end (docs/cloud/gke.md walks through it):
#   VPC -> GKE Standard regional (Dataplane V2: NetworkPolicy) -> Cloud SQL for PostgreSQL
#   (private IP) -> Dapr, cert-manager, Traefik, kube-prometheus-stack, Strimzi + Kafka ->
#   Secrets -> the app -> smoke test.
#
#   gcloud auth login && gcloud config set project <project>
#   APP_HOST=todo.example.com ACME_EMAIL=ops@example.com IMAGE_OWNER=<ghcr owner> \
#     DEPLOY_ENV=prod scripts/cloud/gke.sh
#
# Env (defaults in brackets): REGION [europe-west1], CLUSTER [todo-gke], K8S_VERSION [1.33],
# MACHINE [e2-standard-4], NODES_PER_ZONE [1], SQL_TIER [db-custom-2-7680], DEPLOY_ENV [prod],
# KAFKA_PROVIDER [strimzi], KAFKA_DEV (1 = one-node Kafka), SKIP_SMOKE.
# Every step is idempotent: re-running continues where a failed run stopped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CLOUD=gke
# shellcheck source=lib.sh
. "$ROOT/scripts/cloud/lib.sh"
need gcloud; need kubectl; need python3

PROJECT="$(gcloud config get-value project 2>/dev/null)"
[ -n "$PROJECT" ] || die "no gcloud project" "gcloud config set project <project>"
REGION="${REGION:-europe-west1}"
CLUSTER="${CLUSTER:-todo-gke}"
SQL="${SQL_INSTANCE:-todo-pg}"
export DEPLOY_ENV="${DEPLOY_ENV:-prod}"
: "${APP_HOST:?set APP_HOST}" "${ACME_EMAIL:?set ACME_EMAIL}" "${IMAGE_OWNER:?set IMAGE_OWNER}"
export APP_HOST ACME_EMAIL IMAGE_OWNER

log "1/6 APIs and network (todo-vpc; Cloud SQL private range 10.64.0.0/20)"
gcloud services enable container.googleapis.com sqladmin.googleapis.com servicenetworking.googleapis.com
gcloud compute networks describe todo-vpc >/dev/null 2>&1 \
  || gcloud compute networks create todo-vpc --subnet-mode=custom
gcloud compute networks subnets describe todo-nodes --region "$REGION" >/dev/null 2>&1 \
  || gcloud compute networks subnets create todo-nodes --network todo-vpc --region "$REGION" \
       --range 10.40.0.0/20 --secondary-range pods=10.48.0.0/14,services=10.52.0.0/20 \
       --enable-private-ip-google-access
gcloud compute addresses describe todo-sql-range --global >/dev/null 2>&1 \
  || gcloud compute addresses create todo-sql-range --global --purpose VPC_PEERING \
       --addresses 10.64.0.0 --prefix-length 20 --network todo-vpc
gcloud services vpc-peerings connect --service servicenetworking.googleapis.com \
  --ranges todo-sql-range --network todo-vpc 2>/dev/null || log "service networking peering exists"
# Nodes have no public IPs: Cloud NAT for pulling images and reaching SMTP / Let's Encrypt.
gcloud compute routers describe todo-router --region "$REGION" >/dev/null 2>&1 \
  || { gcloud compute routers create todo-router --network todo-vpc --region "$REGION"
       gcloud compute routers nats create todo-nat --router todo-router --region "$REGION" \
         --auto-allocate-nat-external-ips --nat-all-subnet-ip-ranges; }

log "2/6 GKE $CLUSTER (regional, private nodes, Dataplane V2, Workload Identity)"
if ! gcloud container clusters describe "$CLUSTER" --region "$REGION" >/dev/null 2>&1; then
  gcloud container clusters create "$CLUSTER" --region "$REGION" \
    --cluster-version "${K8S_VERSION:-1.33}" --release-channel regular \
    --network todo-vpc --subnetwork todo-nodes \
    --cluster-secondary-range-name pods --services-secondary-range-name services \
    --enable-ip-alias --enable-private-nodes --master-ipv4-cidr 172.16.0.32/28 \
    --enable-dataplane-v2 --workload-pool "$PROJECT.svc.id.goog" \
    --machine-type "${MACHINE:-e2-standard-4}" --num-nodes "${NODES_PER_ZONE:-1}" \
    --enable-autoupgrade --enable-autorepair --enable-shielded-nodes
fi
# Private nodes: the control plane reaches only :443 and :10250 by default; admission
# webhooks elsewhere need a rule (Dapr's sidecar injector :4000, its CRD conversion :19443).
gcloud compute firewall-rules describe todo-gke-webhooks >/dev/null 2>&1 \
  || gcloud compute firewall-rules create todo-gke-webhooks --network todo-vpc \
       --direction INGRESS --source-ranges 172.16.0.32/28 --allow tcp:4000,tcp:19443
CLUSTER_NAME="$CLUSTER" CLUSTER_LOCATION="$REGION" bash "$ROOT/scripts/cloud/kubeconfig.sh"

log "3/6 Cloud SQL for PostgreSQL $SQL (private IP only)"
PG_PASSWORD_FILE="${PG_PASSWORD_FILE:-$HOME/.todo-$SQL.password}"
[ -s "$PG_PASSWORD_FILE" ] || (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$PG_PASSWORD_FILE")
PG_PASSWORD="$(cat "$PG_PASSWORD_FILE")"
if ! gcloud sql instances describe "$SQL" >/dev/null 2>&1; then
  gcloud sql instances create "$SQL" --database-version POSTGRES_16 --region "$REGION" \
    --tier "${SQL_TIER:-db-custom-2-7680}" --availability-type REGIONAL \
    --network "projects/$PROJECT/global/networks/todo-vpc" --no-assign-ip \
    --allocated-ip-range-name todo-sql-range --ssl-mode ENCRYPTED_ONLY
  gcloud sql databases create todo --instance "$SQL"
  gcloud sql users create todo --instance "$SQL" --password "$PG_PASSWORD"
fi
PG_HOST="$(gcloud sql instances describe "$SQL" --format 'value(ipAddresses[0].ipAddress)')"

log "4/6 platform: Dapr, cert-manager, Traefik (network load balancer), monitoring, Strimzi + Kafka"
platform gke "cloud.google.com/l4-rbs=enabled"

log "5/6 Secrets"
app_secrets "postgresql+asyncpg://todo:$PG_PASSWORD@$PG_HOST:5432/todo?ssl=require" \
  "host=$PG_HOST port=5432 user=todo password=$PG_PASSWORD dbname=todo sslmode=require"

log "6/6 the app ($DEPLOY_ENV) and the smoke test"
app
log "done: https://$APP_HOST"
