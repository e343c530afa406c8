#!/usr/bin/env bash
# Property-based API testing with schemathesis against the real server and its own OpenAPI
# document: every check (`--checks all`) and every phase (examples, coverage, fuzzing, stateful),
# once as each role: admin, operator (of a unit), assessor, and anonymous (no key). Fails on any
# failure or error schemathesis reports and on any 5xx in the server's log.
#   scripts/schemathesis.sh [MAX_EXAMPLES]     (default 50, what .ci/run uses: ~2.5 min here)
# Needs `pip install schemathesis` and a built binary (cargo build; INTEGRITAS_BIN to choose).
#
# scripts/schemathesis.toml configures the run; scripts/schemathesis_hooks.py applies to positive
# cases the rules JSON Schema cannot state (times in the future, existing records, ...).
# One worker per run: on CPython 3.11 before 3.11.8 (and 3.12 before 3.12.2) two threads parsing
# Python source at once can fail with "SystemError: AST constructor recursion depth mismatch"
# (CPython gh-106905), which hypothesis does while schemathesis' coverage phase builds strategies;
# it is what made the coverage phase crash with two workers (see RELIABILITY.md §5).
set -euo pipefail
cd "$(dirname "$0")/.."
MAX="${1:-50}"
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

# Test data the hooks hand to positive cases: a unit, its operator, an assessor, and an IPAK and
# an IPKP campaign of the unit (for `?ipak=`/`?ipkp=` on its hasil).
post() { curl -sf -X POST "$BASE$1" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' -d "$2"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
UNIT=$(post /api/v1/units '{"slug":"st-unit","name":"Unit","instansi":"K","service_types":["Paspor"]}' | field id)
OPERATOR=$(post /api/v1/keys "{\"name\":\"op\",\"role\":\"operator\",\"unit_id\":\"$UNIT\"}" | field key)
ASSESSOR=$(post /api/v1/keys '{"name":"as","role":"assessor"}' | field key)
IPAK=$(post "/api/v1/units/$UNIT/campaigns" '{"form":"ipak","title":"IPAK"}' | field id)
IPKP=$(post "/api/v1/units/$UNIT/campaigns" '{"form":"ipkp","title":"IPKP"}' | field id)
export ST_BASE="$BASE" ST_UNIT_ID="$UNIT" ST_IPAK_ID="$IPAK" ST_IPKP_ID="$IPKP" PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"

echo "schemathesis $(schemathesis --version | awk '{print $NF}') on $(python3 --version), max $MAX examples per operation"
finished() { grep -c '"message":"request finished"' "$WORK/server.log" || true; }
fivexx() { grep -cE '"status":5[0-9][0-9]' "$WORK/server.log" || true; }
failed=0
started=$(date +%s)
for role in admin operator assessor anonymous; do
  case $role in
    admin) AUTH=(-H "Authorization: Bearer $ADMIN") ;;
    operator) AUTH=(-H "Authorization: Bearer $OPERATOR") ;;
    assessor) AUTH=(-H "Authorization: Bearer $ASSESSOR") ;;
    anonymous) AUTH=() ;;
  esac
  requests_before=$(finished) fivexx_before=$(fivexx) t0=$(date +%s)
  if schemathesis --config-file scripts/schemathesis.toml run "$BASE/openapi.json" "${AUTH[@]}" \
      --checks all --phases examples,coverage,fuzzing,stateful --max-examples "$MAX" --workers 1 \
      --no-color > "$WORK/$role.out" 2>&1; then
    status=ok
  else
    status=FAILED failed=$((failed + 1))
  fi
  summary=$(grep -E '^ *[0-9]+ generated' "$WORK/$role.out" | tail -1 | sed 's/^ *//')
  printf '%-9s %s; %s requests answered, %s with a 5xx; %ss → %s\n' "$role" "${summary:-no summary}" \
    "$(($(finished) - requests_before))" "$(($(fivexx) - fivexx_before))" "$(($(date +%s) - t0))" "$status"
  [ "$status" = ok ] || sed -n '/^=* \(ERRORS\|FAILURES\) =*$/,$p' "$WORK/$role.out" | head -200
done
echo "server log: $(finished) requests answered, $(fivexx) with a 5xx, in $(($(date +%s) - started))s"
echo "schemathesis: $((4 - failed)) roles passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$(fivexx)" -eq 0 ]
