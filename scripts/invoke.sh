#!/usr/bin/env bash
# `make invoke EVENT=events/<file>.json [REGION=us-east-2] [PAYMENT_ID=pay_…]`: the Docker-free
# `sam local invoke`. Runs one event through the real handler in a fresh JVM with the environment of
# the function deployed in the local emulator (start it with `make local` first).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVENT="${EVENT:?set EVENT=events/<file>.json}"
REGION="${REGION:-us-east-1}"
ENV_NAME="${ENV:-dev}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:${EMULATOR_PORT:-4566}}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export PATH="$ROOT/.tools/bin:$PATH"
JAVA_HOME="$(cat "$ROOT/.tools/java-home")"

if ! env_json="$(aws lambda get-function-configuration --region "$REGION" --function-name "payments-$ENV_NAME-api" \
      --query Environment.Variables --output json 2>/dev/null)"; then
  echo "No function payments-$ENV_NAME-api in $REGION at $AWS_ENDPOINT_URL. Start the local stack with 'make local'." >&2
  exit 1
fi
# Export the deployed function's variables, as the Lambda runtime would.
while IFS='=' read -r name value; do
  export "$name=$value"
done < <(python3 -c 'import json,sys; [print(f"{k}={v}") for k,v in json.load(sys.stdin).items()]' <<<"$env_json")
export AWS_REGION="$REGION"
[[ $EVENT == /* ]] || EVENT="$ROOT/$EVENT"
exec "$JAVA_HOME/bin/java" -XX:+UseSerialGC \
  -cp "$ROOT/payment-function/target/payment-function.jar:$ROOT/local-runtime/target/local-runtime.jar" \
  com.acme.payments.local.LocalInvoke "$EVENT" "${PAYMENT_ID:-}"
