#!/usr/bin/env bash
# The function-level smoke test on its own (the deploy's smoke step and the failover's run the
# same checks, scripts/lib/smoke.sh): in the region the active-region record names, GET /health,
# a real create -> get -> cancel; in the other region, a write that must be refused.
#
#   scripts/smoke.sh --env <env>
#
# `make local` runs it once its runtime serves the function (the deploy inside `make local`
# runs before that, when the emulator cannot run the function yet).
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/active_region.sh
source "$ROOT/scripts/lib/active_region.sh"
# shellcheck source=lib/smoke.sh
source "$ROOT/scripts/lib/smoke.sh"

ENV_NAME=""
while (( $# )); do
  case "$1" in
    --env) ENV_NAME="${2:-}"; shift 2 || { echo "usage: scripts/smoke.sh --env <env>" >&2; exit 2; } ;;
    *) echo "usage: scripts/smoke.sh --env <env>" >&2; exit 2 ;;
  esac
done
[[ -n $ENV_NAME ]] || { echo "usage: scripts/smoke.sh --env <env>" >&2; exit 2; }
validate_env_name "$ENV_NAME"
trap 'rm -rf "$SMOKE_DIR"' EXIT

ar_read "$PRIMARY_REGION"
[[ $AR_STATE == OK ]] || ar_read "$SECONDARY_REGION"
[[ $AR_STATE == OK && $AR_ACTIVE != none ]] || die "no region takes writes: $(ar_describe)"
ACTIVE="$AR_ACTIVE"
STANDBY="$( [[ $ACTIVE == "$PRIMARY_REGION" ]] && echo "$SECONDARY_REGION" || echo "$PRIMARY_REGION")"
echo "smoke: environment '$ENV_NAME', $(ar_describe)"
smoke_regions "$ACTIVE" "$STANDBY"
(( SMOKE_NOT_RUN == 0 )) || die "the function did not run: $SMOKE_RESULT"
(( SMOKE_FAILED == 0 )) || die "smoke found $SMOKE_FAILED problem(s), listed above"
echo "smoke: passed ($SMOKE_RESULT, $(elapsed))"
