#!/usr/bin/env bash
# Write the chart's Dapr, Strimzi resources as plain YAML examples (the chart is the source):
#   dapr/components/components.yaml   pubsub, pubsub-broadcast, secretstore, statestore, reminder-sweep
#   dapr/config/{configuration,resiliency,subscriptions}.yaml
#   kafka/topics.yaml, kafka/users.yaml
# rendered from helm/todo-app with values-prod.yaml, release todo-app, namespace todo.
#
#   scripts/cloud/render-examples.sh           # rewrite the files
#   scripts/cloud/render-examples.sh --check   # exit 1 (with a diff) if any is stale
# Env: HELM (default: scripts/tools/helm.sh's binary).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HELM="${HELM:-$(bash "$ROOT/scripts/tools/helm.sh" 2>/dev/null | tail -n1)}"
CHECK=0; [ "${1:-}" = "--check" ] && CHECK=1

# target file = chart template
pairs=(
  "dapr/components/components.yaml=templates/dapr/components.yaml"
  "dapr/config/configuration.yaml=templates/dapr/configuration.yaml"
  "dapr/config/resiliency.yaml=templates/dapr/resiliency.yaml"
  "dapr/config/subscriptions.yaml=templates/dapr/subscriptions.yaml"
  "kafka/topics.yaml=templates/strimzi/topics.yaml"
  "kafka/users.yaml=templates/strimzi/users.yaml"
)
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
rc=0
for pair in "${pairs[@]}"; do
  target="${pair%%=*}" template="${pair#*=}"
  mkdir -p "$out/$(dirname "$target")"
  {
    echo "# Rendered from helm/todo-app/$template (values-prod.yaml, release todo-app,"
    echo "# namespace todo) by scripts/cloud/render-examples.sh. Edit the chart, then re-run it;"
    echo "# backend/tests/chart checks that this file is up to date. Apply the chart, not this."
    "$HELM" template todo-app "$ROOT/helm/todo-app" --namespace todo \
      -f "$ROOT/helm/todo-app/values-prod.yaml" --show-only "$template" \
      | sed -e "/^# Source: /d" -e "s/[[:space:]]*$//" | cat -s \
      | awk 'NF { for (; n > 0; n--) print ""; print; next } { n++ }'
  } > "$out/$target"
  if [ "$CHECK" = 1 ]; then
    if ! diff -u "$ROOT/$target" "$out/$target" >&2; then
      echo "stale: $target (run scripts/cloud/render-examples.sh)" >&2; rc=1
    fi
  else
    mkdir -p "$ROOT/$(dirname "$target")"
    cp "$out/$target" "$ROOT/$target"
    echo "wrote $target" >&2
  fi
done
exit "$rc"
