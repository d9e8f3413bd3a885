#!/usr/bin/env bash
# Write the kubeconfig of the cluster named by CLOUD / CLUSTER_NAME / CLUSTER_LOCATION /
# CLUSTER_GROUP (after the cloud CLI has logged in: az, gcloud or oci).
#   aks: CLUSTER_GROUP = resource group, CLUSTER_NAME
#   gke: CLUSTER_LOCATION = region, CLUSTER_NAME (project from gcloud's config / the auth step)
#   oke: CLUSTER_NAME = the cluster OCID, CLUSTER_LOCATION = region
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
. "$ROOT/scripts/cloud/lib.sh"
: "${CLOUD:?set CLOUD to aks, gke or oke}"
: "${CLUSTER_NAME:?set CLUSTER_NAME}"
case "$CLOUD" in
  aks)
    need az; : "${CLUSTER_GROUP:?set CLUSTER_GROUP (resource group)}"
    az aks get-credentials --resource-group "$CLUSTER_GROUP" --name "$CLUSTER_NAME" --overwrite-existing
    # AKS with Entra ID: kubelogin turns the az login into cluster tokens.
    if command -v kubelogin >/dev/null; then kubelogin convert-kubeconfig -l azurecli; fi ;;
  gke)
    need gcloud; : "${CLUSTER_LOCATION:?set CLUSTER_LOCATION (region)}"
    gcloud container clusters get-credentials "$CLUSTER_NAME" --region "$CLUSTER_LOCATION" ;;
  oke)
    need oci; : "${CLUSTER_LOCATION:?set CLUSTER_LOCATION (region)}"
    oci ce cluster create-kubeconfig --cluster-id "$CLUSTER_NAME" --region "$CLUSTER_LOCATION" \
      --file "$HOME/.kube/config" --token-version 2.0.0 --kube-endpoint PUBLIC_ENDPOINT --overwrite ;;
  *) die "unknown CLOUD '$CLOUD' (aks, gke or oke)" ;;
esac
kubectl version >/dev/null
log "kubectl talks to $(kubectl config current-context)"
