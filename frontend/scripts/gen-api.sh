#!/usr/bin/env bash
# Regenerate the API client's inputs from the backend: openapi.json, then src/api/schema.d.ts.
# Run after changing an API route or schema (`npm run gen:api` or `make api-client`), commit both.
# backend/tests/unit/test_openapi_committed.py and src/api/schema.test.ts fail when they drift.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}" UV_PYTHON="${UV_PYTHON:-python3}"
uv_bin="${UV:-$(command -v uv || echo "${TODO_CACHE:-$HOME/.cache/todo}/uv/0.13.8/bin/uv")}"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
(cd "$here/../backend" && "$uv_bin" run --frozen --quiet python -c '
import json
from todo.api.app import create_app
print(json.dumps(create_app().openapi(), indent=1, ensure_ascii=False))
') > "$tmp"
mv "$tmp" "$here/openapi.json"
cd "$here"
node scripts/gen-schema.mjs openapi.json src/api/schema.d.ts
echo "wrote frontend/openapi.json and frontend/src/api/schema.d.ts"
