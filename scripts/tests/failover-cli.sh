#!/usr/bin/env bash
# Fast checks (a few seconds: two AWS CLI starts; no AWS, no emulator) of the failover's command line and of the helper that reads
# the function's answers for the smoke steps. The failover itself runs end to end in the outage drill
# (local-runtime LocalLoopIT). Ends with "failover-cli: N assertions, M failures".
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PASSED=0 FAILED=0
ok() { PASSED=$((PASSED + 1)); printf '  ok    %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf '  FAIL  %s\n' "$1"; }
eq() { if [[ $3 == "$2" ]]; then ok "$1"; else fail "$1: want '$2', got '$3'"; fi; }

# No endpoint: a check that got as far as AWS would fail loudly instead of passing.
export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test

run() { "$ROOT/scripts/failover.sh" "$@" >/dev/null 2>&1; echo $?; }
eq "no --env is refused (exit 2)" 2 "$(run --to us-east-2)"
eq "no --to is refused (exit 2)" 2 "$(run --env dev)"
eq "a --to outside the two regions is refused (exit 2)" 2 "$(run --env dev --to eu-west-1)"
eq "an unknown --from step is refused (exit 2)" 2 "$(run --env dev --to us-east-2 --from nowhere)"
eq "an unknown argument is refused (exit 2)" 2 "$(run --env dev --to us-east-2 --force)"
eq "a bad env name is refused (exit 1)" 1 "$(run --env 'Dev!' --to us-east-2)"
out="$("$ROOT/scripts/failover.sh" --env dev --to us-east-2 2>&1)"; rc=$?
eq "an unreachable target stops the failover in preflight (exit 1)" 1 "$rc"
if grep -q "failover FAILED at step 1/5 'preflight'" <<<"$out" && grep -q -- "--from preflight" <<<"$out"; then
  ok "the failure names the step and how to resume"
else
  fail "the failure names the step and how to resume: $out"
fi

PY="$ROOT/scripts/lib/function_event.py"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
printf '%s' '{"statusCode":503,"headers":{},"body":"{\"type\":\"https://payments.acme.example/problems/region-not-active\",\"status\":503,\"activeRegion\":\"us-east-1\"}"}' > "$tmp/refused.json"
eq "a refusal reads as 503 region-not-active naming the active region" \
  "HTTP	503	region-not-active	-	503	us-east-1	-" "$(python3 "$PY" answer "$tmp/refused.json")"
printf '%s' '{"statusCode":200,"body":"{\"status\":\"ok\",\"activeRegion\":\"us-east-2\",\"writable\":true}"}' > "$tmp/health.json"
eq "health reads as 200, active region and writable" "HTTP	200	-	-	ok	us-east-2	true" "$(python3 "$PY" answer "$tmp/health.json")"
printf '%s' '{"errorMessage":"Docker is required to invoke Lambda functions","errorType":"Runtime.DockerUnavailable"}' > "$tmp/err.json"
eq "a function that could not run reads as ERROR with its type" \
  "ERROR	Runtime.DockerUnavailable	Docker is required to invoke Lambda functions" "$(python3 "$PY" answer "$tmp/err.json")"
event="$(python3 "$PY" event POST /payments merchant_id deploy-smoke key-0001 '{"amount":1}')"
eq "an event carries the merchant as the configured JWT claim" deploy-smoke \
  "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["requestContext"]["authorizer"]["jwt"]["claims"]["merchant_id"])' "$event")"
eq "an event carries the Idempotency-Key" key-0001 \
  "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["headers"]["idempotency-key"])' "$event")"

echo "failover-cli: $((PASSED + FAILED)) assertions, $FAILED failures"
(( FAILED == 0 ))
