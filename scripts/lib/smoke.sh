# shellcheck shell=bash
# The function-level smoke test: real requests through the deployed function in each region,
# invoked with `aws lambda invoke` (IAM; no merchant token needed, the JWT claim is in the
# event as API Gateway would put it). Source after common.sh and active_region.sh.
#
#   smoke_regions <active-region> <standby-region>
#     1. GET /health in the active region: 200, it says it is active and writable
#     2. POST /payments there (a real authorization: SMOKE_PAYMENT_METHOD, SMOKE_AMOUNT in
#        SMOKE_CURRENCY), then GET it back, then cancel it so no money stays held
#     3. a POST /payments in the standby region: must be refused, 503 region-not-active,
#        naming the active region; if it was accepted (two writers!) it is cancelled and fails
#   Sets SMOKE_RESULT (one line) and SMOKE_FAILED (count). A region that cannot be reached is
#   reported, and counts as a failure only for the active one.
#
# On the emulator the function may not be runnable at all (MiniStack runs no Java without
# Docker; `make local` proxies invokes to its runtime once that is up): then every check says
# "not run (emulator: <reason>)" and nothing fails. On AWS there is no such escape.

SMOKE_MERCHANT="${SMOKE_MERCHANT:-deploy-smoke}"
SMOKE_PAYMENT_METHOD="${SMOKE_PAYMENT_METHOD:-tok_visa_4242}"
SMOKE_AMOUNT="${SMOKE_AMOUNT:-100}"
SMOKE_CURRENCY="${SMOKE_CURRENCY:-USD}"
SMOKE_DIR="${SMOKE_DIR:-$(mktemp -d)}"
EVENT_PY="$ROOT/scripts/lib/function_event.py"

# fn_call <region> <method> <path> [<idempotency-key> [<body>]]: one request through the
# deployed function (alias live). Sets FN_ANSWER to function_event.py's answer line:
#   "HTTP <status> <problem-type> <id> <status> <activeRegion> <writable>" or "ERROR <type> <message>"
# Returns 1 when the region's Lambda API could not be reached.
fn_call() {
  local region="$1" method="$2" path="$3" key="${4:-}" body="${5:-}" event out err
  event="$SMOKE_DIR/event-$RANDOM.json"; out="$SMOKE_DIR/out-$RANDOM.json"
  python3 "$EVENT_PY" event "$method" "$path" "${FN_CLAIM:-merchant_id}" "$SMOKE_MERCHANT" "$key" "$body" > "$event"
  if ! err="$(aws_at "$region" --cli-read-timeout 70 lambda invoke --function-name "payments-$ENV_NAME-api:live" \
                --payload "fileb://$event" "$out" 2>&1 >/dev/null)"; then
    FN_ANSWER="UNREACHABLE $(tr '\n\t' '  ' <<<"$err" | cut -c1-160)"
    return 1
  fi
  FN_ANSWER="$(python3 "$EVENT_PY" answer "$out")"
  return 0
}

# emulator_cannot_run <answer>: on the emulator, an answer that says the function never ran.
emulator_cannot_run() {
  [[ -n ${AWS_ENDPOINT_URL:-} && $1 == ERROR* ]] &&
    [[ $1 == *DockerUnavailable* || $1 == *DockerError* || $1 == *"Proxy target"*unreachable* ]]
}

SMOKE_FAILED=0 SMOKE_RESULT="" SMOKE_NOT_RUN=0
smoke_fail() { SMOKE_FAILED=$((SMOKE_FAILED + 1)); warn "$*"; }

smoke_regions() {
  local active="$1" standby="$2" key id status type got writable
  SMOKE_FAILED=0 SMOKE_NOT_RUN=0 SMOKE_RESULT=""
  # Both regions run the same template: settings read earlier in this run (the failover's preflight) serve.
  [[ ${FN_OK:-0} == 1 ]] || function_settings "$active"
  # 1. health
  if ! fn_call "$active" GET /health; then
    smoke_fail "$active: Lambda API unreachable: ${FN_ANSWER#UNREACHABLE }"; SMOKE_RESULT="active $active unreachable"; return
  fi
  if emulator_cannot_run "$FN_ANSWER"; then
    SMOKE_NOT_RUN=1; SMOKE_RESULT="not run (emulator: ${FN_ANSWER#ERROR })"; return
  fi
  read -r _ status type _ _ got writable <<<"$FN_ANSWER"
  if [[ $status != 200 || $got != "$active" || $writable != true ]]; then
    smoke_fail "$active: GET /health answered '$FN_ANSWER' (want 200, activeRegion $active, writable)"
  else
    say "$active: GET /health 200, active and writable"
  fi
  # 2. create -> get -> cancel
  key="smoke-$(date +%s)-$RANDOM$RANDOM"
  fn_call "$active" POST /payments "$key" \
    "{\"amount\":$SMOKE_AMOUNT,\"currency\":\"$SMOKE_CURRENCY\",\"paymentMethod\":\"$SMOKE_PAYMENT_METHOD\",\"description\":\"smoke test\"}" || true
  read -r _ status type id _ _ _ <<<"$FN_ANSWER"
  if [[ $status != 201 || $id != pay_* ]]; then
    smoke_fail "$active: POST /payments answered '$FN_ANSWER' (want 201)"
  else
    fn_call "$active" GET "/payments/$id" || true
    read -r _ status _ got _ _ _ <<<"$FN_ANSWER"
    read -r _ _ _ _ payment_status _ _ <<<"$FN_ANSWER"
    if [[ $status != 200 || $got != "$id" || $payment_status != AUTHORIZED ]]; then
      smoke_fail "$active: GET /payments/$id answered '$FN_ANSWER' (want 200 AUTHORIZED)"
    else
      say "$active: POST /payments 201 $id, GET 200 AUTHORIZED"
    fi
    fn_call "$active" POST "/payments/$id/cancel" "$key-cancel" || true
    read -r _ status _ _ payment_status _ _ <<<"$FN_ANSWER"
    if [[ $status != 200 || $payment_status != CANCELED ]]; then
      smoke_fail "$active: cancel of the smoke payment $id answered '$FN_ANSWER' (want 200 CANCELED)"
    else
      say "$active: smoke payment $id cancelled (nothing stays authorized)"
    fi
  fi
  # 3. the standby refuses writes
  if [[ -n $standby ]]; then
    smoke_refused_in "$standby" "$active"
  fi
  if (( SMOKE_FAILED )); then SMOKE_RESULT="$SMOKE_FAILED problem(s)"
  else SMOKE_RESULT="health, create -> get -> cancel in $active${standby:+; write refused in $standby}"; fi
}

# smoke_refused_in <region> <active>: a write in <region> must be refused naming <active>.
smoke_refused_in() {
  local region="$1" active="$2" key status type id got
  key="smoke-standby-$(date +%s)-$RANDOM$RANDOM"
  if ! fn_call "$region" POST /payments "$key" \
       "{\"amount\":$SMOKE_AMOUNT,\"currency\":\"$SMOKE_CURRENCY\",\"paymentMethod\":\"$SMOKE_PAYMENT_METHOD\",\"description\":\"smoke test (must be refused)\"}"; then
    say "$region: not reachable, refused write not checked (${FN_ANSWER#UNREACHABLE })"
    return 0
  fi
  if emulator_cannot_run "$FN_ANSWER"; then say "$region: refused write not checked (emulator: ${FN_ANSWER#ERROR })"; return 0; fi
  read -r _ status type id _ got _ <<<"$FN_ANSWER"
  if [[ $status == 503 && $type == region-not-active && $got == "$active" ]]; then
    say "$region: POST /payments refused, 503 region-not-active naming $active"
  elif [[ $status == 201 || $status == 202 ]]; then
    smoke_fail "$region: ACCEPTED a write although $active is active (two writers!): $FN_ANSWER"
    fn_call "$region" POST "/payments/$id/cancel" "$key-cancel" || true
  else
    smoke_fail "$region: POST /payments answered '$FN_ANSWER' (want 503 region-not-active naming $active)"
  fi
}
