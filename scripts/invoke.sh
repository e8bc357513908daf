#!/usr/bin/env bash
# `make invoke EVENT=events/<file>.json [REGION=us-east-2] [PAYMENT_ID=pay_…]`: the Docker-free
# `sam local invoke`. Runs the shaded jar under the Lambda Runtime Interface Emulator and the Java runtime interface
# client (the pieces `sam local invoke` runs inside its container), with the environment of the function deployed
# in the local emulator (start it with `make local` first), and posts one event to the emulator's invoke endpoint.
# The function's logs go to stderr, the response to stdout. RIE_PORT fixes the emulator's port (default: a free one).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVENT="${EVENT:?set EVENT=events/<file>.json}"
REGION="${REGION:-us-east-1}"
ENV_NAME="${ENV:-dev}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:${EMULATOR_PORT:-4566}}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export PATH="$ROOT/.tools/bin:$PATH"
JAVA_HOME="$(cat "$ROOT/.tools/java-home")"
FUNCTION="payments-$ENV_NAME-api"

for needed in "$ROOT/payment-function/target/payment-function.jar" "$ROOT/local-runtime/target/local-runtime.jar" \
              "$ROOT/local-runtime/target/lambda-runtime/lib" "$ROOT/.tools/bin/aws-lambda-rie"; do
  [[ -e "$needed" ]] || { echo "$needed is missing: run 'make local' (it bootstraps and builds) first." >&2; exit 1; }
done
env_file="$(mktemp)"
trap 'rm -f "$env_file"' EXIT
if ! aws lambda get-function-configuration --region "$REGION" --function-name "$FUNCTION" \
      --query Environment.Variables --output json > "$env_file" 2>/dev/null; then
  echo "No function $FUNCTION in $REGION at $AWS_ENDPOINT_URL. Start the local stack with 'make local'." >&2
  exit 1
fi
[[ $EVENT == /* ]] || EVENT="$ROOT/$EVENT"
cd "$ROOT"
"$JAVA_HOME/bin/java" -XX:+UseSerialGC \
  -cp "$ROOT/payment-function/target/payment-function.jar:$ROOT/local-runtime/target/local-runtime.jar:$ROOT/local-runtime/target/lib/*" \
  com.acme.payments.local.LocalInvoke --env-file "$env_file" --region "$REGION" --function-name "$FUNCTION" \
  "$EVENT" "${PAYMENT_ID:-}"
