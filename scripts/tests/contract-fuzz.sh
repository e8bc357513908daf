#!/usr/bin/env bash
# The API contract, fuzzed: Schemathesis generates requests from api/openapi.yaml (valid and invalid ones, then
# stateful sequences that follow created payments), sends them to the real handler behind the local API server,
# and checks every answer: no 5xx, a documented status code, content type and headers, a body that validates
# against the declared schema, invalid requests rejected and valid ones accepted.
#
#   scripts/tests/contract-fuzz.sh                       bounded run, part of `make test` (FUZZ_MAX_TIME=60)
#   make fuzz                                            the same for 10 minutes (FUZZ_MAX_TIME=600)
#   FUZZ_API_URL=http://127.0.0.1:3000 scripts/tests/contract-fuzz.sh     against a running `make local`
#   scripts/tests/contract-fuzz.sh --serve               only bring the API up (prints its URL and the identity
#                                                        header) and keep it until Ctrl-C, to try requests by hand
#
# Without FUZZ_API_URL it brings up the parts of `make local` the API needs (10-45 s, by machine load): the emulator
# (AWS_ENDPOINT_URL when set, as in `make test`; else the one running on EMULATOR_PORT; else its own, stopped
# afterwards), the payments table and SSM parameters exactly as template.yaml declares them
# (contract-fuzz/local_env.py) under a fresh environment name, and the local runtime (real handler from the
# shaded jar, stub processor) on free ports.
# Everything it made is removed at exit. Deploying both stacks instead (scripts/local.sh) takes ~3 minutes.
#
# Settings: FUZZ_MAX_TIME (seconds of generation, default 60), FUZZ_SEED (default: random, printed; pass it
# back to replay a run), FUZZ_BEARER_TOKEN (see fuzz_bearer_token), EMULATOR_PORT.
# Output: .local/contract-fuzz/ (st.log, JUnit and NDJSON reports); the runtime's own log is
# .local/loop-contract-fuzz/runtime.log, which scripts/tests/scan_logs.py scans for tokens and card numbers.
# Exit status: Schemathesis's (non-zero on any failure), or 2 when the API could not be brought up.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/tests/contract-fuzz"
OUT="$ROOT/.local/contract-fuzz"
RUNTIME_DIR="$ROOT/.local/loop-contract-fuzz"
MAX_TIME="${FUZZ_MAX_TIME:-60}"
SEED="${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
FUZZ_MERCHANT="merchant_contract_fuzz"
# The fuzz environment's currency configuration. Equal maxima, so that "amount at most the currency's maximum"
# is one bound the hooks can put into the schema (see contract-fuzz/hooks.py).
export FUZZ_CURRENCY_LIMITS='{"USD":1000000,"EUR":1000000,"JPY":1000000}'

export PATH="$ROOT/.tools/bin:$PATH"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
unset AWS_SESSION_TOKEN AWS_PROFILE

log() { printf "[contract-fuzz +%ss] %s\n" "$SECONDS" "$*"; }

# The caller's identity: the bearer token of the merchantJwt security scheme, an RS256 token signed by the local
# OIDC issuer the runtime starts (LocalIssuer) and validated by the local API server the way the HTTP API's JWT
# authorizer does (signature, iss, aud, exp, nbf, the merchant claim). FUZZ_BEARER_TOKEN overrides it.
# Schemathesis gets it as the scheme's credentials (schemathesis.toml), not as a fixed header, so it can also
# send requests without it or with a mangled one and check that they are refused (401).
fuzz_bearer_token() {
  if [[ -n "${FUZZ_BEARER_TOKEN:-}" ]]; then
    printf '%s' "$FUZZ_BEARER_TOKEN"
    return
  fi
  [[ -n "${ISSUER_PORT:-}" ]] || { log "no local issuer running" >&2; return 1; }
  curl -sS --fail -m 5 "http://127.0.0.1:$ISSUER_PORT/token?merchant=$FUZZ_MERCHANT&ttl=7200"
}

STARTED_EMULATOR=0 RUNTIME_PID="" ENV_NAME="" SSM_NAMES=()
cleanup() {
  local rc=$?
  if [[ -n "$RUNTIME_PID" ]] && kill -0 "$RUNTIME_PID" 2>/dev/null; then
    kill -TERM "$RUNTIME_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$RUNTIME_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$RUNTIME_PID" 2>/dev/null || true
  fi
  if [[ -n "$ENV_NAME" ]] && (( ! STARTED_EMULATOR )); then
    # A shared emulator (make test's) keeps nothing of this run.
    aws dynamodb delete-table --table-name "payments-$ENV_NAME" >/dev/null 2>&1 &
    if (( ${#SSM_NAMES[@]} )); then
      aws ssm delete-parameters --names "${SSM_NAMES[@]}" >/dev/null 2>&1 &
    fi
    wait
  fi
  if (( STARTED_EMULATOR )); then "$ROOT/scripts/emulator.sh" stop >/dev/null 2>&1 || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$ROOT/scripts/bootstrap.sh" >/dev/null
JAVA_HOME="$(cat "$ROOT/.tools/java-home")"
rm -rf "$OUT" "$RUNTIME_DIR"
mkdir -p "$OUT" "$RUNTIME_DIR"

# The Schemathesis virtualenv's interpreter: it has PyYAML, and no system package is assumed.
py() { "$ROOT/.tools/venvs/schemathesis/bin/python" "$@"; }
free_port() { py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The local runtime's classpath, as scripts/local.sh runs it: the deployed jar, the local-only runtime and the
# processor double its stub serves.
runtime_jars=("$ROOT/payment-function/target/payment-function.jar" "$ROOT/local-runtime/target/local-runtime.jar"
  "$ROOT/processor-double/target/processor-double.jar")
# The JWT library of the local issuer and authorizer (copied there by local-runtime's package phase).
shopt -s nullglob
for jar in "$ROOT"/local-runtime/target/lib/*.jar; do runtime_jars+=("$jar"); done
shopt -u nullglob

bring_up() {
  if [[ -z "${AWS_ENDPOINT_URL:-}" ]]; then
    export EMULATOR_PORT="${EMULATOR_PORT:-4566}"
    if "$ROOT/scripts/emulator.sh" status >/dev/null 2>&1; then
      log "reusing the emulator on port $EMULATOR_PORT (left running)"
    else
      STARTED_EMULATOR=1
      "$ROOT/scripts/emulator.sh" start
    fi
    export AWS_ENDPOINT_URL="http://127.0.0.1:$EMULATOR_PORT"
  fi

  # Rebuilt only when a main source is newer than what was compiled from it (in `make test`, Maven has just built
  # everything). Compared with the classes, not the jars: a reproducible jar whose content did not change keeps
  # its old timestamp.
  local stale=0 jar module newest
  for jar in "${runtime_jars[@]}"; do [[ -f "$jar" ]] || stale=1; done
  for module in processor-double shared payment-function local-runtime; do
    newest="$(find "$ROOT/$module/target/classes" -type f -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -1 | cut -d' ' -f2-)"
    if [[ -z "$newest" ]] || [[ -n "$(find "$ROOT/$module/src/main" -type f -newer "$newest" -print -quit)" ]]; then
      stale=1
    fi
  done
  if (( stale )); then
    log "building the function jar and the local runtime"
    JAVA_HOME="$JAVA_HOME" "$ROOT/mvnw" -B -q -ntp -DskipTests package -pl local-runtime -am
  fi
  # The runtime runs copies: in `make test` the deploy end-to-end test may rebuild the same jars meanwhile (its
  # sam build holds .local/jar-build.lock while Maven writes them, so the copy is never of a half-written jar).
  mkdir -p "$RUNTIME_DIR/jars"
  local copies=() i=0
  (
    command -v flock >/dev/null && flock -s 9
    for jar in "${runtime_jars[@]}"; do
      cp "$jar" "$RUNTIME_DIR/jars/$(printf '%02d' "$i")-$(basename "$jar")"
      i=$((i + 1))
    done
  ) 9>"$ROOT/.local/jar-build.lock"
  for jar in "$RUNTIME_DIR"/jars/*.jar; do copies+=("$jar"); done
  runtime_jars=("${copies[@]}")

  ENV_NAME="fuzz$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
  log "environment $ENV_NAME on $AWS_ENDPOINT_URL (table, SSM parameters and function environment from template.yaml)"
  py "$HERE/local_env.py" "$ROOT/template.yaml" "$ENV_NAME" "$RUNTIME_DIR"
  # The AWS CLI takes a second or two per call here: the table and every parameter are made concurrently.
  local jobs=() job failed=0
  {
    aws dynamodb create-table --cli-input-json "file://$RUNTIME_DIR/create-table.json" >/dev/null &&
    wait_for_table "payments-$ENV_NAME" &&
    aws dynamodb update-time-to-live --table-name "payments-$ENV_NAME" \
      --time-to-live-specification "Enabled=true,AttributeName=$(cat "$RUNTIME_DIR/ttl-attribute")" >/dev/null &&
    # What the deploy's active-region step writes (the write fence): this region takes writes.
    aws dynamodb put-item --table-name "payments-$ENV_NAME" --item "{\"pk\":{\"S\":\"FENCE#active-region\"},\"sk\":{\"S\":\"FENCE\"},\"activeRegion\":{\"S\":\"us-east-1\"},\"epoch\":{\"N\":\"1\"},\"version\":{\"N\":\"1\"},\"changedAt\":{\"S\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}}" >/dev/null
  } &
  jobs+=($!)

  local api_port processor_port api_key
  api_port="$(free_port)"
  processor_port="$(free_port)"
  # The prefix the log scanner (scan_logs.py) looks for: a key that leaks into a log fails `make test`.
  api_key="it-processor-key-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  # The template's values, overridden by what the deploy script and the local loop set on top of them.
  local name type value
  while IFS=$'\t' read -r name type value; do
    SSM_NAMES+=("$name")
    put_parameter "$name" "$type" "$value" &
    jobs+=($!)
  done < <(py - "$RUNTIME_DIR/ssm-parameters.json" "/payments/$ENV_NAME/" "http://127.0.0.1:$processor_port" \
             "$api_key" "$FUZZ_CURRENCY_LIMITS" <<'PY'
import json, sys
template_file, prefix, endpoint, api_key, limits = sys.argv[1:]
parameters = {p["Name"]: (p["Type"], p["Value"]) for p in json.load(open(template_file))}
parameters[prefix + "processor/endpoint"] = ("String", endpoint)
parameters[prefix + "processor/api-key"] = ("SecureString", api_key)
parameters[prefix + "currency-limits"] = ("String", limits)
for name, (kind, value) in parameters.items():
    print(name, kind, value, sep="\t")
PY
)
  for job in "${jobs[@]}"; do wait "$job" || failed=1; done
  (( ! failed )) || { log "could not create the table or the parameters" >&2; return 1; }

  ISSUER_PORT="$(free_port)"
  log "local runtime: API on 127.0.0.1:$api_port, stub processor on 127.0.0.1:$processor_port, issuer on 127.0.0.1:$ISSUER_PORT"
  PROCESSOR_API_KEYS="$api_key" setsid "$JAVA_HOME/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -cp "$(IFS=:; echo "${runtime_jars[*]}")" com.acme.payments.local.LocalRuntime \
    --env-file "us-east-1=$RUNTIME_DIR/function-env.json" --port "us-east-1=$api_port" \
    --processor-port "$processor_port" --jwt-issuer "https://issuer.contract-fuzz.local/" \
    --jwt-audience payments-contract-fuzz --issuer-port "$ISSUER_PORT" > "$RUNTIME_DIR/runtime.log" 2>&1 < /dev/null &
  RUNTIME_PID=$!
  for _ in $(seq 1 150); do
    grep -q "LOCAL READY" "$RUNTIME_DIR/runtime.log" && break
    kill -0 "$RUNTIME_PID" 2>/dev/null || { tail -20 "$RUNTIME_DIR/runtime.log" >&2; return 1; }
    sleep 0.2
  done
  grep -q "LOCAL READY" "$RUNTIME_DIR/runtime.log" || { log "runtime not ready after 30 s" >&2; return 1; }
  API_URL="http://127.0.0.1:$api_port"
}

wait_for_table() { # `aws dynamodb wait table-exists` polls every 20 s; the emulator is ready in well under one
  local status
  for _ in $(seq 1 60); do
    status="$(aws dynamodb describe-table --table-name "$1" --query Table.TableStatus --output text 2>/dev/null)"
    [[ "$status" == ACTIVE ]] && return 0
    sleep 0.5
  done
  log "table $1 not ACTIVE after 30 s (last status: ${status:-none})" >&2
  return 1
}

put_parameter() { # name type value; JSON input, because the CLI v1 would fetch an http:// --value as a URL
  aws ssm put-parameter --cli-input-json "$(py -c 'import json, sys; print(json.dumps(
    {"Name": sys.argv[1], "Type": sys.argv[2], "Value": sys.argv[3], "Overwrite": True}))' "$1" "$2" "$3")" >/dev/null
}


# A fuzz run against an API that answers 503 to everything (configuration missing) would pass most checks and
# prove nothing: one real payment must go through first.
smoke() {
  local identity status
  identity="Authorization: Bearer $(fuzz_bearer_token)"
  status="$(curl -s -o "$OUT/smoke-health.json" -w '%{http_code}' "$API_URL/health")"
  [[ "$status" == 200 ]] && py -c 'import json, sys; h = json.load(open(sys.argv[1]))
sys.exit(0 if h["config"]["reachable"] and h["table"]["reachable"] else 1)' "$OUT/smoke-health.json" \
    || { log "health check failed ($status): $(cat "$OUT/smoke-health.json")" >&2; return 1; }
  status="$(curl -s -o "$OUT/smoke-create.json" -w '%{http_code}' -X POST "$API_URL/payments" -H "$identity" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: fuzz-smoke-$ENV_NAME" \
    -d '{"amount":2500,"currency":"USD","paymentMethod":"tok_visa_4242"}')"
  [[ "$status" == 201 ]] || { log "a valid payment was not created ($status): $(cat "$OUT/smoke-create.json")" >&2; return 1; }
}

if [[ -n "${FUZZ_API_URL:-}" ]]; then
  API_URL="$FUZZ_API_URL"
  ISSUER_PORT="${ISSUER_PORT:-3002}" # make local's issuer
  ENV_NAME="" # nothing of ours to clean up
  log "fuzzing the running API at $API_URL; its currency configuration must match FUZZ_CURRENCY_LIMITS"
else
  bring_up || exit 2
fi
smoke || exit 2
log "API up and a payment created"
if [[ "${1:-}" == "--serve" ]]; then
  log "serving $API_URL until Ctrl-C; identity header: Authorization: Bearer $(fuzz_bearer_token)"
  wait "$RUNTIME_PID"
  exit 0
fi

log "schemathesis $(st --version | awk '{print $NF}'): api/openapi.yaml against $API_URL for ${MAX_TIME}s, seed $SEED"
set +e
SCHEMATHESIS_HOOKS="$HERE/hooks.py" FUZZ_SUMMARY="$OUT/accepted-mismatches.txt" \
  FUZZ_BEARER_TOKEN="$(fuzz_bearer_token)" \
  st --config-file "$HERE/schemathesis.toml" run "$ROOT/api/openapi.yaml" --url "$API_URL" --max-time "$MAX_TIME" --seed "$SEED" --no-color \
  --report junit,ndjson --report-dir "$OUT" > "$OUT/st.log" 2>&1
rc=$?
set -e
# The summary, without request bodies (those carry generated tokens): the full report is in st.log.
sed -n '/^=* SUMMARY =*$/,$p' "$OUT/st.log"
[[ -f "$OUT/accepted-mismatches.txt" ]] && cat "$OUT/accepted-mismatches.txt"
log "done"
if (( rc != 0 )); then
  log "FAILED (exit $rc): details in $OUT/st.log; replay with FUZZ_SEED=$SEED"
fi
exit "$rc"
