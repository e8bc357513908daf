#!/usr/bin/env bash
# Runs every test the project has (what `make test` and CI run):
#   1. scripts/bootstrap.sh (pinned toolchain; seconds when already installed)
#   2. the emulator on EMULATOR_PORT (default 4566), unless AWS_ENDPOINT_URL is already set
#   3. ./mvnw -B verify  (unit tests, then *IT integration tests against AWS_ENDPOINT_URL)
#   4. scripts/check-template.sh, if present (template lint and policy checks)
#   5. scripts/tests/*.sh, if present (deploy end-to-end and other script-level tests); the deploy
#      end-to-end test runs in the background beside 4 and the other script tests
#      (its output is printed when it ends)
#   6. scripts/tests/scan_logs.py: no payment-method token, API key or PAN in any log of the run
# A failing step does not stop the later ones, so one run reports everything that is broken;
# the exit status is non-zero if any step failed. The emulator is stopped on every exit path,
# but only if this script started it (someone else's emulator on the same port is reused and left running).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export EMULATOR_PORT="${EMULATOR_PORT:-4566}"
export PATH="$ROOT/.tools/bin:$PATH"
# Tests must never reach a real account, whatever credentials the caller's shell holds.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE

STEP_NAMES=()
STEP_RESULTS=()
STEP_SECONDS=()
STARTED_EMULATOR=0
RUN_START=$SECONDS

record() { # name result seconds
  STEP_NAMES+=("$1"); STEP_RESULTS+=("$2"); STEP_SECONDS+=("$3")
}

# run_step NAME CMD... : runs CMD, records PASS/FAIL and its duration, returns CMD's status.
run_step() {
  local name="$1"; shift
  local start=$SECONDS rc
  printf '\n==> %s\n' "$name"
  "$@"; rc=$?
  record "$name" "$([[ $rc -eq 0 ]] && echo PASS || echo "FAIL (exit $rc)")" $((SECONDS - start))
  return "$rc"
}

summary() {
  local rc=$? i passed=0 failed=0 skipped=0
  trap - INT TERM
  if [[ -n ${BACKGROUND_PID:-} ]]; then
    # Interrupted while the background step ran: stop it (it cleans up after itself on TERM).
    kill -TERM "$BACKGROUND_PID" 2>/dev/null; wait "$BACKGROUND_PID" 2>/dev/null
    record "${BACKGROUND_SCRIPT:-background step} (interrupted)" "FAIL (interrupted)" 0
  fi
  if (( STARTED_EMULATOR )); then
    run_step "emulator stop (port $EMULATOR_PORT)" scripts/emulator.sh stop || true
  fi
  printf '\n==================== test summary ====================\n'
  for i in "${!STEP_NAMES[@]}"; do
    printf '%-60s %-14s %5ss\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}" "${STEP_SECONDS[$i]}"
    case "${STEP_RESULTS[$i]}" in
      PASS) passed=$((passed + 1)) ;;
      SKIP) skipped=$((skipped + 1)) ;;
      *) failed=$((failed + 1)) ;;
    esac
  done
  printf '%s\n' '------------------------------------------------------'
  if [[ -f "$ROOT/payment-function/target/simulation-summary.txt" ]]; then
    head -1 "$ROOT/payment-function/target/simulation-summary.txt"
  fi
  if (( failed == 0 && rc != 0 )); then
    failed=1 # interrupted, or a step aborted before it could be recorded
  fi
  printf 'make test %s after %ss\n' "$( ((failed)) && echo FAILED || echo passed)" $((SECONDS - RUN_START))
  # Counts steps, not test cases (Maven prints those above); the plain line CI logs can be read by.
  printf 'steps: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
  ((failed)) && exit 1
  exit 0
}
trap summary EXIT
# Ctrl-C or a CI cancel still goes through the EXIT trap, so the emulator is stopped.
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. toolchain: nothing else can run without it -----------------------------------------
run_step "bootstrap (scripts/bootstrap.sh)" scripts/bootstrap.sh || exit 1
JAVA_HOME="$(cat "$ROOT/.tools/java-home")"
export JAVA_HOME

# --- 2. endpoint -------------------------------------------------------------------------------
if [[ -n "${AWS_ENDPOINT_URL:-}" ]]; then
  record "emulator: using AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL" SKIP 0
elif scripts/emulator.sh status >/dev/null 2>&1; then
  # Already running (another terminal or `make emulator-start`): reuse it, do not stop it.
  export AWS_ENDPOINT_URL="http://127.0.0.1:$EMULATOR_PORT"
  record "emulator: reusing the one on port $EMULATOR_PORT" SKIP 0
else
  # Set before starting, so a start that half-succeeds is still cleaned up by the trap.
  STARTED_EMULATOR=1
  run_step "emulator start (port $EMULATOR_PORT)" scripts/emulator.sh start || exit 1
  export AWS_ENDPOINT_URL="http://127.0.0.1:$EMULATOR_PORT"
fi

# --- 3. Maven: unit tests and integration tests ---------------------------------------------------
rm -f payment-function/target/simulation-summary.txt # never report a previous run's figure
run_step "maven verify (unit + integration tests)" ./mvnw -B -ntp verify
# The money simulator's one-line result (its test output goes to a file like every test's).
if [[ -f payment-function/target/simulation-summary.txt ]]; then
  head -1 payment-function/target/simulation-summary.txt
fi

# --- 4+5. the deploy end-to-end test runs in the background meanwhile ------------------------------
# It is the longest step and mostly waits on one AWS CLI process at a time, so the template checks
# and the other script tests use the second core beside it (different environment names and
# ports on the same emulator). Its output is printed, whole, when it ends.
BACKGROUND_SCRIPT=scripts/tests/deploy-e2e.sh
BACKGROUND_PID=""
if [[ -f $BACKGROUND_SCRIPT ]]; then
  mkdir -p .local
  BACKGROUND_LOG=".local/test-all-$(basename "$BACKGROUND_SCRIPT" .sh).log"
  BACKGROUND_START=$SECONDS
  printf '\n==> %s (in the background; output when it ends: %s)\n' "$BACKGROUND_SCRIPT" "$BACKGROUND_LOG"
  bash "$BACKGROUND_SCRIPT" > "$BACKGROUND_LOG" 2>&1 &
  BACKGROUND_PID=$!
fi

# --- 4. template checks --------------------------------------------------------------------------
if [[ -f scripts/check-template.sh ]]; then
  run_step "template checks (scripts/check-template.sh)" bash scripts/check-template.sh
else
  record "template checks (scripts/check-template.sh absent)" SKIP 0
fi

# --- 5. script-level tests -----------------------------------------------------------------------
shopt -s nullglob
test_scripts=(scripts/tests/*.sh)
shopt -u nullglob
if (( ${#test_scripts[@]} == 0 )); then
  record "script tests (no scripts/tests/*.sh)" SKIP 0
fi
for script in "${test_scripts[@]}"; do
  [[ $script == "$BACKGROUND_SCRIPT" ]] && continue
  run_step "$script" bash "$script"
done
if [[ -n $BACKGROUND_PID ]]; then
  wait "$BACKGROUND_PID"; rc=$?
  BACKGROUND_PID=""
  printf '\n==> %s\n' "$BACKGROUND_SCRIPT"
  cat "$BACKGROUND_LOG"
  record "$BACKGROUND_SCRIPT (background)" "$([[ $rc -eq 0 ]] && echo PASS || echo "FAIL (exit $rc)")" \
    $((SECONDS - BACKGROUND_START))
fi

# --- 6. secrets in logs: every log the run produced, scanned for tokens, API keys and PANs ------
run_step "log scan (scripts/tests/scan_logs.py)" python3 scripts/tests/scan_logs.py
