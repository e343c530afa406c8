#!/usr/bin/env bash
# Property-based API testing with schemathesis against the real server and its own OpenAPI
# document, once with each role's key: zero 5xx and zero responses that contradict the spec.
#   scripts/schemathesis.sh [MAX_EXAMPLES]     (default 30; .ci/run uses fewer)
# Needs `pip install schemathesis` and a built binary (cargo build).
set -euo pipefail
cd "$(dirname "$0")/.."
MAX="${1:-30}"
BIN="${INTEGRITAS_BIN:-target/debug/integritas}"
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ADMIN="schemathesis-admin-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
BASE="http://127.0.0.1:$PORT"
cp "$BIN" "$WORK/integritas"
INTEGRITAS_LISTEN="127.0.0.1:$PORT" INTEGRITAS_BOOTSTRAP_ADMIN_KEY="$ADMIN" INTEGRITAS_RATE_LIMIT=off INTEGRITAS_LOG_FORMAT=json \
  INTEGRITAS_FORMS_DIR="$PWD/forms" INTEGRITAS_DATABASE_URL="sqlite://$WORK/st.db?mode=rwc" \
  "$WORK/integritas" > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.2; done

post() { curl -sf -X POST "$BASE$1" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' -d "$2"; }
UNIT=$(post /api/v1/units '{"slug":"st-unit","name":"Unit","instansi":"K","service_types":["Paspor"]}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
OPERATOR=$(post /api/v1/keys "{\"name\":\"op\",\"role\":\"operator\",\"unit_id\":\"$UNIT\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
ASSESSOR=$(post /api/v1/keys '{"name":"as","role":"assessor"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
failed=0
total=0
for role in admin operator assessor; do
  case $role in admin) KEY=$ADMIN;; operator) KEY=$OPERATOR;; assessor) KEY=$ASSESSOR;; esac
  echo "== schemathesis as $role (max $MAX examples per operation)"
  # The coverage phase is left out: schemathesis 4.32 crashes in it on this schema (an internal KeyError).
  if schemathesis run "$BASE/openapi.json" -H "Authorization: Bearer $KEY" --phases examples,fuzzing,stateful \
      --max-examples "$MAX" --checks "$CHECKS" --workers 2 --no-color > "$WORK/$role.out" 2>&1; then
    status=ok
  else
    status=FAILED; failed=$((failed + 1))
  fi
  total=$((total + 1))
  grep -E "generated|passed|failures|error" "$WORK/$role.out" | tail -3
  echo "   → $status"
  [ "$status" = ok ] || tail -80 "$WORK/$role.out"
done
fivexx=$(grep -cE '"status":5[0-9][0-9]' "$WORK/server.log" || true)
requests=$(grep -c '"message":"request finished"' "$WORK/server.log" || true)
echo "server log: $requests requests answered"
echo "server log: $fivexx responses with a 5xx status"
echo "schemathesis: $((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$fivexx" -eq 0 ]
