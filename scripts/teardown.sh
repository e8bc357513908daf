#!/usr/bin/env bash
# Removes everything scripts/deploy.sh created for one environment, in reverse order:
# handoff parameters, peering routes, the peering connection, the secondary stack, the
# primary stack (it owns the global table), the seeded processor key. Then it lists what is
# still there. Every step tolerates "already gone", so an interrupted teardown is finished
# by running it again.
#
#   scripts/teardown.sh --env <env> [--yes]
#
# Real AWS by default; the emulator when AWS_ENDPOINT_URL is set (no other switch).
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

STEPS=(preflight handoff routes peering stack-secondary stack-primary secrets verify)

usage() {
  cat <<EOF
usage: scripts/teardown.sh --env <env> [--yes]
  --env  environment to delete (stacks payments-<env>-primary / -secondary and what deploy.sh added)
  --yes  do not ask for confirmation (required when there is no terminal)
EOF
}

ENV_NAME="" YES=0
while (( $# )); do
  case "$1" in
    --env) ENV_NAME="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --yes) YES=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -n $ENV_NAME ]] || { echo "refusing: --env is required (there is no default environment to delete)" >&2; usage >&2; exit 2; }
validate_env_name "$ENV_NAME"

CURRENT_STEP="" STEP_NO=0 FINISHED=0
on_exit() {
  local rc=$?
  if (( rc != 0 && FINISHED == 0 )) && [[ -n $CURRENT_STEP && $CURRENT_STEP != confirm ]]; then
    {
      echo
      echo "teardown FAILED at step $STEP_NO/${#STEPS[@]} '$CURRENT_STEP' in region $CURRENT_REGION after $(elapsed) (exit $rc)."
      echo "Every step tolerates what is already gone: fix the cause above and run again:"
      echo "  scripts/teardown.sh --env $ENV_NAME --yes"
    } >&2
  fi
}
trap on_exit EXIT
# Ctrl-C or a CI cancel still goes through the EXIT trap (cleanup, and the resume hint).
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- preflight --------------------------------------------------------------------------
step_preflight() {
  command -v aws >/dev/null || die "aws not found (run scripts/bootstrap.sh)"
  local account arn role
  CURRENT_REGION="$PRIMARY_REGION"
  read -r account arn < <(aws_in "$PRIMARY_REGION" sts get-caller-identity --query '[Account,Arn]' --output text) ||
    die "no usable AWS credentials (sts get-caller-identity failed)"
  if [[ -n ${AWS_ENDPOINT_URL:-} ]]; then
    say "target: emulator at $AWS_ENDPOINT_URL (account $account)"
  else
    say "target: AWS account $account as $arn"
  fi
  for role in "${ROLES[@]}"; do
    CURRENT_REGION="$(region_of "$role")"
    say "$(region_of "$role"): stack $(stack_of "$role") is $(stack_status "$(region_of "$role")" "$(stack_of "$role")")"
  done
}

confirm() {
  (( YES )) && return 0
  if ! { : </dev/tty; } 2>/dev/null; then
    die "refusing: no terminal to confirm on; pass --yes to delete environment '$ENV_NAME'"
  fi
  local answer
  printf 'This deletes environment %s in %s and %s, including its DynamoDB table and data.\n' \
    "$ENV_NAME" "$PRIMARY_REGION" "$SECONDARY_REGION" >/dev/tty
  read -r -p "Type the environment name to confirm: " answer </dev/tty
  [[ $answer == "$ENV_NAME" ]] || die "not confirmed; nothing deleted"
}

# Loads outputs of the stacks that still exist; HAVE[<role>]=1 for those.
declare -A HAVE=()
load_existing() {
  local role status
  for role in "${ROLES[@]}"; do
    HAVE[$role]=0
    CURRENT_REGION="$(region_of "$role")"
    status="$(stack_status "$(region_of "$role")" "$(stack_of "$role")")"
    [[ $status == NONE ]] && continue
    load_outputs "$role" lenient
    HAVE[$role]=1
  done
}

# ---- handoff ----------------------------------------------------------------------------
step_handoff() {
  local role region names=() key deleted
  for key in "${HANDOFF_KEYS[@]}"; do names+=("/payments/$ENV_NAME/peer/$key"); done
  for role in "${ROLES[@]}"; do
    region="$(region_of "$role")"; CURRENT_REGION="$region"
    # delete-parameters reports absent names as InvalidParameters instead of failing.
    deleted="$(aws_in "$region" ssm delete-parameters --names "${names[@]}" \
                 --query 'length(DeletedParameters)' --output text)"
    if (( deleted )); then say "$region: deleted $deleted handoff parameter(s)"
    else say "$region: handoff parameters already gone"; fi
  done
}

# ---- routes -----------------------------------------------------------------------------
# Every route through a peering connection in this environment's VPCs: those VPCs belong to
# the stacks, and only deploy.sh adds peering routes to them.
step_routes() {
  load_existing
  local role region vpc rtb cidrs cidr any
  for role in "${ROLES[@]}"; do
    region="$(region_of "$role")"; CURRENT_REGION="$region"
    vpc="$(out "$role" VpcId)"
    if [[ -z $vpc ]]; then say "$region: no stack/VPC, no routes to remove"; continue; fi
    any=0
    while IFS=$'\t' read -r rtb cidrs; do
      [[ -n $rtb ]] || continue
      for cidr in $cidrs; do
        aws_in "$region" ec2 delete-route --route-table-id "$rtb" --destination-cidr-block "$cidr"
        say "$region: $rtb route to $cidr deleted"; any=1
      done
    done < <(aws_in "$region" ec2 describe-route-tables --filters "Name=vpc-id,Values=$vpc" \
               --query "RouteTables[?VpcId=='$vpc'].[RouteTableId, join(' ', Routes[?VpcPeeringConnectionId].DestinationCidrBlock)]" \
               --output text)
    (( any )) || say "$region: no peering routes in $vpc"
  done
}

# ---- peering ----------------------------------------------------------------------------
pcx_gone() { local st; st="$(pcx_status "$1" "$2")"; [[ $st == deleted || $st == NONE ]]; }

step_peering() {
  load_existing
  declare -A requester=()   # pcx -> region to delete it from
  local region pcx status req_region rest
  for region in "$PRIMARY_REGION" "$SECONDARY_REGION"; do
    CURRENT_REGION="$region"
    while IFS=$'\t' read -r pcx status req_region rest; do
      [[ -n $pcx ]] && requester[$pcx]="$req_region"
    done < <(tagged_peerings "$region")
  done
  # Also an untagged connection between the two VPCs (one whose tagging was interrupted).
  if (( HAVE[primary] && HAVE[secondary] )) && [[ -n $(out primary VpcId) && -n $(out secondary VpcId) ]]; then
    CURRENT_REGION="$PRIMARY_REGION"
    while IFS=$'\t' read -r pcx status; do
      [[ -n $pcx ]] && requester[$pcx]="$PRIMARY_REGION"
    done < <(live_peerings "$PRIMARY_REGION" "$(out primary VpcId)" "$(out secondary VpcId)")
  fi
  if (( ${#requester[@]} == 0 )); then say "no peering connection for '$ENV_NAME' left"; return; fi
  for pcx in "${!requester[@]}"; do
    region="${requester[$pcx]}"; CURRENT_REGION="$region"
    local err
    if err="$(aws_in "$region" ec2 delete-vpc-peering-connection --vpc-peering-connection-id "$pcx" 2>&1)"; then
      say "$region: deleting $pcx (requester side)"
    elif [[ $err == *InvalidVpcPeeringConnectionID* || $err == *InvalidStateTransition* ]]; then
      say "$region: $pcx already gone"
    else
      printf '%s\n' "$err" >&2; die "could not delete $pcx"
    fi
    wait_for 600 3 "$pcx to be deleted" pcx_gone "$region" "$pcx"
    say "$region: $pcx deleted"
  done
}

# ---- stacks -----------------------------------------------------------------------------
stack_settled() { [[ $(stack_status "$1" "$2") != *_IN_PROGRESS || $(stack_status "$1" "$2") == DELETE_IN_PROGRESS ]]; }
stack_deleted() {
  local st; st="$(stack_status "$1" "$2")"
  [[ $st == DELETE_FAILED ]] && {
    aws_in "$1" cloudformation describe-stack-events --stack-name "$2" \
      --query "StackEvents[?ResourceStatus=='DELETE_FAILED'] | [0:5].[LogicalResourceId,ResourceStatusReason]" \
      --output text >&2
    die "stack $2 is DELETE_FAILED (reasons above); fix them and run teardown again"
  }
  [[ $st == NONE ]]
}

# retained_resources <region> <stack>: "LogicalId<TAB>Type<TAB>PhysicalId" for resources the
# template keeps on deletion (DeletionPolicy Retain), read before the stack goes.
retained_resources() {
  local region="$1" stack="$2" py ids id
  py="$(sam_python 2>/dev/null)" || { warn "sam not found: cannot list retained resources"; return 0; }
  ids="$(aws_in "$region" cloudformation get-template --stack-name "$stack" --template-stage Processed \
           --output json | "$py" -c '
import json, sys
from samcli.yamlhelper import yaml_parse
body = json.load(sys.stdin).get("TemplateBody", {})
body = yaml_parse(body) if isinstance(body, str) else body
print(" ".join(k for k, v in body.get("Resources", {}).items()
               if v.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate")))')" || return 0
  for id in $ids; do
    # A resource behind a false Condition does not exist: nothing to report.
    aws_in "$region" cloudformation describe-stack-resource --stack-name "$stack" --logical-resource-id "$id" \
      --query 'StackResourceDetail.[LogicalResourceId,ResourceType,PhysicalResourceId]' --output text 2>/dev/null || true
  done
}

delete_stack() {
  local role="$1" region stack status
  region="$(region_of "$role")"; stack="$(stack_of "$role")"; CURRENT_REGION="$region"
  status="$(stack_status "$region" "$stack")"
  if [[ $status == NONE ]]; then say "$stack already gone"; return; fi
  if [[ $status == *_IN_PROGRESS && $status != DELETE_IN_PROGRESS && $status != REVIEW_IN_PROGRESS ]]; then
    say "$stack is $status (an interrupted deploy); waiting for it to settle before deleting"
    wait_for 3600 10 "$stack to settle" stack_settled "$region" "$stack"
  fi
  local kept; kept="$(retained_resources "$region" "$stack")"
  aws_in "$region" cloudformation delete-stack --stack-name "$stack"
  say "deleting $stack in $region (a VPC-attached Lambda's network interfaces can take 20+ minutes to release on AWS)"
  wait_for 5400 10 "$stack to be deleted" stack_deleted "$region" "$stack"
  say "$stack deleted"
  local id type physical
  while IFS=$'\t' read -r id type physical; do
    [[ -n $id ]] || continue
    # SAM marks AutoPublishAlias versions Retain, but a version goes with its deleted function.
    [[ $type == AWS::Lambda::Version ]] && continue
    warn "$region: kept by its DeletionPolicy: $id ($type) $physical"
    if [[ $type == AWS::KMS::Key ]]; then
      # Backups and the other region's replica may still need it; a KMS key costs ~\$1/month.
      # (RetainExceptOnCreate: a stack whose first create rolled back deleted its key already.)
      say "  when nothing needs it: aws kms schedule-key-deletion --region $region --key-id $physical --pending-window-in-days 30"
    fi
  done <<<"$kept"
}

# ---- secrets ----------------------------------------------------------------------------
step_secrets() {
  local role region name="/payments/$ENV_NAME/processor/api-key" err
  for role in "${ROLES[@]}"; do
    region="$(region_of "$role")"; CURRENT_REGION="$region"
    if err="$(aws_in "$region" ssm delete-parameter --name "$name" 2>&1)"; then
      say "$region: $name deleted"
    elif [[ $err == *ParameterNotFound* ]]; then
      say "$region: $name already gone"
    else
      printf '%s\n' "$err" >&2; die "could not delete $name"
    fi
  done
}

# ---- verify -----------------------------------------------------------------------------
# What is still there is reported, not deleted: a table holds payment data, and log groups may be
# needed for an audit. Deleting those is a person's decision. What the template keeps on purpose
# (the table KMS keys, DeletionPolicy RetainExceptOnCreate) is listed by delete_stack; the table
# (DeletionPolicy Delete) and the stack's log groups go with their stacks, so finding them here
# means something outside the stacks holds or made them.
step_verify() {
  local role region left=0 params pcxs
  for role in "${ROLES[@]}"; do
    region="$(region_of "$role")"; CURRENT_REGION="$region"
    [[ $(stack_status "$region" "$(stack_of "$role")") == NONE ]] ||
      { warn "$region: stack $(stack_of "$role") still exists"; left=1; }
    pcxs="$(tagged_peerings "$region" | cut -f1 | tr '\n' ' ')"
    [[ -z ${pcxs// /} ]] || { warn "$region: live peering still tagged for $ENV_NAME: $pcxs"; left=1; }
    params="$(aws_in "$region" ssm get-parameters-by-path --path "/payments/$ENV_NAME/" --recursive \
                --query 'Parameters[].Name' --output text)"
    [[ -z $params ]] || { warn "$region: parameters still under /payments/$ENV_NAME/: $params"
                          say "  delete with: aws ssm delete-parameters --region $region --names $params"; left=1; }
    if aws_in "$region" dynamodb describe-table --table-name "payments-$ENV_NAME" >/dev/null 2>&1; then
      # The stack deletes its table (DeletionPolicy Delete); one left over is a table the stack no longer
      # owned: one replaced by a table change (UpdateReplacePolicy Retain) or created by hand.
      warn "$region: table payments-$ENV_NAME still exists, not owned by a deleted stack (holds payment data)"
      say "  delete on purpose with: aws dynamodb delete-table --region $region --table-name payments-$ENV_NAME"
      left=1
    fi
    local groups prefix
    for prefix in "/aws/lambda/payments-$ENV_NAME-" "/aws/apigateway/payments-$ENV_NAME-" "/aws/vpc/payments-$ENV_NAME-"; do
      groups="$(aws_in "$region" logs describe-log-groups --log-group-name-prefix "$prefix" \
                  --query 'logGroups[].logGroupName' --output text 2>/dev/null || true)"
      # The stacks own their log groups and delete them; these were made outside the stacks.
      [[ -z $groups || $groups == None ]] || { warn "$region: log groups not owned by the stacks remain: $groups"; left=1; }
    done
  done
  if (( left )); then say "some resources remain, listed above"; else say "nothing of '$ENV_NAME' is left"; fi
}

# ---- driver -----------------------------------------------------------------------------
echo "teardown: environment '$ENV_NAME'"
for i in "${!STEPS[@]}"; do
  CURRENT_STEP="${STEPS[$i]}"; STEP_NO=$(( i + 1 )); CURRENT_REGION="-"
  echo "[$STEP_NO/${#STEPS[@]}] $CURRENT_STEP  (+$(elapsed))"
  step_started="$(now_us)"
  case "$CURRENT_STEP" in
    stack-secondary) delete_stack secondary ;;
    stack-primary) delete_stack primary ;;
    *) "step_$CURRENT_STEP" ;;
  esac
  echo "[$STEP_NO/${#STEPS[@]}] $CURRENT_STEP: done in $(since "$step_started")"
  if [[ $CURRENT_STEP == preflight ]]; then CURRENT_STEP=confirm; confirm; fi
done
FINISHED=1
echo "teardown: complete ($(elapsed))"
