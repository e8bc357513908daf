#!/usr/bin/env bash
# Moves writes from one region to the other: the write fence's failover (docs/deploy.md,
# "Failover"). Failing back is the same command with the other region.
#
#   scripts/failover.sh --env <env> --to <region> [--emergency] [--from <step>]
#
# Steps, numbered and resumable like the deploy:
#   1 preflight  the target answers health, the deployed function's timeout and fence TTL are
#                read, and replication from the old region to the target is shown flowing by a
#                sentinel item written there and read here
#   2 fence      the old region's record becomes "none" (no region takes writes)
#   3 wait       until no stale "active" view can still be writing in the old region:
#                fence TTL + function timeout + margin, counted from when the fence was known
#                written (this run's write returning, else its changedAt + the longest write);
#                then a second sentinel shows the old region's replication is still flowing
#   4 promote    the target's record becomes "active" (epoch + 1), also written in the old region
#   5 smoke      health, a real create -> get -> cancel in the target, a refused write in the old one
#
# Every step reads the state from AWS (both regions' records) and does only what is missing, so
# a rerun converges, also after a kill at any step; --from only skips earlier steps' checks.
#
# --emergency: the old region is unreachable from here. Steps that need it (sentinels, the refused
# write) are tried with a short timeout and skipped, saying so. The fence is written in the
# TARGET's replica instead and waited out like a planned one before the target is promoted: if
# the old region is in fact still serving and replicating (a partial outage, or only this
# machine cannot reach it), the fence reaches it by replication and it stops writing before the
# target starts. If replication to it is down too, nothing stops a client that still reaches it
# until replication returns (docs/deploy.md, "Remaining risk"). Run the same command again once
# it is back: that converges the old region onto the new record.
#
# Real AWS by default; the emulator when AWS_ENDPOINT_URL is set. LOCAL_REGION_ENDPOINTS
# ("us-east-1=URL ...", local drills only) routes one region's calls elsewhere.
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/active_region.sh
source "$ROOT/scripts/lib/active_region.sh"
# shellcheck source=lib/smoke.sh
source "$ROOT/scripts/lib/smoke.sh"

STEPS=(preflight fence wait promote smoke)
# Added to fence TTL + function timeout: clock error between this machine and AWS, and the time
# a request that passed the fence needs to reach DynamoDB.
WAIT_MARGIN_SECONDS="${FAILOVER_WAIT_MARGIN_SECONDS:-5}"
REPLICATION_TIMEOUT_SECONDS="${FAILOVER_REPLICATION_TIMEOUT_SECONDS:-120}"

usage() {
  cat <<EOF
usage: scripts/failover.sh --env <env> --to <region> [--emergency] [--from <step>]
  --env        environment (table payments-<env>, function payments-<env>-api in both regions)
  --to         the region that takes writes afterwards: $PRIMARY_REGION or $SECONDARY_REGION
  --emergency  the old region is unreachable: skip what needs it (and say so)
  --from       resume at a step; preflight always runs. Steps: ${STEPS[*]}
EOF
}

ENV_NAME="" TO="" EMERGENCY=0 FROM_STEP=""
while (( $# )); do
  case "$1" in
    --env) ENV_NAME="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --to) TO="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    --emergency) EMERGENCY=1; shift ;;
    --from) FROM_STEP="${2:-}"; shift 2 || { usage >&2; exit 2; } ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -n $ENV_NAME ]] || { echo "--env is required" >&2; usage >&2; exit 2; }
validate_env_name "$ENV_NAME"
case "$TO" in
  "$PRIMARY_REGION") OLD="$SECONDARY_REGION" ;;
  "$SECONDARY_REGION") OLD="$PRIMARY_REGION" ;;
  *) echo "--to must be $PRIMARY_REGION or $SECONDARY_REGION" >&2; usage >&2; exit 2 ;;
esac
FROM_INDEX=0
if [[ -n $FROM_STEP ]]; then
  FROM_INDEX=-1
  for i in "${!STEPS[@]}"; do [[ ${STEPS[$i]} == "$FROM_STEP" ]] && FROM_INDEX=$i; done
  (( FROM_INDEX >= 0 )) || { echo "--from '$FROM_STEP' is not a step; steps: ${STEPS[*]}" >&2; exit 2; }
fi

CURRENT_STEP="" STEP_NO=0 STEP_CHANGED=0 ANY_CHANGED=0 FINISHED=0
on_exit() {
  local rc=$?
  rm -rf "$SMOKE_DIR"
  if (( rc != 0 && FINISHED == 0 )) && [[ -n $CURRENT_STEP ]]; then
    {
      echo
      echo "failover FAILED at step $STEP_NO/${#STEPS[@]} '$CURRENT_STEP' in region $CURRENT_REGION after $(elapsed) (exit $rc)."
      echo "Fix the cause above, then run the same command again (it converges), or resume with:"
      echo "  scripts/failover.sh --env $ENV_NAME --to $TO$( (( EMERGENCY )) && echo ' --emergency') --from $CURRENT_STEP"
    } >&2
  fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

changed() { STEP_CHANGED=1; say "$*"; }
skipped() { say "SKIPPED: $*"; }

# The two records, read afresh by every step (both at once): OLD_* (may be UNREACHABLE) and NEW_* (the target).
read_both() {
  local dir; dir="$(mktemp -d)"
  ( ar_read "$OLD"; declare -p AR_STATE AR_ACTIVE AR_EPOCH AR_CHANGED AR_NEXT > "$dir/old" ) &
  local old_pid=$!
  ( ar_read "$TO"; declare -p AR_STATE AR_ACTIVE AR_EPOCH AR_CHANGED AR_NEXT > "$dir/new" ) &
  local new_pid=$!
  wait "$old_pid" || { rm -rf "$dir"; die "cannot read the active-region record in $OLD"; }
  wait "$new_pid" || { rm -rf "$dir"; die "cannot read the active-region record in $TO"; }
  # shellcheck disable=SC1091
  source "$dir/old"
  OLD_STATE="$AR_STATE" OLD_ACTIVE="$AR_ACTIVE" OLD_EPOCH="$AR_EPOCH" OLD_CHANGED="$AR_CHANGED" OLD_NEXT="$AR_NEXT"
  OLD_TEXT="$(ar_describe)"
  # shellcheck disable=SC1091
  source "$dir/new"
  NEW_STATE="$AR_STATE" NEW_ACTIVE="$AR_ACTIVE" NEW_EPOCH="$AR_EPOCH" NEW_CHANGED="$AR_CHANGED" NEW_NEXT="$AR_NEXT"
  NEW_TEXT="$(ar_describe)"
  rm -rf "$dir"
  [[ $NEW_STATE == OK ]] || die "$TO: $NEW_TEXT. The target's record must be readable (deploy's active-region step seeds it)"
}
old_reachable() { [[ $OLD_STATE == OK ]]; }
promoted() { [[ $NEW_ACTIVE == "$TO" ]]; }
old_fenced_for_us() { old_reachable && [[ $OLD_ACTIVE == none && $OLD_NEXT == "$TO" ]]; }
new_fenced_for_us() { [[ $NEW_ACTIVE == none && $NEW_NEXT == "$TO" ]]; }
# Set when this run wrote the fence: the second it was known committed.
FENCE_WRITTEN_AT=""

# wait_replicated <id>: until the sentinel written in OLD is readable in TO.
wait_replicated() {
  local id="$1" start=$SECONDS
  wait_for "$REPLICATION_TIMEOUT_SECONDS" 1 "sentinel $id to replicate from $OLD to $TO" sentinel_seen "$TO" "$id"
  say "replication $OLD -> $TO: sentinel $id arrived after $(( SECONDS - start )) s"
}

# ---- 1. preflight -----------------------------------------------------------------------
WAIT_SECONDS=0
step_preflight() {
  local tool
  for tool in aws python3; do command -v "$tool" >/dev/null || die "$tool not found (run scripts/bootstrap.sh)"; done
  CURRENT_REGION="$TO"
  read_both
  say "$OLD (old): $OLD_TEXT"
  say "$TO (target): $NEW_TEXT"
  if ! old_reachable; then
    (( EMERGENCY )) || die "$OLD is $OLD_TEXT. If the region is down, fail over without it: add --emergency (docs/deploy.md)"
    warn "$OLD is $OLD_TEXT: emergency failover, steps that need it are skipped"
  fi
  if old_reachable && promoted && [[ $OLD_ACTIVE == "$TO" && $OLD_EPOCH == "$NEW_EPOCH" ]]; then
    say "$TO is already active and $OLD agrees: nothing to move (the smoke step still checks)"
  fi

  # The longest stale view: a function may trust an old record for its fence TTL and then run
  # a request that passed the fence for up to its timeout. Both regions run the same template;
  # read both (when reachable) and take the larger values.
  local timeout=0 ttl=0 region
  for region in "$OLD" "$TO"; do
    [[ $region == "$OLD" ]] && ! old_reachable && continue
    function_settings "$region"
    if (( FN_OK )); then
      (( FN_TIMEOUT > timeout )) && timeout=$FN_TIMEOUT
      (( FN_FENCE_TTL > ttl )) && ttl=$FN_FENCE_TTL
      say "$region: function payments-$ENV_NAME-api timeout ${FN_TIMEOUT} s, fence TTL ${FN_FENCE_TTL} s"
    else
      [[ $region == "$TO" ]] && die "cannot read function payments-$ENV_NAME-api in $TO"
    fi
  done
  WAIT_SECONDS=$(( ttl + timeout + WAIT_MARGIN_SECONDS ))
  say "longest stale view: $ttl s (fence TTL) + $timeout s (function timeout) -> the wait step waits $WAIT_SECONDS s after the fence"

  # The target must serve before it gets writes (FN_CLAIM was read with the settings above).
  if fn_call "$TO" GET /health; then
    if emulator_cannot_run "$FN_ANSWER"; then
      say "$TO: health not checked (emulator: ${FN_ANSWER#ERROR })"
    else
      local status
      read -r _ status _ <<<"$FN_ANSWER"
      [[ $status == 200 ]] || die "$TO: GET /health answered '$FN_ANSWER'; fix the target before moving writes to it"
      say "$TO: GET /health 200"
    fi
  else
    die "$TO: Lambda API unreachable (${FN_ANSWER#UNREACHABLE })"
  fi

  if promoted; then
    say "replication check not needed: $TO is already active"
  elif old_reachable; then
    local id="preflight-$(date +%s)-$RANDOM"
    sentinel_put "$OLD" "$id"
    wait_replicated "$id"
  else
    skipped "replication from $OLD cannot be proved ($OLD unreachable): what $OLD accepted in its last moments (typically under a second of writes) reaches $TO only when $OLD comes back"
  fi
}

# ---- 2. fence ---------------------------------------------------------------------------
step_fence() {
  CURRENT_REGION="$OLD"
  read_both
  if promoted; then
    # Done before, or an emergency failover: bring the old region onto the promoted record.
    if ! old_reachable; then
      skipped "$OLD unreachable; it learns of epoch $NEW_EPOCH when replication from $TO reaches it"
    elif (( OLD_EPOCH >= NEW_EPOCH )); then
      say "$OLD already has $OLD_TEXT"
    elif ar_write "$OLD" "$TO" "$NEW_EPOCH" "$OLD_EPOCH"; then
      changed "$OLD: record set to '$TO active, epoch $NEW_EPOCH' (it still said: $OLD_TEXT); it stops writing within its fence TTL + function timeout"
    else
      die "$OLD's record changed while we wrote it; run again"
    fi
    return
  fi
  if ! old_reachable; then
    skipped "$OLD is unreachable from here, so its own replica cannot be fenced directly"
    if new_fenced_for_us; then
      say "$TO's replica already holds the fence: $NEW_TEXT"
      return
    fi
    local fence_epoch=$(( NEW_EPOCH + 1 ))
    if ar_write "$TO" none "$fence_epoch" "$NEW_EPOCH" "$TO"; then
      FENCE_WRITTEN_AT="$AR_WRITTEN_AT"
      changed "$TO: fenced in its own replica (epoch $fence_epoch): should $OLD still be serving, replication brings it the fence and it stops writing before $TO is promoted"
    else
      die "$TO's record changed while we wrote it; run again"
    fi
    return
  fi
  if old_fenced_for_us; then
    say "$OLD already fenced: $OLD_TEXT"
    return
  fi
  local epoch=$(( (OLD_EPOCH > NEW_EPOCH ? OLD_EPOCH : NEW_EPOCH) + 1 ))
  if ar_write "$OLD" none "$epoch" "$OLD_EPOCH" "$TO"; then
    FENCE_WRITTEN_AT="$AR_WRITTEN_AT"
    changed "$OLD: fenced (epoch $epoch): no region takes writes until $TO is promoted"
  else
    die "$OLD's record changed while we wrote it (another failover?); run again"
  fi
}

# ---- 3. wait ----------------------------------------------------------------------------
step_wait() {
  CURRENT_REGION="$OLD"
  read_both
  if promoted; then say "$TO is already active: nothing to wait for"; return; fi
  local fence_changed
  if old_reachable; then
    old_fenced_for_us || die "$OLD is not fenced ($OLD_TEXT); run the fence step (or the whole command) again"
    fence_changed="$OLD_CHANGED"
  else
    new_fenced_for_us || die "$TO's replica holds no fence ($NEW_TEXT); run the fence step (or the whole command) again"
    fence_changed="$NEW_CHANGED"
  fi
  if (( WAIT_SECONDS == 0 )); then die "no wait computed (preflight did not read the function settings)"; fi
  local fenced_at until now remaining
  fenced_at="$(date -u -d "$fence_changed" +%s)" || die "cannot parse the fence time '$fence_changed'"
  # changedAt is stamped before the write: count from when the write was known committed (this
  # run's own write), else from the latest it can have committed.
  if [[ -n $FENCE_WRITTEN_AT ]]; then
    (( FENCE_WRITTEN_AT > fenced_at )) && fenced_at=$FENCE_WRITTEN_AT
  else
    fenced_at=$(( fenced_at + AR_WRITE_MAX_SECONDS ))
  fi
  until=$(( fenced_at + WAIT_SECONDS ))
  now="$(date +%s)"
  if (( now < until )); then
    say "waiting out stale views in $OLD: until $(date -u -d "@$until" +%H:%M:%SZ), $(( until - now )) s (fenced at $fence_changed)"
    while (( (remaining = until - $(date +%s)) > 0 )); do
      (( remaining % 10 == 0 )) && say "  $remaining s left"
      sleep 1
    done
  else
    say "fenced at $fence_changed, more than $WAIT_SECONDS s ago: no stale view can still be writing"
  fi
  if ! old_reachable; then
    skipped "the drain sentinel from $OLD (unreachable): what it wrote in its last moments reaches $TO when it comes back"
    return
  fi
  # Everything the old region wrote before it stopped has been written by now; one more
  # sentinel shows replication is still flowing after the last possible write, and the target
  # must see the fence itself before the promote can compare against it.
  local id="drain-$(date +%s)-$RANDOM"
  sentinel_put "$OLD" "$id"
  wait_replicated "$id"
  CURRENT_REGION="$TO"
  wait_for "$REPLICATION_TIMEOUT_SECONDS" 1 "$TO to see the fence (epoch $OLD_EPOCH)" fence_arrived "$OLD_EPOCH"
  say "$TO sees the fence (epoch $OLD_EPOCH)"
}
fence_arrived() { ar_read "$TO"; [[ $AR_STATE == OK ]] && (( AR_EPOCH >= $1 )); }

# ---- 4. promote -------------------------------------------------------------------------
step_promote() {
  CURRENT_REGION="$TO"
  read_both
  if promoted; then say "$TO already active: $NEW_TEXT"; return; fi
  local epoch
  if old_fenced_for_us; then
    # Planned: the target must hold the fence it is promoted from, or the compare-and-set below
    # would race the fence's own replication.
    (( NEW_EPOCH >= OLD_EPOCH )) || die "$TO has not seen the fence yet ($NEW_TEXT); run the wait step again"
  elif old_reachable; then
    die "$OLD is reachable but not fenced ($OLD_TEXT): run the fence and wait steps first (no --from)"
  else
    (( EMERGENCY )) || die "$OLD unreachable and --emergency not given"
    new_fenced_for_us || die "$TO's replica holds no fence ($NEW_TEXT): run the fence and wait steps first (no --from)"
    say "emergency: promoting $TO over its own replica's fence ($NEW_TEXT) without $OLD"
  fi
  epoch=$(( NEW_EPOCH + 1 ))
  if ar_write "$TO" "$TO" "$epoch" "$NEW_EPOCH"; then
    changed "$TO: promoted, active for writes (epoch $epoch)"
  else
    die "$TO's record changed while we wrote it; run again"
  fi
  # Tell the old region directly as well, rather than only through replication.
  if old_reachable && [[ $OLD_EPOCH -lt $epoch ]]; then
    if ar_write "$OLD" "$TO" "$epoch" "$OLD_EPOCH"; then
      say "$OLD: record set to '$TO active, epoch $epoch'"
    else
      say "$OLD: record changed meanwhile (replication got there first)"
    fi
  fi
}

# ---- 5. smoke ---------------------------------------------------------------------------
step_smoke() {
  CURRENT_REGION="$TO"
  read_both
  promoted || die "$TO is not active ($NEW_TEXT)"
  if old_reachable; then
    # A function in the old region may trust the view it read just before the record changed
    # there for up to its fence TTL: give it that long before expecting a refusal.
    local changed_at ready
    changed_at="$(date -u -d "$OLD_CHANGED" +%s)"
    ready=$(( changed_at + FN_FENCE_TTL + 1 ))
    while (( $(date +%s) < ready )); do sleep 1; done
    smoke_regions "$TO" "$OLD"
  else
    smoke_regions "$TO" ""
    skipped "$OLD unreachable: the refused write there is not checked"
  fi
  (( SMOKE_FAILED == 0 )) || die "smoke found $SMOKE_FAILED problem(s), listed above"
  say "smoke: $SMOKE_RESULT"
}

# ---- driver -----------------------------------------------------------------------------
echo "failover: environment '$ENV_NAME', writes to $TO (from $OLD)$( (( EMERGENCY )) && echo ', EMERGENCY')$([[ -n $FROM_STEP ]] && echo " from step '$FROM_STEP'")"
for i in "${!STEPS[@]}"; do
  CURRENT_STEP="${STEPS[$i]}"; STEP_NO=$(( i + 1 )); STEP_CHANGED=0; CURRENT_REGION="-"
  if (( i < FROM_INDEX )) && [[ $CURRENT_STEP != preflight ]]; then
    echo "[$STEP_NO/${#STEPS[@]}] $CURRENT_STEP: skipped (--from $FROM_STEP)"
    continue
  fi
  echo "[$STEP_NO/${#STEPS[@]}] $CURRENT_STEP  (+$(elapsed))"
  step_started="$(now_us)"
  "step_${CURRENT_STEP}"
  (( STEP_CHANGED )) && ANY_CHANGED=1
  echo "[$STEP_NO/${#STEPS[@]}] $CURRENT_STEP: done, $( (( STEP_CHANGED )) && echo changed || echo 'no change') in $(since "$step_started")"
done
FINISHED=1
read_both
echo "failover: complete, $TO active (epoch $NEW_EPOCH); $OLD: $OLD_TEXT ($(elapsed))"
