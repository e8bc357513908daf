#!/usr/bin/env bash
# Ordered two-region deploy of the payments backend (docs/deploy.md).
#
#   scripts/deploy.sh --env <env> [--config <config>] [--samconfig <file>] [--dry-run] [--from <step>]
#                     [--allow-table-rekey]
#
# Steps: preflight, build, deploy-primary, deploy-secondary, secrets, active-region, peering,
# routes, handoff, smoke. Every step reads its inputs from AWS (stack outputs, tags, SSM), never
# from an earlier step's memory, so a run that died anywhere is resumed by running again,
# with or without --from. A run that changes nothing ends with "no changes".
#
# Real AWS by default; the emulator when AWS_ENDPOINT_URL is set (no other switch).
# Environment:
#   PROCESSOR_API_KEY   value to seed /payments/<env>/processor/api-key with (only where absent)
#   PROCESSOR_API_KEY_KMS_KEY_ID  KMS key for that SecureString (default: aws/ssm)
#   SAM_BUILD_DIR       build directory (default .aws-sam/build)
#   SKIP_BUILD=1        for tests and re-deploys of an existing build: deploy what is in
#                       SAM_BUILD_DIR without running `sam build`
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/active_region.sh
source "$ROOT/scripts/lib/active_region.sh"
# shellcheck source=lib/smoke.sh
source "$ROOT/scripts/lib/smoke.sh"

STEPS=(preflight build deploy-primary deploy-secondary secrets active-region peering routes handoff smoke)

usage() {
  cat <<EOF
usage: scripts/deploy.sh --env <env> [--config <config>] [--samconfig <file>] [--dry-run] [--from <step>] [--allow-table-rekey]
  --env        environment name (stacks payments-<env>-primary in $PRIMARY_REGION, payments-<env>-secondary in $SECONDARY_REGION)
  --config     samconfig config envs <config>-primary / <config>-secondary to deploy with (default: <env>);
               --config dev gives a throwaway environment dev's relaxed settings
  --samconfig  the samconfig file (default: samconfig.toml of this repository)
  --dry-run    run preflight (every check printed with the value found, then the plan) and change nothing
  --from       resume at a step; preflight always runs. Steps: ${STEPS[*]}
  --allow-table-rekey  accept that the secondary table key changed (re-encrypts the $SECONDARY_REGION replica)
EOF
}

ENV_NAME="" CONFIG_NAME="" DRY_RUN=0 FROM="" ALLOW_REKEY=0
while (( $# )); do
  case "$1" in
    --env) ENV_NAME="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --config) CONFIG_NAME="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --samconfig) SAMCONFIG="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --dry-run) DRY_RUN=1; shift ;;
    --from) FROM="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --allow-table-rekey) ALLOW_REKEY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -n $ENV_NAME ]] || { echo "--env is required" >&2; usage >&2; exit 2; }
validate_env_name "$ENV_NAME"
CONFIG_NAME="${CONFIG_NAME:-$ENV_NAME}"
validate_env_name "$CONFIG_NAME"
[[ $SAMCONFIG == /* ]] || SAMCONFIG="$PWD/$SAMCONFIG"
FROM_INDEX=0
if [[ -n $FROM ]]; then
  FROM_INDEX=-1
  for i in "${!STEPS[@]}"; do [[ ${STEPS[$i]} == "$FROM" ]] && FROM_INDEX=$i; done
  (( FROM_INDEX >= 0 )) || { echo "--from '$FROM' is not a step; steps: ${STEPS[*]}" >&2; exit 2; }
fi

BUILD_DIR="${SAM_BUILD_DIR:-$ROOT/.aws-sam/build}"
[[ $BUILD_DIR == /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
SECRET_NAME="/payments/$ENV_NAME/processor/api-key"

WORK="$(mktemp -d)"   # mode 0700: it briefly holds the processor key on its way to SSM
CURRENT_STEP="" STEP_NO=0 STEP_CHANGED=0 ANY_CHANGED=0 FINISHED=0

# The arguments that select this environment's configuration, for the resume hint.
resume_args() {
  local args="--env $ENV_NAME"
  [[ $CONFIG_NAME == "$ENV_NAME" ]] || args+=" --config $CONFIG_NAME"
  [[ $SAMCONFIG == "$ROOT/samconfig.toml" ]] || args+=" --samconfig $SAMCONFIG"
  printf '%s' "$args"
}

on_exit() {
  local rc=$?
  rm -rf "$WORK" "$SMOKE_DIR"
  if (( rc != 0 && FINISHED == 0 )) && [[ -n $CURRENT_STEP ]]; then
    {
      echo
      echo "deploy FAILED at step $STEP_NO/${#STEPS[@]} '$CURRENT_STEP' in region $CURRENT_REGION after $(elapsed) (exit $rc)."
      if [[ $CURRENT_STEP == preflight ]]; then
        echo "Fix the cause above, then run again:"
        echo "  scripts/deploy.sh $(resume_args)"
      else
        echo "Fix the cause above, then resume with:"
        echo "  scripts/deploy.sh $(resume_args) --from $CURRENT_STEP"
      fi
      [[ $CURRENT_STEP != smoke ]] ||
        echo "(smoke only checks; to repair what it found, run again without --from: every step converges)"
    } >&2
  fi
}
trap on_exit EXIT
# Ctrl-C or a CI cancel still goes through the EXIT trap (cleanup, and the resume hint).
trap 'exit 130' INT
trap 'exit 143' TERM

changed() { STEP_CHANGED=1; say "$*"; }

# ---- 1. preflight -----------------------------------------------------------------------
# Everything that makes a first deploy to a real account fail, or go green while broken, that can be
# known before anything is created: scripts/lib/preflight.py checks it and prints each check with the
# value it found (docs/deploy.md, "First deploy to a new account"). Kept in functions of their own.
declare -A PLAN=()   # PLAN[<role>:region], PLAN[<role>:<Parameter>], PLAN[account], PLAN[arn]

find_java25() {
  local candidate
  for candidate in "${JAVA_HOME:-}" "$(cat "$ROOT/.tools/java-home" 2>/dev/null || true)"; do
    [[ -n $candidate && -x $candidate/bin/java ]] || continue
    if "$candidate/bin/java" -version 2>&1 | grep -qE 'version "25'; then echo "$candidate"; return 0; fi
  done
  return 1
}

preflight_tools() {
  local tool java_home
  for tool in sam aws openssl curl; do
    command -v "$tool" >/dev/null || die "$tool not found (run scripts/bootstrap.sh for sam and aws)"
  done
  # The CLI's version from its package metadata: `aws --version` costs two seconds of start-up.
  local aws_py aws_version
  aws_py="$(head -n1 "$(command -v aws)")"; aws_py="${aws_py#\#!}"
  aws_version="$(find "$(dirname "$aws_py")/../lib" -maxdepth 3 -name 'awscli-*.dist-info' 2>/dev/null |
                   sed -n 's/.*awscli-\(.*\)\.dist-info$/\1/p' | head -n1)"
  say "ok       tools: sam $(sam --version | awk '{print $NF}'), aws-cli ${aws_version:-(version unknown)}, openssl, curl"
  java_home="$(find_java25)" || die "no Java 25: set JAVA_HOME to a JDK 25 or run scripts/bootstrap.sh"
  export JAVA_HOME="$java_home" PATH="$java_home/bin:$PATH"
  say "ok       java: $JAVA_HOME"
  [[ -f $TEMPLATE ]] || die "$TEMPLATE not found"
  [[ -f $SAMCONFIG ]] || die "$SAMCONFIG not found"
}

# Runs the checks (one Python process: config, CIDRs, placeholders, environment safety, credentials,
# AZ IDs, endpoint services, Lambda concurrency, deployer permissions, table key) and loads the plan.
preflight_checks() {
  local py rc=0 role kind key value extra
  py="$(sam_python)"
  CURRENT_REGION="$PRIMARY_REGION"
  "$py" "$ROOT/scripts/lib/preflight.py" --samconfig "$SAMCONFIG" --config "$CONFIG_NAME" --env "$ENV_NAME" \
    --template "$TEMPLATE" --work "$WORK" $( (( ALLOW_REKEY )) && echo --allow-table-rekey) \
    | sed -u 's/^/    /' || rc=$?
  (( rc != 1 )) || die "preflight refused (reasons above, each with its fix); nothing was changed"
  (( rc == 0 )) || die "preflight could not run (exit $rc, see above); nothing was changed"
  while IFS=$'\t' read -r role kind key value extra; do
    case "$kind" in
      region) PLAN["$role:region"]="$key" ;;
      param) PLAN["$role:$key"]="$value" ;;
      account) PLAN[account]="$key"; PLAN[arn]="$value" ;;
    esac
  done < "$WORK/plan.tsv"
}

preflight_plan() {
  local role key overrides
  echo
  say "plan for environment '$ENV_NAME' (config '$CONFIG_NAME' of $SAMCONFIG)"
  if [[ -n ${AWS_ENDPOINT_URL:-} ]]; then
    say "  target    emulator at $AWS_ENDPOINT_URL (account ${PLAN[account]})"
  else
    say "  target    AWS account ${PLAN[account]} as ${PLAN[arn]}"
  fi
  for role in "${ROLES[@]}"; do
    say "  $role $(region_of "$role")  stack $(stack_of "$role")  VPC ${PLAN[$role:VpcCidr]}"
  done
  for role in "${ROLES[@]}"; do
    overrides=""
    for key in $(printf '%s\n' "${!PLAN[@]}" | grep "^$role:" | grep -v ':region$' | LC_ALL=C sort); do
      overrides+="${key#"$role":}=${PLAN[$key]} "
    done
    say "  $role parameters: $overrides"
  done
  say "  build     $BUILD_DIR$([[ ${SKIP_BUILD:-0} == 1 ]] && echo ' (SKIP_BUILD=1: reused as is)')"
}

step_preflight() {
  preflight_tools
  preflight_checks
  preflight_plan
}

# ---- 2. build ---------------------------------------------------------------------------
artifact_digest() { # over everything sam will upload; template.yaml holds paths only
  (cd "$BUILD_DIR" && find . -type f ! -name template.yaml -print0 | LC_ALL=C sort -z |
     xargs -0 sha256sum | sha256sum | cut -c1-16)
}

step_build() {
  if [[ ${SKIP_BUILD:-0} == 1 ]]; then
    [[ -f $BUILD_DIR/template.yaml ]] || die "SKIP_BUILD=1 but $BUILD_DIR/template.yaml does not exist"
    say "SKIP_BUILD=1: using the existing build (artifact digest $(artifact_digest))"
    return
  fi
  # Builds in one checkout share Maven's target/ directories (sam builds in source), so two at
  # once (several people, or a test next to a deploy) would corrupt each other's jar.
  mkdir -p "$ROOT/.aws-sam"
  exec 8>"$ROOT/.aws-sam/build.lock"
  if command -v flock >/dev/null && ! flock -n 8; then
    say "another build is running in this checkout; waiting for it (up to 30 min)"
    flock -w 1800 8 || die "timed out waiting for $ROOT/.aws-sam/build.lock"
  fi
  (cd "$ROOT" && sam build --template-file "$TEMPLATE" --build-dir "$BUILD_DIR" 2>&1) | sed -u 's/^/    | /'
  exec 8>&-
  say "artifact digest $(artifact_digest) (stable across builds of the same sources, so re-deploys are no-ops)"
}

# ---- 3/4. deploy ------------------------------------------------------------------------
# Brings a stack left mid-operation by an interrupted run to a state sam can deploy over.
settle_stack() {
  local region="$1" stack="$2" status
  status="$(stack_status "$region" "$stack")"
  case "$status" in
    *_IN_PROGRESS)
      [[ $status == REVIEW_IN_PROGRESS ]] && return 0   # an unexecuted change set: sam creates anew
      say "stack $stack is $status (an earlier run was interrupted); waiting for it to settle"
      wait_for 3600 10 "$stack to leave $status" stack_settled "$region" "$stack"
      status="$(stack_status "$region" "$stack")"
      say "stack $stack settled at $status" ;;
  esac
  case "$status" in
    ROLLBACK_COMPLETE)
      # A first create that failed: CloudFormation only allows deleting it.
      say "stack $stack is ROLLBACK_COMPLETE (its first create failed); deleting it so it can be created again"
      aws_in "$region" cloudformation delete-stack --stack-name "$stack"
      wait_for 3600 10 "$stack to be deleted" stack_gone "$region" "$stack"
      STEP_CHANGED=1 ;;
    ROLLBACK_FAILED|DELETE_FAILED|UPDATE_ROLLBACK_FAILED)
      die "stack $stack is $status; resolve it in the CloudFormation console (see its events) first" ;;
  esac
}
stack_settled() { [[ $(stack_status "$1" "$2") != *_IN_PROGRESS ]]; }
stack_gone() { [[ $(stack_status "$1" "$2") == NONE ]]; }

deploy_stack() {
  local role="$1" region stack status log="$WORK/sam-deploy-$1.log"
  region="$(region_of "$role")"; stack="$(stack_of "$role")"
  CURRENT_REGION="$region"
  [[ -f $BUILD_DIR/template.yaml ]] || die "no build at $BUILD_DIR; run without --from (or --from build)"
  settle_stack "$region" "$stack"
  CURRENT_REGION="$region"
  [[ $role == primary ]] && name_secondary_table_key
  # --parameter-overrides replaces samconfig's list, so the file carries all of them.
  if ! (cd "$ROOT" && sam deploy --config-file "$SAMCONFIG" --config-env "$CONFIG_NAME-$role" \
          --template-file "$BUILD_DIR/template.yaml" --stack-name "$stack" --region "$region" \
          --parameter-overrides "file://$WORK/$role-overrides.yaml" \
          --no-fail-on-empty-changeset --no-confirm-changeset --no-progressbar 2>&1) |
        tee "$log" | sed -u 's/^/    | /'; then
    die "sam deploy of $stack failed"
  fi
  if grep -q "No changes to deploy" "$log"; then
    say "$stack: no changes"
  else
    changed "$stack: deployed"
  fi
  load_outputs "$role"
  status="${OUT[$role:@status]}"
  [[ $status == CREATE_COMPLETE || $status == UPDATE_COMPLETE ]] || die "stack $stack ended $status"
  [[ $(out "$role" VpcCidr) == "${PLAN[$role:VpcCidr]}" ]] ||
    die "stack $stack reports VpcCidr $(out "$role" VpcCidr), samconfig says ${PLAN[$role:VpcCidr]}"
}

# The primary's global table encrypts the us-east-2 replica with the secondary stack's table key,
# named by key ARN (template.yaml, deploy-order note); preflight refused a change of it unless
# --allow-table-rekey.
name_secondary_table_key() {
  local arn
  load_outputs secondary
  arn="$(out secondary TableKeyArn)"
  [[ -n $arn ]] || die "stack $(stack_of secondary) has no output TableKeyArn; deploy it first (--from deploy-secondary)"
  python3 "$ROOT/scripts/lib/deploy_config.py" set-param "$WORK/primary-overrides.yaml" SecondaryTableKeyArn "$arn"
  say "SecondaryTableKeyArn=$arn (from $(stack_of secondary))"
  CURRENT_REGION="$PRIMARY_REGION"
}

stack_deployed() { [[ $(stack_status "$1" "$2") =~ ^(CREATE|UPDATE)_COMPLETE$|^UPDATE_ROLLBACK_COMPLETE$ ]]; }

# Primary first, so a table change (the global table lives in the primary stack) reaches both
# replicas before either region's code relies on it. One exception: while the secondary stack
# does not exist (the very first deployment), it is created first, because the global table
# encrypts its us-east-2 replica with the secondary stack's table key (output TableKeyArn, see
# the note at the top of template.yaml), which must exist before the replica is created.
step_deploy_primary() {
  CURRENT_REGION="$PRIMARY_REGION"
  if ! stack_deployed "$SECONDARY_REGION" "$(stack_of secondary)"; then
    if stack_deployed "$PRIMARY_REGION" "$(stack_of primary)"; then
      say "$(stack_of secondary) does not exist: creating it first (the primary names its table key)"
    else
      say "first deployment: creating $(stack_of secondary) first (its table key must exist before the global table's $SECONDARY_REGION replica)"
    fi
    deploy_stack secondary
  else
    load_outputs secondary lenient
    if [[ -z $(out secondary TableKeyArn) ]]; then
      # A stack from before the key ARN handoff: update it first so it reports its key.
      say "$(stack_of secondary) has no output TableKeyArn yet: updating it first (the primary names its table key)"
      deploy_stack secondary
    fi
  fi
  deploy_stack primary
}
step_deploy_secondary() { deploy_stack secondary; }

# ---- 5. secrets -------------------------------------------------------------------------
# The key never appears in argv, output or logs: it moves file -> SSM via file:// only.
secret_type() { # prints the parameter Type, or None
  aws_in "$1" ssm get-parameters --names "$SECRET_NAME" --query 'Parameters[0].Type' --output text
}
secret_to_file() { # <region> <file>
  local value
  value="$(aws_in "$1" ssm get-parameter --name "$SECRET_NAME" --with-decryption \
             --query Parameter.Value --output text)"
  (umask 077; printf '%s' "$value" > "$2")
}

step_secrets() {
  local role region type missing=() present=() src="$WORK/processor-api-key" secure=0
  for role in "${ROLES[@]}"; do
    region="$(region_of "$role")"; CURRENT_REGION="$region"
    type="$(secret_type "$region")"
    if [[ $type == None ]]; then
      missing+=("$role")
    else
      present+=("$role")
      say "$region: $SECRET_NAME present ($type), left untouched"
      if [[ $type == SecureString ]]; then secure=$(( secure + 1 ))
      else warn "$region: $SECRET_NAME is a $type, not a SecureString; re-create it as SecureString"; fi
    fi
  done
  if (( ${#missing[@]} )); then
    # Both regions must hold the same key or a failover would call the processor with
    # another credential: copy an existing one before inventing one.
    if [[ -n ${PROCESSOR_API_KEY:-} ]]; then
      (umask 077; printf '%s' "$PROCESSOR_API_KEY" > "$src")
      say "seeding from PROCESSOR_API_KEY"
    elif (( ${#present[@]} )); then
      secret_to_file "$(region_of "${present[0]}")" "$src"
      say "seeding from the existing value in $(region_of "${present[0]}")"
    else
      (umask 077; openssl rand -hex 32 | tr -d '\n' > "$src")
      say "seeding a random placeholder (set the real processor key with PROCESSOR_API_KEY, see docs/deploy.md)"
    fi
    local kms=() err
    [[ -n ${PROCESSOR_API_KEY_KMS_KEY_ID:-} ]] && kms=(--key-id "$PROCESSOR_API_KEY_KMS_KEY_ID")
    for role in "${missing[@]}"; do
      region="$(region_of "$role")"; CURRENT_REGION="$region"
      # No --overwrite: if someone wrote it since we looked, theirs wins.
      if err="$(aws_in "$region" ssm put-parameter --name "$SECRET_NAME" --type SecureString "${kms[@]}" \
                  --value "file://$src" --description "Card processor API key (seeded by deploy.sh)" \
                  --tags "Key=payments:env,Value=$ENV_NAME" --query Version --output text 2>&1)"; then
        changed "$region: $SECRET_NAME created (SecureString)"
        secure=$(( secure + 1 ))
      elif [[ $err == *ParameterAlreadyExists* ]]; then
        say "$region: $SECRET_NAME appeared meanwhile, left untouched"
      else
        printf '%s\n' "$err" >&2; die "could not seed $SECRET_NAME in $region"
      fi
    done
    rm -f "$src"
  fi
  if (( secure == 2 )); then   # compared as files, never shown
    secret_to_file "$PRIMARY_REGION" "$WORK/k1"; secret_to_file "$SECONDARY_REGION" "$WORK/k2"
    if cmp -s "$WORK/k1" "$WORK/k2"; then say "both regions hold the same processor key"
    else warn "the processor key differs between $PRIMARY_REGION and $SECONDARY_REGION (not overwritten; fix by hand)"; fi
    rm -f "$WORK/k1" "$WORK/k2"
  fi
}

# ---- 6. active-region -------------------------------------------------------------------
# The write fence's record (scripts/lib/active_region.sh, docs/deploy.md "One writer at a
# time"): created on the first deployment with the primary active, epoch 1, in the primary's
# replica, and never touched again here: after a failover a redeploy must not move writes back.
# Only scripts/failover.sh moves it. Without it no region takes writes and /health is 503.
step_active_region() {
  CURRENT_REGION="$PRIMARY_REGION"
  ar_read "$PRIMARY_REGION"
  case "$AR_STATE" in
    MISSING)
      if ar_write "$PRIMARY_REGION" "$PRIMARY_REGION" 1 absent; then
        changed "$PRIMARY_REGION: active-region record created, $PRIMARY_REGION active (epoch 1)"
      else
        say "$PRIMARY_REGION: an active-region record appeared meanwhile, left untouched"
      fi
      ar_read "$PRIMARY_REGION" ;;
    OK) say "$PRIMARY_REGION: $(ar_describe); left as it is (scripts/failover.sh moves it)" ;;
    *) die "cannot read the active-region record in $PRIMARY_REGION: $(ar_describe)" ;;
  esac
  local want_epoch="$AR_EPOCH" deadline=$(( SECONDS + 60 ))
  # Each region's function reads its own replica: the secondary must see the record too.
  CURRENT_REGION="$SECONDARY_REGION"
  while :; do
    ar_read "$SECONDARY_REGION"
    if [[ $AR_STATE == NO_TABLE && -n ${AWS_ENDPOINT_URL:-} ]]; then
      say "$SECONDARY_REGION: no table replica (the emulator models none; make local creates and syncs one)"; return 0
    fi
    if [[ $AR_STATE == OK ]] && (( AR_EPOCH >= want_epoch )); then
      say "$SECONDARY_REGION: sees $(ar_describe)"; return 0
    fi
    (( SECONDS < deadline )) || die "$SECONDARY_REGION still sees '$(ar_describe)' after 60 s: is the global table replicating?"
    sleep 2
  done
}

# ---- 7. peering -------------------------------------------------------------------------
# find_pcx <requester-vpc> <accepter-vpc>: "pcx-id<TAB>status" of the one live connection
# between the two VPCs, or nothing. Duplicates can only come from outside this script; the
# active one wins and the others are named so a person can delete them.
find_pcx() {
  local req="$1" acc="$2" lines first
  lines="$(live_peerings "$PRIMARY_REGION" "$req" "$acc" | LC_ALL=C sort)"
  [[ -z $lines ]] && return 0
  first="$(awk -F'\t' '$2 == "active" { print; exit }' <<<"$lines")"
  [[ -n $first ]] || first="$(head -n1 <<<"$lines")"
  if (( $(wc -l <<<"$lines") > 1 )); then
    warn "more than one live peering between $req and $acc; using ${first%%$'\t'*}. Others:"
    grep -v "^${first%%$'\t'*}" <<<"$lines" | sed 's/^/      /' >&2
  fi
  printf '%s\n' "$first"
}
# The connection the later steps use: they never create one.
active_pcx() {
  local found; found="$(find_pcx "$(out primary VpcId)" "$(out secondary VpcId)")"
  [[ ${found#*$'\t'} == active ]] ||
    die "no active peering between the two VPCs; run: scripts/deploy.sh $(resume_args) --from peering"
  printf '%s' "${found%%$'\t'*}"
}
# Ready for the accepter: known in its region and past initiating-request / provisioning.
pcx_ready_in() { local st; st="$(pcx_status "$1" "$2")"; [[ $st != NONE && $st != initiating-request && $st != provisioning ]]; }
pcx_is() { [[ $(pcx_status "$1" "$2") == "$3" ]]; }

# Tags are per side for a cross-region peering, so each region gets its own.
ensure_pcx_tags() {
  local region="$1" pcx="$2" have want
  want="$(printf 'Name\tpayments-%s\npayments:env\t%s' "$ENV_NAME" "$ENV_NAME")"
  have="$(aws_in "$region" ec2 describe-vpc-peering-connections --vpc-peering-connection-ids "$pcx" \
            --query "VpcPeeringConnections[0].Tags[?Key=='Name' || Key=='payments:env'].[Key,Value]" \
            --output text | LC_ALL=C sort)"
  if [[ $have == "$want" ]]; then
    say "$region: $pcx tagged"
  else
    aws_in "$region" ec2 create-tags --resources "$pcx" \
      --tags "Key=Name,Value=payments-$ENV_NAME" "Key=payments:env,Value=$ENV_NAME"
    changed "$region: tagged $pcx (Name=payments-$ENV_NAME, payments:env=$ENV_NAME)"
  fi
}

step_peering() {
  ensure_outputs primary secondary
  local req acc found pcx status
  req="$(out primary VpcId)"; acc="$(out secondary VpcId)"
  CURRENT_REGION="$PRIMARY_REGION"
  found="$(find_pcx "$req" "$acc")"
  if [[ -z $found ]]; then
    # Tagged at creation, so even a run killed right after this call leaves it findable.
    pcx="$(aws_in "$PRIMARY_REGION" ec2 create-vpc-peering-connection --vpc-id "$req" \
             --peer-vpc-id "$acc" --peer-region "$SECONDARY_REGION" \
             --tag-specifications "ResourceType=vpc-peering-connection,Tags=[{Key=Name,Value=payments-$ENV_NAME},{Key=payments:env,Value=$ENV_NAME}]" \
             --query VpcPeeringConnection.VpcPeeringConnectionId --output text)"
    changed "$PRIMARY_REGION: requested $pcx ($req -> $acc in $SECONDARY_REGION)"
  else
    pcx="${found%%$'\t'*}"
    say "$PRIMARY_REGION: reusing $pcx (${found#*$'\t'})"
  fi
  CURRENT_REGION="$SECONDARY_REGION"
  if [[ ${found#*$'\t'} != active ]]; then
    # A new request takes a few seconds to reach the accepter region.
    wait_for 300 3 "$pcx to reach $SECONDARY_REGION" pcx_ready_in "$SECONDARY_REGION" "$pcx"
    status="$(pcx_status "$SECONDARY_REGION" "$pcx")"
    case "$status" in
      pending-acceptance)
        aws_in "$SECONDARY_REGION" ec2 accept-vpc-peering-connection --vpc-peering-connection-id "$pcx" >/dev/null
        changed "$SECONDARY_REGION: accepted $pcx" ;;
      active) ;;
      *) die "$pcx is '$status' in $SECONDARY_REGION; delete it, then rerun with --from peering" ;;
    esac
    CURRENT_REGION="$PRIMARY_REGION"
    wait_for 300 3 "$pcx to become active" pcx_is "$PRIMARY_REGION" "$pcx" active
  fi
  ensure_pcx_tags "$PRIMARY_REGION" "$pcx"
  ensure_pcx_tags "$SECONDARY_REGION" "$pcx"
  say "$pcx active between $req ($PRIMARY_REGION) and $acc ($SECONDARY_REGION)"
}

# ---- 8. routes --------------------------------------------------------------------------
step_routes() {
  ensure_outputs primary secondary
  local pcx role region peer_cidr rtb target state rtbs targets
  pcx="$(active_pcx)"
  for role in "${ROLES[@]}"; do
    region="$(region_of "$role")"; CURRENT_REGION="$region"
    peer_cidr="$(out "$(other_role "$role")" VpcCidr)"
    IFS=, read -ra rtbs <<<"$(out "$role" PrivateRouteTableIds)"
    rtbs=("${rtbs[@]// /}")
    (( ${#rtbs[@]} )) || die "$(stack_of "$role") lists no private route tables"
    targets="$(route_targets "$region" "$peer_cidr" "${rtbs[@]}")"
    while IFS=$'\t' read -r rtb target state; do
      if [[ $target == - ]]; then
        aws_in "$region" ec2 create-route --route-table-id "$rtb" \
          --destination-cidr-block "$peer_cidr" --vpc-peering-connection-id "$pcx" >/dev/null
        changed "$region: $rtb $peer_cidr -> $pcx added"
      elif [[ $target == "$pcx" ]]; then
        say "$region: $rtb $peer_cidr -> $pcx already there, nothing to do"
      else
        # Delete + create rather than ReplaceRoute: the old target (usually a deleted,
        # blackholed peering) carries no traffic, and this works on every endpoint
        # (MiniStack's ReplaceRoute drops a peering target).
        aws_in "$region" ec2 delete-route --route-table-id "$rtb" --destination-cidr-block "$peer_cidr"
        aws_in "$region" ec2 create-route --route-table-id "$rtb" \
          --destination-cidr-block "$peer_cidr" --vpc-peering-connection-id "$pcx" >/dev/null
        changed "$region: $rtb $peer_cidr -> $pcx replaced (was $target, $state)"
      fi
    done <<<"$targets"
  done
}

# ---- 9. handoff -------------------------------------------------------------------------
# want_handoff <role> <pcx>: "key<TAB>value" lines: what <role>'s region must know of the other.
want_handoff() {
  local other; other="$(other_role "$1")"
  printf 'region\t%s\n' "$(region_of "$other")"
  printf 'vpc-id\t%s\n' "$(out "$other" VpcId)"
  printf 'vpc-cidr\t%s\n' "$(out "$other" VpcCidr)"
  printf 'api-endpoint\t%s\n' "$(out "$other" ApiEndpoint)"
  printf 'peering-connection-id\t%s\n' "$2"
}
# have_handoff <region>: "name<TAB>value<TAB>type" lines for the existing handoff parameters.
have_handoff() {
  local names=() key
  for key in "${HANDOFF_KEYS[@]}"; do names+=("/payments/$ENV_NAME/peer/$key"); done
  aws_in "$1" ssm get-parameters --names "${names[@]}" --query 'Parameters[].[Name,Value,Type]' --output text
}

step_handoff() {
  ensure_outputs primary secondary
  local pcx role region key value name have_name have_value have_type unchanged
  pcx="$(active_pcx)"
  for role in "${ROLES[@]}"; do
    region="$(region_of "$role")"; CURRENT_REGION="$region"
    declare -A have=()
    unchanged=0
    while IFS=$'\t' read -r have_name have_value have_type; do
      [[ -n $have_name ]] && have["$have_name"]="$have_value|$have_type"
    done < <(have_handoff "$region")
    while IFS=$'\t' read -r key value; do
      name="/payments/$ENV_NAME/peer/$key"
      if [[ ${have[$name]:-} == "$value|String" ]]; then
        unchanged=$(( unchanged + 1 ))
        continue
      fi
      # Through a file: CLI v1 would otherwise fetch an https:// value and store the page.
      printf '%s' "$value" > "$WORK/value"
      aws_in "$region" ssm put-parameter --name "$name" --type String --overwrite \
        --value "file://$WORK/value" >/dev/null
      changed "$region: $name = $value${have[$name]:+ (was ${have[$name]%|*})}"
    done < <(want_handoff "$role" "$pcx")
    (( unchanged == 0 )) || say "$region: $unchanged of ${#HANDOFF_KEYS[@]} parameters under /payments/$ENV_NAME/peer/ already right"
    unset have
  done
}

# ---- 10. smoke ---------------------------------------------------------------------------
declare -A SUMMARY=()
SMOKE_FAILURES=0 SMOKE_REGIONS=""
fail_in() { SMOKE_FAILURES=$(( SMOKE_FAILURES + 1 )); [[ " $SMOKE_REGIONS" == *" $1 "* ]] || SMOKE_REGIONS+="$1 "; }
step_smoke() {
  load_outputs primary; load_outputs secondary
  local role region stack status pcx peer_cidr rtb rtbs target state ok total key value
  SMOKE_FAILURES=0 SMOKE_REGIONS=""
  pcx="$(find_pcx "$(out primary VpcId)" "$(out secondary VpcId)")"
  pcx="${pcx%%$'\t'*}"
  for role in "${ROLES[@]}"; do
    region="$(region_of "$role")"; stack="$(stack_of "$role")"; CURRENT_REGION="$region"
    status="${OUT[$role:@status]}"
    SUMMARY[$role:stack]="$status"
    [[ $status == CREATE_COMPLETE || $status == UPDATE_COMPLETE ]] || { warn "$stack is $status"; fail_in "$region"; }

    status="$( [[ -n $pcx ]] && pcx_status "$region" "$pcx" || echo none)"
    SUMMARY[$role:peering]="${pcx:-none} $status"
    [[ $status == active ]] || { warn "$region: peering is $status"; fail_in "$region"; }

    peer_cidr="$(out "$(other_role "$role")" VpcCidr)"
    IFS=, read -ra rtbs <<<"$(out "$role" PrivateRouteTableIds)"
    rtbs=("${rtbs[@]// /}")
    ok=0; total=${#rtbs[@]}
    while IFS=$'\t' read -r rtb target state; do
      if [[ -n $pcx && $target == "$pcx" && $state == active ]]; then ok=$((ok + 1))
      else warn "$region: $rtb route to $peer_cidr is '$target' ($state), want $pcx"; fi
    done < <(route_targets "$region" "$peer_cidr" "${rtbs[@]}" || echo "? ? ?")
    SUMMARY[$role:routes]="$ok/$total"
    (( ok == total )) || fail_in "$region"

    declare -A have=()
    while IFS=$'\t' read -r key value _; do [[ -n $key ]] && have["$key"]="$value"; done < <(have_handoff "$region")
    ok=0; total=0
    while IFS=$'\t' read -r key value; do
      total=$((total + 1))
      if [[ ${have[/payments/$ENV_NAME/peer/$key]:-} == "$value" ]]; then ok=$((ok + 1))
      else warn "$region: /payments/$ENV_NAME/peer/$key is '${have[/payments/$ENV_NAME/peer/$key]:-missing}', want '$value'"; fi
    done < <(want_handoff "$role" "${pcx:-none}")
    unset have
    SUMMARY[$role:handoff]="$ok/$total"
    (( ok == total )) || fail_in "$region"

    SUMMARY[$role:health]="$(health "$(out "$role" ApiEndpoint)")" || fail_in "$region"
  done
  echo
  printf '    %-10s %-10s %-17s %-34s %-7s %-8s %s\n' role region stack peering routes handoff health
  for role in "${ROLES[@]}"; do
    printf '    %-10s %-10s %-17s %-34s %-7s %-8s %s\n' "$role" "$(region_of "$role")" "${SUMMARY[$role:stack]}" \
      "${SUMMARY[$role:peering]}" "${SUMMARY[$role:routes]}" "${SUMMARY[$role:handoff]}" "${SUMMARY[$role:health]}"
  done
  smoke_function
  if (( SMOKE_FAILURES )); then
    CURRENT_REGION="${SMOKE_REGIONS% }"   # the failure message names where the problems are
    die "smoke found $SMOKE_FAILURES problem(s), listed above"
  fi
}

# The function itself, in the region the active-region record names (scripts/lib/smoke.sh):
# health, a real create -> get -> cancel there, and a write refused by the standby. A deploy
# whose function cannot reach its data, or that lets both regions write, does not go green.
smoke_function() {
  local active standby
  CURRENT_REGION="$PRIMARY_REGION"
  ar_read "$PRIMARY_REGION"
  if [[ $AR_STATE != OK || $AR_ACTIVE == none ]]; then
    warn "no region takes writes: $PRIMARY_REGION sees $(ar_describe)"; fail_in "$PRIMARY_REGION"
    echo "    function smoke: not run (no active region)"; return
  fi
  active="$AR_ACTIVE"
  standby="$( [[ $active == "$PRIMARY_REGION" ]] && echo "$SECONDARY_REGION" || echo "$PRIMARY_REGION")"
  CURRENT_REGION="$active"
  smoke_regions "$active" "$standby"
  (( SMOKE_FAILED == 0 )) || fail_in "$active"
  echo "    function smoke ($active active): $SMOKE_RESULT"
}

# GET <endpoint>/health; prints the verdict, fails on AWS when it is not 200.
health() {
  local url="${1%/}/health" code attempt
  if [[ -n ${AWS_ENDPOINT_URL:-} ]]; then
    # Not probed: the emulator creates no HttpApi routes, and its gateway answers GET /health on
    # any host with its own status JSON, a 200 that would prove nothing about the function.
    echo "not reachable (emulator)"; return 0
  fi
  for attempt in 1 2 3 4 5 6; do   # a cold start (SnapStart restore) may take a few seconds
    code="$(curl -sS -o /dev/null -w '%{http_code}' -m 10 "$url" 2>/dev/null || true)"
    [[ $code == 200 ]] && { echo "200 OK"; return 0; }
    (( attempt < 6 )) && sleep 5
  done
  warn "GET $url answered ${code:-nothing}"
  echo "FAILED ($code)"; return 1
}

# ---- driver -----------------------------------------------------------------------------
echo "deploy: environment '$ENV_NAME'$( (( DRY_RUN )) && echo ' (dry run)')$([[ -n $FROM ]] && echo " from step '$FROM'")"
for i in "${!STEPS[@]}"; do
  CURRENT_STEP="${STEPS[$i]}"; STEP_NO=$(( i + 1 )); STEP_CHANGED=0; CURRENT_REGION="-"
  if (( i < FROM_INDEX )) && [[ $CURRENT_STEP != preflight ]]; then
    echo "[$STEP_NO/${#STEPS[@]}] $CURRENT_STEP: skipped (--from $FROM)"
    continue
  fi
  echo "[$STEP_NO/${#STEPS[@]}] $CURRENT_STEP  (+$(elapsed))"
  step_started="$(now_us)"
  case "$CURRENT_STEP" in
    *) "step_${CURRENT_STEP//-/_}" ;;
  esac
  (( STEP_CHANGED )) && ANY_CHANGED=1
  echo "[$STEP_NO/${#STEPS[@]}] $CURRENT_STEP: done, $( (( STEP_CHANGED )) && echo changed || echo 'no change') in $(since "$step_started")"
  if (( DRY_RUN )) && [[ $CURRENT_STEP == preflight ]]; then
    FINISHED=1
    echo "deploy: dry run, nothing changed ($(elapsed))"
    exit 0
  fi
done
FINISHED=1
if (( ANY_CHANGED )); then
  echo "deploy: complete, changes applied ($(elapsed))"
else
  echo "deploy: complete, no changes ($(elapsed))"
fi
