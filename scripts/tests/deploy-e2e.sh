#!/usr/bin/env bash
# End-to-end test of scripts/deploy.sh and scripts/teardown.sh on the emulator.
#
#   scripts/tests/deploy-e2e.sh
#
# Uses the emulator at AWS_ENDPOINT_URL when that is set; otherwise starts one with
# scripts/emulator.sh on EMULATOR_PORT (default 4566) and stops it at the end. It never
# talks to real AWS: AWS_ENDPOINT_URL is always set before the first call.
#
# What it proves, each with assertions read back from the (emulated) AWS APIs, never from
# the scripts' own output alone:
#   1. dry run changes nothing and prints every preflight check with the value it found; bad
#      arguments and overlapping CIDRs are refused; and every preflight refusal of a first deploy
#      to a real account is triggered on purpose, each with its one-line reason, nothing created:
#      placeholders outside dev, prod without deletion protection / flow logs / alarm e-mail, a prod
#      environment on the dev config, AZ IDs that do not exist / repeat / lack Lambda, an endpoint
#      service not offered in an AZ, an account concurrency limit too low (both ways), a deployer
#      whose IAM policies lack the global-table permissions (simulated by the emulator's IAM), and
#      (in 4) a changed secondary table key. The account limit and the endpoint-service AZs come
#      from canned answers (DEPLOY_PREFLIGHT_CANNED, read only when AWS_ENDPOINT_URL is set): the
#      emulator reports a fixed limit and offers every service in every AZ.
#   2. a fresh deploy converges: stacks complete, the active-region record created, one active tagged peering, every private
#      route table routes the peer CIDR through it, handoff parameters right, processor key
#      seeded as the same SecureString in both regions and never printed
#   3. an immediate rerun (with a fresh `sam build`) changes nothing and says so; the build
#      artifact digest is identical
#   4. drift is repaired (a tampered handoff parameter, a route pointing elsewhere), and a
#      failing step names itself, its region and the --from command to resume
#   5. runs killed with SIGKILL right after deploy-primary and after network steps
#      (the whole process group, sam included) converge when simply run again. `make test`
#      kills after deploy-primary and routes (DEPLOY_E2E_KILL_STEPS="routes", its time budget);
#      `make test-deploy` kills after every network step: peering, routes and handoff
#   6. teardown needs --env and a confirmation, leaves no stack, peering, route or parameter,
#      and a second teardown succeeds
#
# Environment: DEPLOY_E2E_ENV (default e2e), DEPLOY_E2E_KILL_STEPS (network steps to kill
# after, default "routes"; any of peering routes handoff), EMULATOR_PORT, SAM_BUILD_DIR (default
# .aws-sam/e2e-build-<emulator port>, so a developer's own .aws-sam/build is left alone).
# Logs go to .local/deploy-e2e-<emulator port>/. Runs on different emulators from the same
# checkout (several people, `make test`) do not share logs or builds; a second run against
# the same emulator is refused, since both would deploy the same environment.
# Output ends with "deploy-e2e: N assertions, M failures"; exit 1 on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PATH="$ROOT/.tools/bin:$PATH"
E2E_ENV="${DEPLOY_E2E_ENV:-e2e}"
P=us-east-1 S=us-east-2
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export SAM_CLI_TELEMETRY=0 AWS_PAGER=""
unset PROCESSOR_API_KEY SKIP_BUILD

T0=$SECONDS

STARTED_EMULATOR=0
cleanup() {
  if (( STARTED_EMULATOR )); then "$ROOT/scripts/emulator.sh" stop >/dev/null || true; fi
}
trap cleanup EXIT
# Ctrl-C or a CI cancel still goes through the EXIT trap (cleanup, and the resume hint).
trap 'exit 130' INT
trap 'exit 143' TERM
if [[ -z ${AWS_ENDPOINT_URL:-} ]]; then
  export EMULATOR_PORT="${EMULATOR_PORT:-4566}"
  "$ROOT/scripts/emulator.sh" start
  STARTED_EMULATOR=1
  export AWS_ENDPOINT_URL="http://127.0.0.1:$EMULATOR_PORT"
fi
TAG="${AWS_ENDPOINT_URL##*:}"; TAG="${TAG%%/*}"; [[ $TAG =~ ^[0-9]+$ ]] || TAG=default
LOG_DIR="$ROOT/.local/deploy-e2e-$TAG"
export SAM_BUILD_DIR="${SAM_BUILD_DIR:-$ROOT/.aws-sam/e2e-build-$TAG}"
mkdir -p "$ROOT/.local"
exec 9>"$LOG_DIR.lock"
if command -v flock >/dev/null && ! flock -n 9; then
  echo "deploy-e2e: another run is using $AWS_ENDPOINT_URL (lock $LOG_DIR.lock)" >&2; exit 1
fi
rm -rf "$LOG_DIR"; mkdir -p "$LOG_DIR"
echo "deploy-e2e: env '$E2E_ENV' on $AWS_ENDPOINT_URL, logs in $LOG_DIR, build in $SAM_BUILD_DIR"

# ---- assertions -------------------------------------------------------------------------
PASSED=0 FAILED=0
ok() { PASSED=$((PASSED + 1)); printf '  ok    %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf '  FAIL  %s\n' "$1"; }
eq() { # <description> <want> <got>
  if [[ $3 == "$2" ]]; then ok "$1"; else fail "$1: want '$2', got '$3'"; fi
}
match() { # <description> <regex> <got>
  if [[ $3 =~ $2 ]]; then ok "$1"; else fail "$1: '$3' does not match /$2/"; fi
}
log_has() { # <description> <log> <fixed string>
  if grep -qF -- "$3" "$2"; then ok "$1"; else fail "$1: '$3' not in $(basename "$2")"; fi
}
log_lacks() {
  if grep -qF -- "$3" "$2"; then fail "$1: '$3' found in $(basename "$2")"; else ok "$1"; fi
}
phase() { printf '\n== %s  (+%ss)\n' "$*" "$((SECONDS - T0))"; }

# ---- running the scripts ----------------------------------------------------------------
RUN_NO=0 RC=0 LOG=""
# run <name> <script> <args...>: runs with output to a numbered log; sets RC and LOG.
run() {
  local name="$1"; shift
  RUN_NO=$((RUN_NO + 1)); LOG="$LOG_DIR/$(printf '%02d' "$RUN_NO")-$name.log"
  local t=$SECONDS
  set +e; "$@" >"$LOG" 2>&1 </dev/null; RC=$?; set -e
  printf '  ..    %-34s rc=%-3s %3ss  %s\n' "$name" "$RC" "$((SECONDS - t))" "$(tail -n1 "$LOG")"
}
# The e2e environment is a throwaway one: it deploys with the dev config's settings.
deploy() { local name="$1"; shift; run "$name" "$ROOT/scripts/deploy.sh" --env "$E2E_ENV" --config dev "$@"; }
teardown() { run "$1" "$ROOT/scripts/teardown.sh" --env "$E2E_ENV" --yes; }

# deploy_killed_after <step>: a real SIGKILL to deploy.sh's whole process group (sam and
# aws children included) as soon as <step> reports done; nothing in deploy.sh cooperates.
deploy_killed_after() {
  local step="$1" pid t=$SECONDS killed=0
  RUN_NO=$((RUN_NO + 1)); LOG="$LOG_DIR/$(printf '%02d' "$RUN_NO")-killed-after-$step.log"
  setsid env SKIP_BUILD=1 "$ROOT/scripts/deploy.sh" --env "$E2E_ENV" --config dev >"$LOG" 2>&1 </dev/null &
  pid=$!
  sleep 0.2
  # setsid only forks when already a group leader; then $! would not lead the group.
  eq "deploy.sh leads its own process group" "$pid" "$(ps -o pgid= -p "$pid" | tr -d ' ')"
  while kill -0 "$pid" 2>/dev/null; do
    if grep -qE "^\[[0-9]+/[0-9]+\] $step: done" "$LOG"; then
      kill -KILL -- "-$pid"; killed=1; break
    fi
    (( SECONDS - t < 900 )) || { kill -KILL -- "-$pid"; break; }
    sleep 0.05
  done
  set +e; wait "$pid" 2>/dev/null; RC=$?; set -e   # 2>/dev/null: bash's "Killed" job notice
  # Killed children become zombies until init reaps them; wait (bounded) for live ones only.
  local left=""
  for _ in $(seq 1 50); do
    left="$(ps -o pid=,stat= -g "$pid" 2>/dev/null | awk '$2 !~ /^Z/ { print $1 }' | tr '\n' ' ')"
    [[ -z $left ]] && break
    sleep 0.1
  done
  printf '  ..    %-34s rc=%-3s %3ss  %s\n' "killed-after-$step" "$RC" "$((SECONDS - t))" "$(tail -n1 "$LOG")"
  eq "run killed right after '$step' (SIGKILL, exit 137)" "1 137" "$killed $RC"
  eq "no process of the killed run survives" "" "$left"
  log_lacks "killed run did not finish" "$LOG" "deploy: complete"
}

# ---- reading state back -----------------------------------------------------------------
declare -A O=()
read_outputs() { # fills O[<role>:<key>] and O[<role>:status]; status NONE when absent
  local role="$1" region="$2" key value first=1
  for key in "${!O[@]}"; do [[ $key == "$role:"* ]] && unset "O[$key]"; done
  O[$role:status]=NONE
  while IFS=$'\t' read -r key value; do
    if (( first )); then O[$role:status]="$key"; first=0; else O[$role:$key]="$value"; fi
  done < <(aws --region "$region" cloudformation describe-stacks --stack-name "payments-$E2E_ENV-$role" \
             --query 'Stacks[0].[[StackStatus], Outputs[].[OutputKey,OutputValue]][]' --output text 2>/dev/null || true)
}
live_tagged_pcx() { # <region>: "id status requester-vpc accepter-vpc accepter-region" lines
  aws --region "$1" ec2 describe-vpc-peering-connections --filters "Name=tag:payments:env,Values=$E2E_ENV" \
    --query "VpcPeeringConnections[?Status.Code!='deleted' && Status.Code!='rejected' && Status.Code!='failed' && Status.Code!='expired'].[VpcPeeringConnectionId,Status.Code,RequesterVpcInfo.VpcId,AccepterVpcInfo.VpcId,AccepterVpcInfo.Region]" \
    --output text
}
pcx_between() { # live connections between the two VPCs, tagged or not
  aws --region "$P" ec2 describe-vpc-peering-connections \
    --query "VpcPeeringConnections[?RequesterVpcInfo.VpcId=='$1' && AccepterVpcInfo.VpcId=='$2' && Status.Code!='deleted'].VpcPeeringConnectionId" \
    --output text | wc -w
}
routes_to_cidr() { # <region> <cidr> <rtb>...: per table "rtb target state", one per route to cidr
  aws --region "$1" ec2 describe-route-tables --route-table-ids "${@:3}" \
    --query "RouteTables[].[RouteTableId, join(' ', Routes[?DestinationCidrBlock=='$2'].[VpcPeeringConnectionId || GatewayId || 'other', State][])]" \
    --output text | tr '\t' ' '
}
params() { # <region> <name>...: "name value type" per existing parameter
  aws --region "$1" ssm get-parameters --names "${@:2}" --query 'Parameters[].[Name,Value,Type]' --output text |
    tr '\t' ' '
}
secret() { aws --region "$1" ssm get-parameter --name "/payments/$E2E_ENV/processor/api-key" --with-decryption \
             --query Parameter.Value --output text 2>/dev/null || true; }

PCX="" SECRET_VALUE=""
# assert_converged <label>: the full state a successful deploy must leave.
assert_converged() {
  local label="$1" role region other peer_cidr rtb rtbs key want lines n
  read_outputs primary "$P"; read_outputs secondary "$S"
  for role in primary secondary; do
    match "$label: stack payments-$E2E_ENV-$role complete" '^(CREATE|UPDATE)_COMPLETE$' "${O[$role:status]}"
  done
  lines="$(live_tagged_pcx "$P")"
  eq "$label: exactly one live peering tagged payments:env=$E2E_ENV in $P" 1 "$(grep -c . <<<"$lines" || true)"
  PCX="$(cut -f1 <<<"$lines" | head -n1)"
  eq "$label: peering active, ${O[primary:VpcId]:-?} -> ${O[secondary:VpcId]:-?} in $S" \
    "active ${O[primary:VpcId]:-?} ${O[secondary:VpcId]:-?} $S" "$(cut -f2- <<<"$lines" | head -n1 | tr '\t' ' ')"
  eq "$label: no other live peering between the two VPCs" 1 "$(pcx_between "${O[primary:VpcId]:-?}" "${O[secondary:VpcId]:-?}")"
  eq "$label: accepter side ($S) sees it active and tagged" "$PCX active" "$(live_tagged_pcx "$S" | cut -f1,2 | tr '\t' ' ')"
  for role in primary secondary; do
    region=$([[ $role == primary ]] && echo "$P" || echo "$S")
    other=$([[ $role == primary ]] && echo secondary || echo primary)
    peer_cidr="${O[$other:VpcCidr]:-?}"
    IFS=, read -ra rtbs <<<"${O[$role:PrivateRouteTableIds]:-}"
    n=${#rtbs[@]}
    if (( n > 0 )); then ok "$label: $role lists $n private route table(s)"; else fail "$label: $role lists no private route tables"; continue; fi
    lines="$(routes_to_cidr "$region" "$peer_cidr" "${rtbs[@]}")"
    for rtb in "${rtbs[@]}"; do
      # Exactly one route to the peer CIDR: "rtb pcx active" and nothing after it.
      eq "$label: $region $rtb has one route $peer_cidr -> $PCX (active)" "$rtb $PCX active" \
        "$(grep "^$rtb " <<<"$lines" || echo "$rtb missing")"
    done
    declare -A want_handoff=(
      [region]="$([[ $other == primary ]] && echo "$P" || echo "$S")"
      [vpc-id]="${O[$other:VpcId]:-?}" [vpc-cidr]="$peer_cidr"
      [api-endpoint]="${O[$other:ApiEndpoint]:-?}" [peering-connection-id]="$PCX")
    local base="/payments/$E2E_ENV" names=()
    for key in "${!want_handoff[@]}"; do names+=("$base/peer/$key"); done
    lines="$(params "$region" "${names[@]}" "$base/processor/api-key")"
    for key in region vpc-id vpc-cidr api-endpoint peering-connection-id; do
      want="${want_handoff[$key]}"
      eq "$label: $region $base/peer/$key" "$base/peer/$key $want String" \
        "$(grep "^$base/peer/$key " <<<"$lines" || echo missing)"
    done
    unset want_handoff
    eq "$label: $region processor key is a SecureString" SecureString \
      "$(awk -v n="$base/processor/api-key" '$1 == n { print $NF }' <<<"$lines")"
  done
  eq "$label: the active-region record exists in $P (the deploy creates it once and never moves it)" \
    "$P 1" "$(aws --region "$P" dynamodb get-item --table-name "payments-$E2E_ENV" --consistent-read \
                --key '{"pk":{"S":"FENCE#active-region"},"sk":{"S":"FENCE"}}' \
                --query '[Item.activeRegion.S, Item.epoch.N]' --output text | tr '\t' ' ')"
  local k1 k2
  k1="$(secret "$P")"; k2="$(secret "$S")"
  if [[ -n $k1 && $k1 == "$k2" ]]; then ok "$label: both regions hold the same processor key"
  else fail "$label: processor keys missing or different between regions"; fi
  SECRET_VALUE="$k1"
  if [[ -n $SECRET_VALUE ]] && grep -rqF -- "$SECRET_VALUE" "$LOG_DIR"; then
    fail "$label: the processor key appears in a log"
  else ok "$label: the processor key appears in no log"; fi
}

# ===========================================================================================
phase "0. clean start"
teardown pre-clean
eq "pre-clean teardown succeeds" 0 "$RC"

phase "1. refusals and dry run"
run deploy-no-env "$ROOT/scripts/deploy.sh"
eq "deploy.sh without --env is refused (exit 2)" 2 "$RC"
deploy deploy-bad-from --from nowhere
eq "deploy.sh --from <unknown step> is refused (exit 2)" 2 "$RC"
SAM_PY="$(head -n1 "$(command -v sam)")"; SAM_PY="${SAM_PY#\#!}"
for pair in "10.10.0.0/16 10.20.0.0/16 0" "10.0.0.0/16 10.0.128.0/17 1" "10.0.0.0/8 10.200.0.0/16 1" "10.0.0.1/16 10.1.0.0/16 2"; do
  read -r a b want <<<"$pair"
  set +e; "$SAM_PY" "$ROOT/scripts/lib/deploy_config.py" cidr-check "$a" "$b" 2>/dev/null; got=$?; set -e
  eq "cidr-check $a vs $b (0 disjoint, 1 overlap, 2 invalid)" "$want" "$got"
done
deploy dry-run --dry-run
eq "dry run succeeds" 0 "$RC"
log_has "dry run prints the plan" "$LOG" "plan for environment '$E2E_ENV'"
log_has "dry run stops after preflight" "$LOG" "deploy: dry run, nothing changed"
for check in "tools: sam " "java: " "cidrs: VpcCidr 10.0.0.0/16 (us-east-1) and 10.1.0.0/16 (us-east-2)" \
    "placeholders: allowed for the dev config" "environment-safety: TableDeletionProtection: false/false" \
    "credentials: account " "availability-zones: us-east-1: subnets in use1-az1 (" \
    "availability-zones: us-east-2: subnets in use2-az1 (" "endpoint-services: us-east-1: ssm offered in use1-az1 and use1-az2" \
    "lambda-concurrency: us-east-2: nothing reserved (ReservedConcurrency=0); account limit " \
    "permissions: the account root user" "table-key: no primary stack yet"; do
  log_has "dry run prints check and value: $check" "$LOG" "$check"
done
read_outputs primary "$P"; read_outputs secondary "$S"
eq "dry run created no stack" "NONE NONE" "${O[primary:status]} ${O[secondary:status]}"

phase "1b. preflight refuses what would break a first deploy to a real account"
PF="$LOG_DIR/preflight"; mkdir -p "$PF/canned"
# refused <description> <fixed string>: the last run printed exactly this refusal line.
refused() { log_has "refused: $1" "$LOG" "REFUSED  $2"; }
refusal_run_ends_cleanly() {
  eq "refused preflight exits 1" 1 "$RC"
  log_has "refusal says nothing was changed" "$LOG" "preflight refused (reasons above, each with its fix); nothing was changed"
}
# A: the repository's prod config, as shipped: its organisation-specific values are placeholders.
run prod-placeholders "$ROOT/scripts/deploy.sh" --env "$E2E_ENV" --config prod --dry-run
refusal_run_ends_cleanly
for key in JwtIssuer ProcessorEndpoint AlarmEmail; do
  refused "$key placeholder outside dev" "placeholders: $key="
done
log_has "prod config: deletion protection and flow logs pass" "$LOG" "ok       environment-safety: EnableFlowLogs=true in both regions"
log_has "prod config: ReservedConcurrency 100 fits the emulator's limit" "$LOG" "lambda-concurrency: us-east-1: limit "
# An environment samconfig.toml has no config for (a new "staging", say) is refused, not deployed with defaults.
run no-config "$ROOT/scripts/deploy.sh" --env "$E2E_ENV" --config nosuch --dry-run
refusal_run_ends_cleanly
refused "no config env for the environment" "config: $ROOT/samconfig.toml has no [nosuch-primary.deploy.parameters] section"
# B: a non-dev config without the production safeguards, and AZ IDs that cannot work.
PROD_LIKE="EnvironmentName=x JwtIssuer=https://login.acme-payments.io/ JwtAudience=payments-api ProcessorEndpoint=https://api.card-processor.io/ TableDeletionProtection=false EnableFlowLogs=false ReservedConcurrency=0"
cat > "$PF/samconfig-strict.toml" <<EOF
version = 0.1
[strict-primary.deploy.parameters]
region = "us-east-1"
capabilities = "CAPABILITY_IAM"
parameter_overrides = "$PROD_LIKE RegionRole=primary VpcCidr=10.0.0.0/16 PeerVpcCidr=10.1.0.0/16 AvailabilityZoneIdA=use1-az3 AvailabilityZoneIdB=use1-az9"
[strict-secondary.deploy.parameters]
region = "us-east-2"
capabilities = "CAPABILITY_IAM"
parameter_overrides = "$PROD_LIKE RegionRole=secondary VpcCidr=10.1.0.0/16 PeerVpcCidr=10.0.0.0/16 AvailabilityZoneIdA=use2-az1 AvailabilityZoneIdB=use2-az1"
EOF
run strict-unsafe "$ROOT/scripts/deploy.sh" --env "$E2E_ENV" --config strict --samconfig "$PF/samconfig-strict.toml" --dry-run
refusal_run_ends_cleanly
log_has "no placeholder in real-looking values" "$LOG" "ok       placeholders: no example.com"
refused "no deletion protection outside dev" "environment-safety: TableDeletionProtection=false/false (primary/secondary) outside the dev config"
refused "no flow logs outside dev" "environment-safety: EnableFlowLogs=false/false (primary/secondary) outside the dev config"
refused "no alarm e-mail outside dev" "environment-safety: AlarmEmail is empty"
refused "an AZ where Lambda cannot run" "availability-zones: us-east-1: use1-az3 does not support Lambda VPC networking"
refused "an AZ ID the region does not have" "availability-zones: us-east-1: use1-az9 is not an AZ of us-east-1"
refused "both subnets in one AZ" "availability-zones: us-east-2: both subnets in use2-az1"
# C: dev settings with a reservation the account cannot hold, an optional endpoint, and a prod name.
DEV_LIKE="EnvironmentName=x JwtIssuer=https://auth.example.com/ JwtAudience=payments-api TableDeletionProtection=false EnableFlowLogs=false ReservedConcurrency=100 EnableKmsEndpoint=true"
cat > "$PF/samconfig-tight.toml" <<EOF
version = 0.1
[dev-primary.deploy.parameters]
region = "us-east-1"
capabilities = "CAPABILITY_IAM"
parameter_overrides = "$DEV_LIKE RegionRole=primary VpcCidr=10.0.0.0/16 PeerVpcCidr=10.1.0.0/16 AvailabilityZoneIdA=use1-az1 AvailabilityZoneIdB=use1-az2"
[dev-secondary.deploy.parameters]
region = "us-east-2"
capabilities = "CAPABILITY_IAM"
parameter_overrides = "$DEV_LIKE RegionRole=secondary VpcCidr=10.1.0.0/16 PeerVpcCidr=10.0.0.0/16 AvailabilityZoneIdA=use2-az1 AvailabilityZoneIdB=use2-az2"
EOF
cat > "$PF/canned/us-east-1-lambda-GetAccountSettings.json" <<'EOF'
{"AccountLimit": {"ConcurrentExecutions": 50, "UnreservedConcurrentExecutions": 50}}
EOF
cat > "$PF/canned/us-east-2-lambda-GetAccountSettings.json" <<'EOF'
{"AccountLimit": {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 150}}
EOF
cat > "$PF/canned/us-east-2-ec2-DescribeVpcEndpointServices.json" <<'EOF'
{"ServiceDetails": [
  {"ServiceName": "com.amazonaws.us-east-2.ssm", "AvailabilityZones": ["us-east-2a", "us-east-2b", "us-east-2c"]},
  {"ServiceName": "com.amazonaws.us-east-2.kms", "AvailabilityZones": ["us-east-2a", "us-east-2c"]}]}
EOF
run tight-account env DEPLOY_PREFLIGHT_CANNED="$PF/canned" "$ROOT/scripts/deploy.sh" --env "prod$E2E_ENV" --config dev \
  --samconfig "$PF/samconfig-tight.toml" --dry-run
refusal_run_ends_cleanly
refused "a prod environment on the dev config" "environment: environment 'prod$E2E_ENV' with the dev config"
refused "account concurrency limit below reservation + 100" "lambda-concurrency: us-east-1: account concurrency limit is 50; ReservedConcurrency=100 needs at least 200 (100 stay unreserved) (canned: us-east-1-lambda-GetAccountSettings.json)"
refused "too little left unreserved" "lambda-concurrency: us-east-2: only 150 of 1000 unreserved; reserving 100 would leave 50, below 100"
refused "an endpoint service not offered in a chosen AZ" "endpoint-services: com.amazonaws.us-east-2.kms is not offered in use2-az2 (us-east-2b) (canned: us-east-2-ec2-DescribeVpcEndpointServices.json)"
log_has "the emulator's own answer where nothing is canned" "$LOG" "ok       endpoint-services: us-east-1: ssm, kms offered in use1-az1 and use1-az2"
# D: a deployer whose IAM policies lack what a first global table needs (the emulator simulates IAM).
aws --region "$P" iam delete-user-policy --user-name "$E2E_ENV-deployer" --policy-name deploy >/dev/null 2>&1 || true
for k in $(aws --region "$P" iam list-access-keys --user-name "$E2E_ENV-deployer" --query 'AccessKeyMetadata[].AccessKeyId' --output text 2>/dev/null); do
  aws --region "$P" iam delete-access-key --user-name "$E2E_ENV-deployer" --access-key-id "$k"
done
aws --region "$P" iam delete-user --user-name "$E2E_ENV-deployer" >/dev/null 2>&1 || true
aws --region "$P" iam create-user --user-name "$E2E_ENV-deployer" >/dev/null
# Everything the stack needs except the service-linked role and the KMS grant on the table keys.
printf '%s' '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["cloudformation:*","iam:CreateRole","iam:PutRolePolicy","iam:PassRole","iam:GetRole","iam:SimulatePrincipalPolicy","lambda:*","ec2:*","ssm:*","logs:*","apigateway:*","s3:*","events:*","sts:GetCallerIdentity","dynamodb:*","kms:CreateKey","kms:CreateAlias","kms:DescribeKey","kms:Decrypt","kms:Encrypt"],"Resource":"*"}]}' \
  > "$PF/deployer-policy.json"
aws --region "$P" iam put-user-policy --user-name "$E2E_ENV-deployer" --policy-name deploy --policy-document "file://$PF/deployer-policy.json"
read -r DEPLOYER_KEY DEPLOYER_SECRET < <(aws --region "$P" iam create-access-key --user-name "$E2E_ENV-deployer" \
  --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
run deployer-permissions env AWS_ACCESS_KEY_ID="$DEPLOYER_KEY" AWS_SECRET_ACCESS_KEY="$DEPLOYER_SECRET" \
  "$ROOT/scripts/deploy.sh" --env "$E2E_ENV" --config dev --dry-run
refusal_run_ends_cleanly
log_has "the deployer is who preflight checks" "$LOG" "credentials: account 000000000000 as arn:aws:iam::000000000000:user/$E2E_ENV-deployer"
refused "no iam:CreateServiceLinkedRole for DynamoDB replication" "permissions: arn:aws:iam::000000000000:user/$E2E_ENV-deployer may not iam:CreateServiceLinkedRole (DynamoDB replication service-linked role"
for region in "$P" "$S"; do
  refused "no kms:CreateGrant on the $region table key" "permissions: arn:aws:iam::000000000000:user/$E2E_ENV-deployer may not kms:CreateGrant (table key grants in $region"
done
eq "exactly the three missing permissions are refused" 3 "$(grep -c 'REFUSED  permissions' "$LOG" || true)"
aws --region "$P" iam delete-user-policy --user-name "$E2E_ENV-deployer" --policy-name deploy
aws --region "$P" iam delete-access-key --user-name "$E2E_ENV-deployer" --access-key-id "$DEPLOYER_KEY"
aws --region "$P" iam delete-user --user-name "$E2E_ENV-deployer"
read_outputs primary "$P"; read_outputs secondary "$S"
eq "no refused preflight created a stack" "NONE NONE" "${O[primary:status]} ${O[secondary:status]}"

# Digest of what the deployed artifact is built from. Several people edit this checkout at once:
# a source edit between two builds changes the artifact legitimately, and must not be
# mistaken for a non-reproducible build (nor hide one).
inputs_digest() {
  (cd "$ROOT" && find pom.xml shared/pom.xml shared/src/main payment-function/pom.xml payment-function/src/main \
     template.yaml samconfig.toml scripts/sam-build-target.mk -type f -print0 2>/dev/null |
     LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}
artifact_digest_in() { sed -n 's/.*artifact digest \([0-9a-f]*\).*/\1/p' "$1" | head -n1; }

phase "2. fresh deploy (with sam build)"
IN_BEFORE="$(inputs_digest)"
deploy fresh
IN_AFTER="$(inputs_digest)"
eq "fresh deploy succeeds" 0 "$RC"
log_has "fresh deploy reports changes" "$LOG" "deploy: complete, changes applied"
for s in preflight build deploy-primary deploy-secondary secrets active-region peering routes handoff smoke; do
  if grep -qE "^\[[0-9]+/10\] $s  \(\+[0-9]+\.[0-9]s\)$" "$LOG"; then ok "step '$s' printed with elapsed time"
  else fail "step '$s' not printed with elapsed time"; fi
done
log_has "first deployment creates the secondary stack first (its table key)" "$LOG" "first deployment: creating payments-$E2E_ENV-secondary first"
log_has "the active-region record is created with the primary active" "$LOG" "$P: active-region record created, $P active (epoch 1)"
log_has "the function smoke says plainly that the emulator cannot run it" "$LOG" "not run (emulator:"
CREATED="$(for r in primary:$P secondary:$S; do
  aws --region "${r#*:}" cloudformation describe-stacks --stack-name "payments-$E2E_ENV-${r%%:*}" \
    --query 'Stacks[0].CreationTime' --output text; done | paste -sd' ')"
if [[ ${CREATED#* } < ${CREATED%% *} ]]; then ok "secondary stack was created before the primary ($CREATED)"
else fail "secondary stack was not created before the primary ($CREATED)"; fi
DIGEST1="$(artifact_digest_in "$LOG")"
match "build printed an artifact digest" '^[0-9a-f]{16}$' "$DIGEST1"
assert_converged fresh
FIRST_PCX="$PCX"

phase "3. immediate rerun, with a fresh sam build, changes nothing"
# Up to 3 tries, only while someone else's edits keep changing the build inputs in between.
STABLE=0
for attempt in 1 2 3; do
  in_before="$(inputs_digest)"
  deploy "rerun-$attempt"
  in_after="$(inputs_digest)"
  eq "rerun succeeds" 0 "$RC"
  if [[ $IN_BEFORE == "$IN_AFTER" && $IN_AFTER == "$in_before" && $in_before == "$in_after" ]]; then
    STABLE=1; break
  fi
  echo "  note  build inputs changed during the builds (edits in this checkout); this run is the new baseline"
  IN_BEFORE="$in_before" IN_AFTER="$in_after" DIGEST1="$(artifact_digest_in "$LOG")"
done
if (( STABLE )); then
  ok "build inputs unchanged between the two builds ($IN_AFTER)"
  eq "rerun ends with 'no changes'" "deploy: complete, no changes" "$(tail -n1 "$LOG" | sed 's/ (.*//')"
  log_has "primary stack: sam found no changes" "$LOG" "No changes to deploy. Stack payments-$E2E_ENV-primary is up to date"
  log_has "secondary stack: sam found no changes" "$LOG" "No changes to deploy. Stack payments-$E2E_ENV-secondary is up to date"
  eq "rebuild of the same inputs gives the same artifact digest (reproducible build)" "$DIGEST1" "$(artifact_digest_in "$LOG")"
  eq "every step reports no change" 0 "$(grep -cE '^\[[0-9]+/10\] [a-z-]+: done, changed' "$LOG" || true)"
else
  fail "build inputs changed during every rerun attempt: idempotency could not be judged; run again"
fi
assert_converged rerun
eq "rerun kept the same peering connection" "$FIRST_PCX" "$PCX"

phase "4. drift repair, failure report, --from"
export SKIP_BUILD=1
printf '%s' 10.99.0.0/16 > "$LOG_DIR/tamper"
aws --region "$S" ssm put-parameter --name "/payments/$E2E_ENV/peer/vpc-cidr" --type String --overwrite \
  --value "file://$LOG_DIR/tamper" >/dev/null
deploy smoke-detects-drift --from smoke
eq "smoke fails on a wrong handoff parameter" 1 "$RC"
log_has "failure names the step and region" "$LOG" "deploy FAILED at step 10/10 'smoke' in region $S"
log_has "failure prints how to resume" "$LOG" "scripts/deploy.sh --env $E2E_ENV --config dev --from smoke"
deploy resume-from-handoff --from handoff
eq "--from handoff succeeds" 0 "$RC"
log_has "--from skips earlier steps" "$LOG" "[8/10] routes: skipped (--from handoff)"
log_has "--from handoff repairs the parameter" "$LOG" "/payments/$E2E_ENV/peer/vpc-cidr = ${O[primary:VpcCidr]} (was 10.99.0.0/16)"
# A changed secondary table key is refused unless --allow-table-rekey: the primary stack is told
# (by a plain CloudFormation update) that the us-east-2 replica uses another key, as it would after the
# secondary stack was deleted and created again.
SECONDARY_KEY="$(aws --region "$S" cloudformation describe-stacks --stack-name "payments-$E2E_ENV-secondary" \
  --query "Stacks[0].Outputs[?OutputKey=='TableKeyArn'].OutputValue | [0]" --output text)"
PRIMARY_NAMES="$(aws --region "$P" cloudformation describe-stacks --stack-name "payments-$E2E_ENV-primary" \
  --query "Stacks[0].Parameters[?ParameterKey=='SecondaryTableKeyArn'].ParameterValue | [0]" --output text)"
eq "the primary names the secondary's table key by its key ARN" "$SECONDARY_KEY" "$PRIMARY_NAMES"
match "the secondary's TableKeyArn is a key ARN (not an alias)" '^arn:aws:kms:us-east-2:[0-9]{12}:key/' "$SECONDARY_KEY"
OLD_KEY="arn:aws:kms:us-east-2:000000000000:key/00000000-0000-4000-8000-000000000000"
aws --region "$P" cloudformation describe-stacks --stack-name "payments-$E2E_ENV-primary" --output json |
  python3 -c 'import json, sys
old = sys.argv[1]
print(json.dumps([{"ParameterKey": p["ParameterKey"], "ParameterValue": old} if p["ParameterKey"] == "SecondaryTableKeyArn"
                  else {"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
                  for p in json.load(sys.stdin)["Stacks"][0]["Parameters"]]))' "$OLD_KEY" > "$LOG_DIR/rekey-params.json"
aws --region "$P" cloudformation update-stack --stack-name "payments-$E2E_ENV-primary" --use-previous-template \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --parameters "file://$LOG_DIR/rekey-params.json" >/dev/null
for _ in $(seq 1 300); do
  st="$(aws --region "$P" cloudformation describe-stacks --stack-name "payments-$E2E_ENV-primary" --query 'Stacks[0].StackStatus' --output text)"
  [[ $st == *_IN_PROGRESS ]] || break; sleep 0.5
done
eq "primary stack updated to name another replica key" UPDATE_COMPLETE "$st"
deploy rekey-refused --dry-run
eq "a changed secondary table key is refused" 1 "$RC"
log_has "refusal names both keys and the flag" "$LOG" "REFUSED  table-key: the us-east-2 replica is encrypted with $OLD_KEY, but stack payments-$E2E_ENV-secondary now has table key $SECONDARY_KEY; deploying would re-encrypt the replica with the other key. Fix: if that is intended, rerun with --allow-table-rekey"
RTB="${O[primary:PrivateRouteTableIds]%%,*}"
aws --region "$P" ec2 delete-route --route-table-id "$RTB" --destination-cidr-block "${O[secondary:VpcCidr]}"
aws --region "$P" ec2 create-route --route-table-id "$RTB" --destination-cidr-block "${O[secondary:VpcCidr]}" \
  --vpc-peering-connection-id pcx-0123456789abcdef0 >/dev/null
deploy route-drift --allow-table-rekey
eq "deploy over a route to another target (and a re-key, allowed) succeeds" 0 "$RC"
log_has "an allowed re-key is still announced" "$LOG" "warning  table-key: the us-east-2 replica is encrypted with $OLD_KEY"
eq "the primary names the secondary's key again" "$SECONDARY_KEY" \
  "$(aws --region "$P" cloudformation describe-stacks --stack-name "payments-$E2E_ENV-primary" \
       --query "Stacks[0].Parameters[?ParameterKey=='SecondaryTableKeyArn'].ParameterValue | [0]" --output text)"
log_has "the route is replaced, naming the old target" "$LOG" "$RTB ${O[secondary:VpcCidr]} -> $PCX replaced (was pcx-0123456789abcdef0"
assert_converged drift-repaired
deploy after-repair
eq "the run after the repairs says 'no changes'" "deploy: complete, no changes" "$(tail -n1 "$LOG" | sed 's/ (.*//')"

phase "5. interrupted deploys converge"
# A: killed after deploy-primary, from nothing: secondary stack, secrets, network all missing.
teardown rewind-for-kill-deploy-primary
eq "teardown before the kill test succeeds" 0 "$RC"
deploy_killed_after deploy-primary
read_outputs primary "$P"; read_outputs secondary "$S"
match "both stacks exist after the kill (first deployment creates the secondary first)" \
  '^(CREATE|UPDATE)_COMPLETE (CREATE|UPDATE)_COMPLETE$' "${O[primary:status]} ${O[secondary:status]}"
export PROCESSOR_API_KEY="e2e-$RANDOM$RANDOM-not-a-real-key"
deploy rerun-after-kill-deploy-primary
unset PROCESSOR_API_KEY
eq "rerun after kill at deploy-primary succeeds" 0 "$RC"
assert_converged "after kill at deploy-primary"
match "the key came from PROCESSOR_API_KEY" '^e2e-[0-9]+-not-a-real-key$' "$SECRET_VALUE"

# B-D: the network part only. The test removes handoff, routes and peering itself (plain API
# calls, not teardown.sh) so the killed run has to create them again.
rewind_network() {
  local role region other rtb rtbs
  read_outputs primary "$P"; read_outputs secondary "$S"
  for role in primary secondary; do
    region=$([[ $role == primary ]] && echo "$P" || echo "$S")
    other=$([[ $role == primary ]] && echo secondary || echo primary)
    aws --region "$region" ssm delete-parameters --names \
      "/payments/$E2E_ENV/peer/"{region,vpc-id,vpc-cidr,api-endpoint,peering-connection-id} >/dev/null
    IFS=, read -ra rtbs <<<"${O[$role:PrivateRouteTableIds]}"
    for rtb in "${rtbs[@]}"; do
      aws --region "$region" ec2 delete-route --route-table-id "$rtb" --destination-cidr-block "${O[$other:VpcCidr]}"
    done
  done
  aws --region "$P" ec2 delete-vpc-peering-connection --vpc-peering-connection-id "$PCX" >/dev/null
  eq "rewound: no live peering left" "" "$(live_tagged_pcx "$P")"
}
read -ra KILL_STEPS <<<"${DEPLOY_E2E_KILL_STEPS:-routes}"
for step in "${KILL_STEPS[@]}"; do
  [[ $step =~ ^(peering|routes|handoff)$ ]] || { fail "DEPLOY_E2E_KILL_STEPS: '$step' is not a network step"; continue; }
  rewind_network
  deploy_killed_after "$step"
  deploy "rerun-after-kill-$step"
  eq "rerun after kill at $step succeeds" 0 "$RC"
  if [[ $step == handoff ]]; then
    # Only the read-only smoke step was lost, so there is nothing left to do.
    eq "rerun after kill at handoff says 'no changes'" "deploy: complete, no changes" "$(tail -n1 "$LOG" | sed 's/ (.*//')"
  else
    log_has "rerun after kill at $step completes the work" "$LOG" "deploy: complete, changes applied"
  fi
  assert_converged "after kill at $step"
done
deploy final-rerun
eq "a rerun after all that says 'no changes'" "deploy: complete, no changes" "$(tail -n1 "$LOG" | sed 's/ (.*//')"
unset SKIP_BUILD

phase "6. teardown"
run teardown-no-env "$ROOT/scripts/teardown.sh"
eq "teardown without --env is refused (exit 2)" 2 "$RC"
run teardown-unconfirmed setsid --wait "$ROOT/scripts/teardown.sh" --env "$E2E_ENV"
eq "teardown without --yes and without a terminal is refused" 1 "$RC"
log_has "refusal says why" "$LOG" "refusing: no terminal to confirm on"
read_outputs primary "$P"; read_outputs secondary "$S"
match "the refused teardown deleted nothing" '^(CREATE|UPDATE)_COMPLETE (CREATE|UPDATE)_COMPLETE$' \
  "${O[primary:status]} ${O[secondary:status]}"
OLD_VPCS="${O[primary:VpcId]} ${O[secondary:VpcId]}"
OLD_PCX="$PCX"
teardown teardown
eq "teardown succeeds" 0 "$RC"
log_has "teardown's own verify finds nothing left" "$LOG" "nothing of '$E2E_ENV' is left"
for region in "$P" "$S"; do
  log_has "$region: teardown names the table key it keeps (RetainExceptOnCreate)" "$LOG" "$region: kept by its DeletionPolicy: TableKey (AWS::KMS::Key)"
done
read_outputs primary "$P"; read_outputs secondary "$S"
eq "no stack left" "NONE NONE" "${O[primary:status]} ${O[secondary:status]}"
for region in "$P" "$S"; do
  eq "$region: no live peering tagged for $E2E_ENV" "" "$(live_tagged_pcx "$region")"
  eq "$region: $OLD_PCX is deleted" deleted \
    "$(aws --region "$region" ec2 describe-vpc-peering-connections --vpc-peering-connection-ids "$OLD_PCX" \
         --query 'VpcPeeringConnections[0].Status.Code' --output text 2>/dev/null || echo gone)"
  eq "$region: no parameter under /payments/$E2E_ENV/" "" \
    "$(aws --region "$region" ssm get-parameters-by-path --path "/payments/$E2E_ENV/" --recursive \
         --query 'Parameters[].Name' --output text)"
  eq "$region: no route table (so no route) left in the old VPCs" 0 \
    "$(aws --region "$region" ec2 describe-route-tables --filters "Name=vpc-id,Values=${OLD_VPCS// /,}" \
         --query "length(RouteTables[?VpcId=='${OLD_VPCS%% *}' || VpcId=='${OLD_VPCS##* }'])" --output text)"
  eq "$region: no route anywhere through $OLD_PCX" 0 \
    "$(aws --region "$region" ec2 describe-route-tables \
         --query "length(RouteTables[].Routes[?VpcPeeringConnectionId=='$OLD_PCX'][])" --output text)"
done
teardown teardown-again
eq "a second teardown succeeds" 0 "$RC"
log_has "second teardown finds the stacks already gone" "$LOG" "payments-$E2E_ENV-primary already gone"

echo
echo "deploy-e2e: $((PASSED + FAILED)) assertions, $FAILED failures ($((SECONDS - T0))s)"
(( FAILED == 0 ))
