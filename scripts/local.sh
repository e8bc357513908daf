#!/usr/bin/env bash
# `make local`: the whole system on one machine, without Docker.
#   1. starts the pinned emulator on loopback (LAMBDA_STRICT=1, Lambda proxy wired to the local runtime)
#   2+3. builds once and deploys both regions with scripts/deploy.sh (peering and handoff included)
#   4. starts the stub processor and points /payments/<env>/processor/endpoint at it
#   5. serves the payment API on 127.0.0.1:$PORT (us-east-1) and :$SECONDARY_PORT (us-east-2), behind the JWT
#      authorizer with the deployed stack's JwtIssuer/JwtAudience, and the local issuer on :$ISSUER_PORT
#      (discovery, JWKS, RS256 tokens: `make token MERCHANT=m_1`); the emulator's Lambda invokes run the shaded
#      jar under aws-lambda-rie + the Java runtime interface client, one per region
#      (ports: LAMBDA_RIE_PORTS=us-east-1=N,us-east-2=M, default free ones; logs .local/loop-$PORT/lambda-<region>.log)
#      Then it runs the function smoke test (scripts/smoke.sh) against it.
# Ctrl-C stops everything it started.
#
# Settings (environment): ENV=dev PORT=3000 SECONDARY_PORT=3001 PROCESSOR_PORT=8089 EMULATOR_PORT=4566
# ISSUER_PORT=3002 CONTROL_PORT=PORT+3 (the runtime's own port: the emulator's Lambda proxy and the region outage
# switches); LOCAL_DEV_IDENTITY=1 is the explicit opt-in to trust X-Dev-Merchant and unsigned tokens
# instead of validating tokens (for tools that cannot get one).
# LOCAL_EXIT_WHEN_READY=1 returns once ready, leaving the processes running (used by tests; stop them with
# `scripts/local.sh stop`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ENV_NAME="${ENV:-dev}"
PORT="${PORT:-3000}"
SECONDARY_PORT="${SECONDARY_PORT:-3001}"
PROCESSOR_PORT="${PROCESSOR_PORT:-8089}"
EMULATOR_PORT="${EMULATOR_PORT:-4566}"
ISSUER_PORT="${ISSUER_PORT:-3002}"
CONTROL_PORT="${CONTROL_PORT:-$((PORT + 3))}"
STATE="$ROOT/.local/loop-$PORT"
FUNCTION="payments-$ENV_NAME-api"
PRIMARY=us-east-1
SECONDARY=us-east-2

# The local loop owns its emulator: never inherit an endpoint pointing elsewhere.
export AWS_ENDPOINT_URL="http://127.0.0.1:$EMULATOR_PORT"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=$PRIMARY
export PATH="$ROOT/.tools/bin:$PATH"
export EMULATOR_PORT

say() { printf '\033[1m[local]\033[0m %s\n' "$*"; }

stop_all() {
  if [[ -f "$STATE/runtime.pid" ]]; then
    local pid; pid="$(cat "$STATE/runtime.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      # The group (setsid below): also the Lambda runtime emulators the runtime started, should TERM not suffice.
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$STATE/runtime.pid"
  fi
  "$ROOT/scripts/emulator.sh" stop >/dev/null 2>&1 || true
}

if [[ "${1:-}" == "stop" ]]; then
  stop_all
  say "stopped"
  exit 0
fi

mkdir -p "$STATE"
"$ROOT/scripts/bootstrap.sh"
JAVA_HOME="$(cat "$ROOT/.tools/java-home")"
export JAVA_HOME

# A previous run (or an emulator without the proxy wiring) is replaced: the proxy variable is read at start.
stop_all
if [[ "${LOCAL_EXIT_WHEN_READY:-0}" != "1" ]]; then
  trap 'echo; say "stopping"; stop_all; exit 0' INT TERM
  trap 'stop_all' EXIT
fi

say "1/5 emulator on 127.0.0.1:$EMULATOR_PORT (Lambda $FUNCTION proxied to the local runtime)"
# To the runtime's control port, not a region's API port: invokes in one region must keep working while
# an outage drill has taken the other region's API down.
env "MINISTACK_LAMBDA_PROXY_${FUNCTION}=http://127.0.0.1:$CONTROL_PORT/_lambda" "$ROOT/scripts/emulator.sh" start

say "2/5 build once: the shaded function jar and the local runtime"
"$ROOT/mvnw" -B -q -ntp -DskipTests package -pl local-runtime -am

say "3/5 deploy both regions (scripts/deploy.sh --env $ENV_NAME), packaging the jar just built"
PAYMENT_FUNCTION_JAR="$ROOT/payment-function/target/payment-function.jar" "$ROOT/scripts/deploy.sh" --env "$ENV_NAME"

# MiniStack ignores GlobalTable replicas: only the primary region gets the table. Create the us-east-2
# replica ourselves, with the primary's key schema, so the secondary region can serve requests.
if ! aws dynamodb describe-table --region $SECONDARY --table-name "payments-$ENV_NAME" >/dev/null 2>&1; then
  say "emulator has no global-table replica in $SECONDARY: creating payments-$ENV_NAME there (local only)"
  aws dynamodb describe-table --region $PRIMARY --table-name "payments-$ENV_NAME" --output json > "$STATE/table.json"
  python3 - "$STATE/table.json" > "$STATE/create-table.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["Table"]
out = {"TableName": t["TableName"], "AttributeDefinitions": t["AttributeDefinitions"],
       "KeySchema": t["KeySchema"], "BillingMode": "PAY_PER_REQUEST"}
if t.get("GlobalSecondaryIndexes"):
    out["GlobalSecondaryIndexes"] = [{"IndexName": g["IndexName"], "KeySchema": g["KeySchema"],
                                      "Projection": g["Projection"]} for g in t["GlobalSecondaryIndexes"]]
print(json.dumps(out))
PY
  aws dynamodb create-table --region $SECONDARY --cli-input-json "file://$STATE/create-table.json" >/dev/null
  aws dynamodb update-time-to-live --region $SECONDARY --table-name "payments-$ENV_NAME" \
    --time-to-live-specification "Enabled=true,AttributeName=expiresAt" >/dev/null || true
fi

say "4/5 stub processor on 127.0.0.1:$PROCESSOR_PORT; pointing /payments/$ENV_NAME/processor/endpoint at it"
keys=()
for region in $PRIMARY $SECONDARY; do
  # JSON input: the CLI v1 would otherwise fetch an http:// --value as a URL (its "paramfile" feature).
  aws ssm put-parameter --region "$region" --cli-input-json "{\"Name\":\"/payments/$ENV_NAME/processor/endpoint\",\"Value\":\"http://127.0.0.1:$PROCESSOR_PORT\",\"Type\":\"String\",\"Overwrite\":true}" >/dev/null
  keys+=("$(aws ssm get-parameter --region "$region" --with-decryption \
    --name "/payments/$ENV_NAME/processor/api-key" --query Parameter.Value --output text)")
  aws lambda get-function-configuration --region "$region" --function-name "$FUNCTION" \
    --query Environment.Variables --output json > "$STATE/function-env-$region.json"
done
PROCESSOR_API_KEYS="$(IFS=,; echo "${keys[*]}")"
export PROCESSOR_API_KEYS
# The emulator serves no HttpApi routes, so the stacks' ApiEndpoint URLs lead nowhere here; the local API
# servers stand in for them. The write fence's 503 names the active region's endpoint from these parameters
# (peer/api-endpoint is the deploy's cross-region handoff), so point them at the local servers. A later
# deploy against this emulator puts the stack values back.
put_string() { # <region> <name> <value>, as JSON: the CLI v1 would fetch an http:// --value
  aws ssm put-parameter --region "$1" --cli-input-json "{\"Name\":\"/payments/$ENV_NAME/$2\",\"Value\":\"$3\",\"Type\":\"String\",\"Overwrite\":true}" >/dev/null
}
put_string $PRIMARY api-endpoint "http://127.0.0.1:$PORT"
put_string $PRIMARY peer/api-endpoint "http://127.0.0.1:$SECONDARY_PORT"
put_string $SECONDARY api-endpoint "http://127.0.0.1:$SECONDARY_PORT"
put_string $SECONDARY peer/api-endpoint "http://127.0.0.1:$PORT"

# The authorizer's settings are the deployed stack's own parameters (the HTTP API's JwtConfiguration).
read -r JWT_ISSUER JWT_AUDIENCE MERCHANT_CLAIM < <(aws cloudformation describe-stacks --region $PRIMARY \
  --stack-name "payments-$ENV_NAME-primary" --output text \
  --query "Stacks[0].[Parameters[?ParameterKey=='JwtIssuer'].ParameterValue | [0], Parameters[?ParameterKey=='JwtAudience'].ParameterValue | [0], Parameters[?ParameterKey=='MerchantClaim'].ParameterValue | [0]]")
[[ -n $JWT_ISSUER && $JWT_ISSUER != None && -n $JWT_AUDIENCE && $JWT_AUDIENCE != None ]] ||
  { echo "cannot read JwtIssuer/JwtAudience of stack payments-$ENV_NAME-primary" >&2; exit 1; }
[[ -n $MERCHANT_CLAIM && $MERCHANT_CLAIM != None ]] || MERCHANT_CLAIM=merchant_id
if [[ ${LOCAL_DEV_IDENTITY:-0} == 1 ]]; then
  AUTH_ARGS=(--dev-identity --merchant-claim "$MERCHANT_CLAIM")
  AUTH_NOTE="DEVELOPMENT IDENTITY (LOCAL_DEV_IDENTITY=1): X-Dev-Merchant and unsigned tokens are trusted, nothing is validated"
else
  AUTH_ARGS=(--jwt-issuer "$JWT_ISSUER" --jwt-audience "$JWT_AUDIENCE" --merchant-claim "$MERCHANT_CLAIM" --issuer-port "$ISSUER_PORT")
  AUTH_NOTE="JWT authorizer: issuer $JWT_ISSUER, audience $JWT_AUDIENCE (the stack's), keys from the local issuer"
fi

say "5/5 payment API in front of the real handler (payment-function/target/payment-function.jar); $AUTH_NOTE"
CLASSPATH_JARS="$ROOT/payment-function/target/payment-function.jar:$ROOT/local-runtime/target/local-runtime.jar:$ROOT/local-runtime/target/lib/*:$ROOT/processor-double/target/processor-double.jar"
setsid "$JAVA_HOME/bin/java" -XX:+UseSerialGC -cp "$CLASSPATH_JARS" com.acme.payments.local.LocalRuntime \
  --env-file "$PRIMARY=$STATE/function-env-$PRIMARY.json" --env-file "$SECONDARY=$STATE/function-env-$SECONDARY.json" \
  --port "$PRIMARY=$PORT" --port "$SECONDARY=$SECONDARY_PORT" --processor-port "$PROCESSOR_PORT" "${AUTH_ARGS[@]}" \
  --function-jar "$ROOT/payment-function/target/payment-function.jar" --function-name "$FUNCTION" --lambda-log-dir "$STATE" \
  --control-port "$CONTROL_PORT" \
  > "$STATE/runtime.log" 2>&1 < /dev/null &
echo $! > "$STATE/runtime.pid"
unset PROCESSOR_API_KEYS keys
for _ in $(seq 1 150); do
  grep -q "LOCAL READY" "$STATE/runtime.log" 2>/dev/null && break
  if ! kill -0 "$(cat "$STATE/runtime.pid")" 2>/dev/null; then
    echo "local runtime exited; log:" >&2; tail -30 "$STATE/runtime.log" >&2; exit 1
  fi
  sleep 0.2
done
grep -q "LOCAL READY" "$STATE/runtime.log" || { echo "local runtime not ready after 30 s" >&2; exit 1; }

# The deploy's smoke step ran before this runtime existed, when the emulator could not run the function:
# run the function checks now, for real (health, create -> get -> cancel, a write refused by the standby).
# The us-east-2 table gets the active-region record from the local replication within a second.
health_field() { # <port> <field>
  curl -s -m 5 "http://127.0.0.1:$1/health" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$2'))" 2>/dev/null || true
}
for _ in $(seq 1 40); do
  [[ "$(health_field "$SECONDARY_PORT" activeRegion)" == "$(health_field "$PORT" activeRegion)" ]] && break
  sleep 0.25
done
say "smoke test against the running system (scripts/smoke.sh)"
"$ROOT/scripts/smoke.sh" --env "$ENV_NAME" 2>&1 | sed 's/^/    /'
[[ ${PIPESTATUS[0]} == 0 ]] || { echo "smoke test failed: the local system is broken (log: $STATE/runtime.log)" >&2; exit 1; }
ACTIVE_REGION="$(health_field "$PORT" activeRegion)"
STANDBY_PORT=$SECONDARY_PORT; [[ $ACTIVE_REGION == "$SECONDARY" ]] && STANDBY_PORT=$PORT
ACTIVE_PORT=$PORT; [[ $ACTIVE_REGION == "$SECONDARY" ]] && ACTIVE_PORT=$SECONDARY_PORT
OTHER_REGION=$SECONDARY; [[ $ACTIVE_REGION == "$SECONDARY" ]] && OTHER_REGION=$PRIMARY

KEY="demo-$(date +%s)"
if [[ ${LOCAL_DEV_IDENTITY:-0} == 1 ]]; then
  AUTH_HEADER="X-Dev-Merchant: merchant_demo"
  IDENTITY_TEXT="Identity: DEVELOPMENT mode (LOCAL_DEV_IDENTITY=1): 'X-Dev-Merchant: <id>' or an unsigned JWT is trusted as-is."
  TOKEN_LINE=""
else
  AUTH_HEADER='Authorization: Bearer $TOKEN'
  IDENTITY_TEXT="Identity: a JWT from the local issuer (http://127.0.0.1:$ISSUER_PORT), validated like the stack's HTTP API
JWT authorizer (signature, iss $JWT_ISSUER, aud $JWT_AUDIENCE, exp, nbf). X-Dev-Merchant and unsigned
tokens are refused (401) unless LOCAL_DEV_IDENTITY=1."
  TOKEN_LINE="  TOKEN=\$(make -s token MERCHANT=merchant_demo ISSUER_PORT=$ISSUER_PORT)   # valid for 1 hour"
fi
cat <<EOF

Ready. Writes go to ONE region at a time: $ACTIVE_REGION is active (GET /health says so in both).
  us-east-1 (primary):   http://127.0.0.1:$PORT
  us-east-2 (secondary): http://127.0.0.1:$SECONDARY_PORT
  stub processor:        http://127.0.0.1:$PROCESSOR_PORT   (tok_decline… declines, tok_error… 5xx, tok_timeout… times out)
  local issuer:          http://127.0.0.1:$ISSUER_PORT/.well-known/openid-configuration
  emulator:              $AWS_ENDPOINT_URL
  control:               http://127.0.0.1:$CONTROL_PORT/_local/regions   (POST …/<region>/outage, …/<region>/restore)
  logs:                  $STATE/runtime.log

$IDENTITY_TEXT

$TOKEN_LINE
  # create (authorize) in the active region
  curl -si -X POST http://127.0.0.1:$ACTIVE_PORT/payments -H 'Content-Type: application/json' \\
       -H "$AUTH_HEADER" -H 'Idempotency-Key: $KEY' \\
       -d '{"amount":2500,"currency":"USD","paymentMethod":"tok_visa_4242","description":"Order 1001"}'
  # get (use the id from the Location header)
  curl -s http://127.0.0.1:$ACTIVE_PORT/payments/<id> -H "$AUTH_HEADER"
  # capture, then refund part of it
  curl -s -X POST http://127.0.0.1:$ACTIVE_PORT/payments/<id>/capture -H "$AUTH_HEADER" -H 'Idempotency-Key: $KEY-cap'
  curl -s -X POST http://127.0.0.1:$ACTIVE_PORT/payments/<id>/refunds -H 'Content-Type: application/json' \\
       -H "$AUTH_HEADER" -H 'Idempotency-Key: $KEY-ref' -d '{"amount":1000}'
  # the same payment from the other region (reads are served in both)
  curl -s http://127.0.0.1:$STANDBY_PORT/payments/<id> -H "$AUTH_HEADER"
  # a write to the standby region: 503 region-not-active, naming $ACTIVE_REGION and its URL; nothing is written
  curl -si -X POST http://127.0.0.1:$STANDBY_PORT/payments -H 'Content-Type: application/json' \\
       -H "$AUTH_HEADER" -H 'Idempotency-Key: $KEY-standby' \\
       -d '{"amount":2500,"currency":"USD","paymentMethod":"tok_visa_4242"}'
  # move writes to $OTHER_REGION (fence, wait ~35 s, promote, smoke); the same command with TO=$ACTIVE_REGION fails back
  AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
       make failover ENV=$ENV_NAME TO=$OTHER_REGION
  # the deployed function through the emulator's Lambda API (shaded jar under aws-lambda-rie + the Java runtime
  # client; no authorizer on a direct invoke)
  aws --endpoint-url $AWS_ENDPOINT_URL --region us-east-1 lambda invoke --function-name $FUNCTION \\
       --payload fileb://events/health.json /dev/stdout

Ctrl-C stops everything.
EOF

if [[ "${LOCAL_EXIT_WHEN_READY:-0}" == "1" ]]; then
  exit 0
fi
wait "$(cat "$STATE/runtime.pid")"
