# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables below are used by the scripts that source this
# Shared by scripts/deploy.sh and scripts/teardown.sh. Source it; do not run it.
#
# Everything here talks to real AWS unless AWS_ENDPOINT_URL is set, in which case the
# AWS CLI v1 and SAM CLI both send every call to that endpoint (the emulator). There is
# deliberately no other switch, so the code path tested locally is the one run on AWS.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Pinned tools first: the system aws (Debian's 2.9) ignores AWS_ENDPOINT_URL.
PATH="$ROOT/.tools/bin:$PATH"
export PATH
export SAM_CLI_TELEMETRY=0
# Ride out API throttling on real AWS instead of failing a step on the first 429.
export AWS_RETRY_MODE="${AWS_RETRY_MODE:-standard}"
export AWS_MAX_ATTEMPTS="${AWS_MAX_ATTEMPTS:-8}"
export AWS_PAGER=""

# Fixed by docs/architecture.md; read back from samconfig.toml in preflight and checked.
PRIMARY_REGION=us-east-1
SECONDARY_REGION=us-east-2
ROLES=(primary secondary)

SAMCONFIG="$ROOT/samconfig.toml"
TEMPLATE="$ROOT/template.yaml"
HANDOFF_KEYS=(region vpc-id vpc-cidr api-endpoint peering-connection-id)
# Peering states in which a connection is still usable or on its way to being usable.
LIVE_PCX_STATES="initiating-request,pending-acceptance,provisioning,active"
LIVE_PCX_JMES="(Status.Code=='initiating-request' || Status.Code=='pending-acceptance' || Status.Code=='provisioning' || Status.Code=='active')"

START_US=""
now_us() { local t="${EPOCHREALTIME/[.,]/}"; echo "${t:-$(( SECONDS * 1000000 ))}"; }
START_US="$(now_us)"
# Seconds since the script started, one decimal.
elapsed() { local d=$(( ($(now_us) - START_US) / 100000 )); printf '%d.%ds' $(( d / 10 )) $(( d % 10 )); }
since() { local d=$(( ($(now_us) - $1) / 100000 )); printf '%d.%ds' $(( d / 10 )) $(( d % 10 )); }

say() { printf '    %s\n' "$*"; }
warn() { printf '    WARNING: %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# The region a step is currently working in; the failure message names it.
CURRENT_REGION="-"
region_of() { if [[ $1 == primary ]]; then echo "$PRIMARY_REGION"; else echo "$SECONDARY_REGION"; fi; }
other_role() { if [[ $1 == primary ]]; then echo secondary; else echo primary; fi; }
stack_of() { echo "payments-$ENV_NAME-$1"; }

# aws_in <region> <aws args...>: every call names its region explicitly, so nothing
# depends on the caller's AWS_REGION / profile default region.
aws_in() { local region="$1"; shift; CURRENT_REGION="$region"; aws --region "$region" "$@"; }

validate_env_name() {
  # Becomes part of stack names, SSM paths and the table name: keep it to what all accept.
  [[ $1 =~ ^[a-z][a-z0-9-]{0,19}$ ]] ||
    die "--env '$1' must be 1-20 chars of lower-case letters, digits and '-', starting with a letter"
}

# Interpreter of the sam executable: deploy_config.py imports SAM's own config parser.
sam_python() {
  local sam_bin shebang
  sam_bin="$(command -v sam)" || die "sam not found on PATH (run scripts/bootstrap.sh)"
  shebang="$(head -n1 "$sam_bin")"
  [[ $shebang == '#!'*python* ]] || die "cannot find the Python interpreter of $sam_bin"
  echo "${shebang#\#!}"
}

# ---- CloudFormation ---------------------------------------------------------------------
# Prints the stack status, or NONE when the stack does not exist (any other error is fatal).
stack_status() {
  local region="$1" stack="$2" out
  if out="$(aws_in "$region" cloudformation describe-stacks --stack-name "$stack" \
      --query 'Stacks[0].StackStatus' --output text 2>&1)"; then
    echo "$out"
  elif [[ $out == *"does not exist"* ]]; then
    echo NONE
  else
    printf '%s\n' "$out" >&2
    return 1
  fi
}

# load_outputs <role> [lenient]: fills OUT[<role>:<OutputKey>] from the live stack. Called
# again in every step because outputs are the contract between steps (docs/architecture.md).
# Strict mode fails here, in the main shell, when an output the steps need is missing: a
# failing $(...) inside a command's arguments would not stop a `set -e` script.
REQUIRED_OUTPUTS=(VpcId VpcCidr PrivateRouteTableIds ApiEndpoint)
declare -gA OUT=()
load_outputs() {
  local role="$1" mode="${2:-strict}" region stack key value
  region="$(region_of "$role")"; stack="$(stack_of "$role")"
  for key in "${!OUT[@]}"; do [[ $key == "$role:"* ]] && unset "OUT[$key]"; done
  # One call: the first line is the stack status (kept as OUT[<role>:@status]), then outputs.
  local first=1
  while IFS=$'\t' read -r key value; do
    if (( first )); then OUT["$role:@status"]="$key"; first=0; continue; fi
    [[ -n $key && $value != None ]] && OUT["$role:$key"]="$value"
  done < <(aws_in "$region" cloudformation describe-stacks --stack-name "$stack" \
             --query 'Stacks[0].[[StackStatus], Outputs[].[OutputKey,OutputValue]][]' --output text)
  (( first == 0 )) || die "cannot read stack $stack in $region"
  [[ $mode == strict ]] || return 0
  for key in "${REQUIRED_OUTPUTS[@]}"; do
    [[ -n ${OUT[$role:$key]:-} ]] || die "stack $stack in $region has no output $key"
  done
}
# ensure_outputs <role>...: load_outputs unless this run already has them. Outputs only change
# in the deploy steps, which reload them; every new run starts with none.
ensure_outputs() { local role; for role in "$@"; do [[ -n ${OUT[$role:@status]:-} ]] || load_outputs "$role"; done; }
# out <role> <OutputKey>: a value loaded by load_outputs (empty when absent).
out() { printf '%s' "${OUT[$1:$2]:-}"; }

# ---- VPC peering ------------------------------------------------------------------------
# live_peerings <region> <requester-vpc> <accepter-vpc>: "pcx-id<TAB>status" lines for live
# connections between exactly these VPCs. Matched by VPC pair, not only by tag, so a
# connection whose tagging was interrupted is adopted instead of duplicated. The server-side
# filters narrow the call on AWS; the JMESPath filter repeats them client-side because an
# endpoint may ignore a filter name it does not know (MiniStack ignores the vpc-id ones).
live_peerings() {
  local region="$1" req="$2" acc="$3"
  aws_in "$region" ec2 describe-vpc-peering-connections \
    --filters "Name=requester-vpc-info.vpc-id,Values=$req" \
              "Name=accepter-vpc-info.vpc-id,Values=$acc" \
              "Name=status-code,Values=$LIVE_PCX_STATES" \
    --query "VpcPeeringConnections[?RequesterVpcInfo.VpcId=='$req' && AccepterVpcInfo.VpcId=='$acc' && $LIVE_PCX_JMES].[VpcPeeringConnectionId,Status.Code]" \
    --output text
}

# tagged_peerings <region>: live connections tagged for this environment (teardown, tests).
tagged_peerings() {
  local region="$1"
  aws_in "$region" ec2 describe-vpc-peering-connections \
    --filters "Name=tag:payments:env,Values=$ENV_NAME" "Name=status-code,Values=$LIVE_PCX_STATES" \
    --query "VpcPeeringConnections[?$LIVE_PCX_JMES].[VpcPeeringConnectionId,Status.Code,RequesterVpcInfo.Region,RequesterVpcInfo.VpcId,AccepterVpcInfo.VpcId]" \
    --output text
}

# pcx_status <region> <pcx>: status code, or NONE when that region does not (yet) know it.
pcx_status() {
  local region="$1" pcx="$2" out
  if out="$(aws_in "$region" ec2 describe-vpc-peering-connections --vpc-peering-connection-ids "$pcx" \
      --query 'VpcPeeringConnections[0].Status.Code' --output text 2>&1)"; then
    [[ $out == None ]] && out=NONE
    echo "$out"
  elif [[ $out == *InvalidVpcPeeringConnectionID* ]]; then
    echo NONE
  else
    printf '%s\n' "$out" >&2
    return 1
  fi
}

# wait_for <timeout-s> <interval-s> <what> <command...>: polls until the command succeeds.
wait_for() {
  local timeout="$1" interval="$2" what="$3"; shift 3
  local deadline=$(( SECONDS + timeout )) next_note=$(( SECONDS + 30 ))
  until "$@"; do
    (( SECONDS < deadline )) || die "timed out after ${timeout}s waiting for $what"
    if (( SECONDS >= next_note )); then say "still waiting for $what ($(elapsed))"; next_note=$(( SECONDS + 30 )); fi
    sleep "$interval"
  done
}

# route_targets <region> <cidr> <rtb>...: one "rtb<TAB>target<TAB>state" line per route table
# for its route to <cidr>; target and state are "-" when there is none. One call per region.
route_targets() {
  local region="$1" cidr="$2"; shift 2
  local match="Routes[?DestinationCidrBlock=='$cidr'] | [0]" lines
  lines="$(aws_in "$region" ec2 describe-route-tables --route-table-ids "$@" \
    --query "RouteTables[].[RouteTableId, ($match.[VpcPeeringConnectionId, GatewayId, NatGatewayId, TransitGatewayId, InstanceId, NetworkInterfaceId][?@] | [0]) || '-', ($match.State) || '-']" \
    --output text)" || return 1
  # AWS rejects unknown ids, but an endpoint may just leave them out: never skip one silently.
  local rtb
  for rtb in "$@"; do
    grep -q "^$rtb"$'\t' <<<"$lines" || { echo "route table $rtb not found in $region" >&2; return 1; }
  done
  printf '%s\n' "$lines"
}
