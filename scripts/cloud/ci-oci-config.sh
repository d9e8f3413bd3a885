#!/usr/bin/env bash
# CI only: write ~/.oci/config for the OCI CLI from the GitHub environment's OCI_CLI_* values
# (an API key of a user with rights on the OKE cluster only). GitHub OIDC federation with OCI
# needs an identity-domain token exchange the OCI CLI does not do by itself; docs/cloud/oke.md
# explains the trade-off and how to narrow the key's policy.
set -euo pipefail
: "${OCI_CLI_KEY_CONTENT:?}" "${OCI_CLI_USER:?}" "${OCI_CLI_TENANCY:?}" "${OCI_CLI_FINGERPRINT:?}" "${OCI_CLI_REGION:?}"
mkdir -p "$HOME/.oci"
umask 077
printf '%s\n' "$OCI_CLI_KEY_CONTENT" > "$HOME/.oci/key.pem"
cat > "$HOME/.oci/config" <<CONFIG
[DEFAULT]
user=$OCI_CLI_USER
fingerprint=$OCI_CLI_FINGERPRINT
tenancy=$OCI_CLI_TENANCY
region=$OCI_CLI_REGION
key_file=$HOME/.oci/key.pem
CONFIG
if ! command -v oci >/dev/null; then
  python3 -m pip install --user --quiet "oci-cli==3.95.1"
  echo "$HOME/.local/bin" >> "${GITHUB_PATH:-/dev/null}"
fi
