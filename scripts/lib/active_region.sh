# shellcheck shell=bash
# The active-region record and the replication sentinels, through the AWS CLI. Source after
# common.sh (needs aws_in, say, die, ENV_NAME). Shared by deploy.sh (active-region step),
# failover.sh and smoke.sh.
#
# The record is one item of the payments table (docs/architecture.md, "Items"); the function
# reads it in its own region (DynamoDbActiveRegionSource) and these functions spell the same key:
#   pk = FENCE#active-region, sk = FENCE
#   activeRegion (S: a region, or "none" while fenced), epoch (N), version (N, = epoch),
#   changedAt (S, ISO-8601 UTC), nextRegion (S, only while fenced)
# Every write is conditional on the epoch read just before (compare-and-set in that region's
# replica), so two operators, or a run and its own rerun, cannot both move it.

AR_PK='FENCE#active-region'
AR_SK='FENCE'
SENTINEL_PK='FAILOVER#sentinel'

ar_table() { echo "payments-$ENV_NAME"; }

# region_override <region>: the URL LOCAL_REGION_ENDPOINTS names for <region> (empty if none).
# Local outage drills only: "us-east-1=http://127.0.0.1:41234 us-east-2=..." routes one
# region's calls through a proxy the drill can cut, because on the emulator both regions share
# one endpoint. Never set on AWS.
region_override() {
  local pair
  for pair in ${LOCAL_REGION_ENDPOINTS:-}; do
    [[ ${pair%%=*} == "$1" ]] && { echo "${pair#*=}"; return 0; }
  done
  return 0
}

# aws_at <region> <aws args...>: aws_in, through that region's override when there is one.
aws_at() {
  local region="$1" url; shift
  url="$(region_override "$region")"
  if [[ -n $url ]]; then aws_in "$region" --endpoint-url "$url" "$@"; else aws_in "$region" "$@"; fi
}

# aws_probe <region> <aws args...>: one attempt with short timeouts, for "is it reachable?".
aws_probe() {
  AWS_MAX_ATTEMPTS=1 aws_at "$1" --cli-connect-timeout 3 --cli-read-timeout 8 "${@:2}"
}

# is_unreachable <stderr text>: the call never got an AWS answer (connection refused, reset,
# timed out, DNS). An AWS error ("An error occurred (X) ...") means the region answered.
is_unreachable() { [[ $1 != *"An error occurred ("* ]]; }

# ar_read <region>: reads the record from that region's replica (strongly consistent) into
#   AR_STATE   OK | MISSING (no record) | NO_TABLE (no table in that region) | UNREACHABLE
#   AR_ACTIVE  the active region, or "none"
#   AR_EPOCH, AR_CHANGED, AR_NEXT ("-" when absent)
# Dies on an AWS error other than "unreachable" (no table, access denied: fix those first).
ar_read() {
  local region="$1" out err_file rc
  AR_STATE="" AR_ACTIVE="" AR_EPOCH="" AR_CHANGED="" AR_NEXT=""
  err_file="$(mktemp)"
  set +e
  out="$(aws_probe "$region" dynamodb get-item --table-name "$(ar_table)" --consistent-read \
           --key "{\"pk\":{\"S\":\"$AR_PK\"},\"sk\":{\"S\":\"$AR_SK\"}}" \
           --query 'Item.[activeRegion.S, epoch.N, changedAt.S, nextRegion.S]' --output text 2>"$err_file")"
  rc=$?
  set -e
  local err; err="$(cat "$err_file")"; rm -f "$err_file"
  if (( rc != 0 )); then
    if is_unreachable "$err"; then AR_STATE=UNREACHABLE; return 0; fi
    # The emulator has no global-table replicas: the secondary region has no table there.
    if [[ $err == *ResourceNotFoundException* ]]; then AR_STATE=NO_TABLE; return 0; fi
    printf '%s\n' "$err" >&2
    die "cannot read the active-region record in $region (table $(ar_table))"
  fi
  if [[ -z $out || $out == None ]]; then AR_STATE=MISSING; return 0; fi
  read -r AR_ACTIVE AR_EPOCH AR_CHANGED AR_NEXT <<<"$out"
  [[ $AR_NEXT == None ]] && AR_NEXT=-
  [[ $AR_ACTIVE =~ ^(none|[a-z]{2}(-[a-z]+)+-[0-9])$ && $AR_EPOCH =~ ^[0-9]+$ ]] ||
    die "the active-region record in $region is malformed ($out): repair it by hand, see docs/deploy.md"
  AR_STATE=OK
}

# ar_describe: the record last read, for people.
ar_describe() {
  case "$AR_STATE" in
    OK) if [[ $AR_ACTIVE == none ]]; then
          echo "fenced, no region writes (epoch $AR_EPOCH, since $AR_CHANGED, moving to ${AR_NEXT})"
        else
          echo "$AR_ACTIVE active (epoch $AR_EPOCH, since $AR_CHANGED)"
        fi ;;
    MISSING) echo "no record (no region takes writes)" ;;
    NO_TABLE) echo "no table payments-$ENV_NAME in that region" ;;
    *) echo "unreachable" ;;
  esac
}

# The longest an ar_write can take: one attempt, 3 s to connect, 10 s for the answer. The record's
# changedAt is stamped before the write, so the write commits at most this long after it; the
# failover's wait counts from changedAt plus this when it cannot measure the write itself.
AR_WRITE_MAX_SECONDS=13

# ar_write <region> <active-region|none> <epoch> <expected-epoch|absent> [<next-region>]:
# compare-and-set in that region's replica. Returns 0 when written (AR_WRITTEN_AT: the epoch
# second the write was known committed, an upper bound of its commit), 3 when the record was not
# as expected (someone else moved it: read again), dies on anything else. One attempt only, with
# short timeouts (AR_WRITE_MAX_SECONDS): a write the CLI retried could commit long after the
# changedAt it carries. A failed write dies; running the same command again converges.
ar_write() {
  local region="$1" active="$2" epoch="$3" expect="$4" next="${5:-}" item cond values err
  local now; now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  item="{\"pk\":{\"S\":\"$AR_PK\"},\"sk\":{\"S\":\"$AR_SK\"},\"activeRegion\":{\"S\":\"$active\"},"
  item+="\"epoch\":{\"N\":\"$epoch\"},\"version\":{\"N\":\"$epoch\"},\"changedAt\":{\"S\":\"$now\"}"
  [[ -n $next ]] && item+=",\"nextRegion\":{\"S\":\"$next\"}"
  item+="}"
  if [[ $expect == absent ]]; then
    cond=(--condition-expression "attribute_not_exists(pk)")
  else
    cond=(--condition-expression "epoch = :e" --expression-attribute-values "{\":e\":{\"N\":\"$expect\"}}")
  fi
  if err="$(AWS_MAX_ATTEMPTS=1 aws_at "$region" --cli-connect-timeout 3 --cli-read-timeout 10 \
               dynamodb put-item --table-name "$(ar_table)" --item "$item" "${cond[@]}" 2>&1)"; then
    AR_WRITTEN_AT="$(date +%s)"
    return 0
  fi
  if [[ $err == *ConditionalCheckFailed* ]]; then return 3; fi
  printf '%s\n' "$err" >&2
  die "cannot write the active-region record in $region"
}

# sentinel_put <region> <id>: an item written in <region> whose arrival elsewhere shows that
# replication out of <region> is flowing. Expires after a day (the table's TTL attribute).
sentinel_put() {
  local expires=$(( $(date +%s) + 86400 ))
  aws_at "$1" dynamodb put-item --table-name "$(ar_table)" --item \
    "{\"pk\":{\"S\":\"$SENTINEL_PK\"},\"sk\":{\"S\":\"$2\"},\"writtenAt\":{\"S\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"},\"expiresAt\":{\"N\":\"$expires\"}}" \
    >/dev/null
}

# sentinel_seen <region> <id>: whether the sentinel has arrived in <region>'s replica.
sentinel_seen() {
  local got
  got="$(aws_at "$1" dynamodb get-item --table-name "$(ar_table)" --consistent-read \
           --key "{\"pk\":{\"S\":\"$SENTINEL_PK\"},\"sk\":{\"S\":\"$2\"}}" --query 'Item.sk.S' --output text)" || return 1
  [[ $got == "$2" ]]
}

# function_settings <region>: the deployed function's Timeout, fence TTL and merchant claim
# (FN_TIMEOUT, FN_FENCE_TTL, FN_CLAIM). FN_OK=0 when the function cannot be read.
function_settings() {
  local out
  FN_OK=0 FN_TIMEOUT="" FN_FENCE_TTL="" FN_CLAIM=""
  out="$(aws_probe "$1" lambda get-function-configuration --function-name "payments-$ENV_NAME-api" \
           --query '[Timeout, Environment.Variables.PAYMENTS_FENCE_TTL_SECONDS, Environment.Variables.PAYMENTS_MERCHANT_CLAIM]' \
           --output text 2>/dev/null)" || return 0
  read -r FN_TIMEOUT FN_FENCE_TTL FN_CLAIM <<<"$out"
  [[ $FN_FENCE_TTL =~ ^[0-9]+$ ]] || FN_FENCE_TTL=5     # the code's default (WriteFence.DEFAULT_TTL)
  [[ -n $FN_CLAIM && $FN_CLAIM != None ]] || FN_CLAIM=merchant_id
  [[ $FN_TIMEOUT =~ ^[0-9]+$ ]] && FN_OK=1
  return 0
}
