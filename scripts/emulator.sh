#!/usr/bin/env bash
# Starts/stops the pinned LocalStack-compatible emulator (MiniStack) on loopback.
#
#   scripts/emulator.sh start    # idempotent; waits for the health check
#   scripts/emulator.sh stop     # stops what `start` started
#   scripts/emulator.sh status   # exit 0 when healthy
#   scripts/emulator.sh restart
#
# Always LAMBDA_STRICT=1: without it MiniStack answers Java invokes with a fake
# 200 "Mock response". Strict mode fails loudly instead, and the local loop
# forwards invocations to the real handler through MINISTACK_LAMBDA_PROXY_<name>.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${EMULATOR_PORT:-4566}"
HOST=127.0.0.1
STATE="$ROOT/.local/emulator-$PORT"
PID_FILE="$STATE/pid"
LOG_FILE="$STATE/emulator.log"
HEALTH_URL="http://$HOST:$PORT/_ministack/health"
BIN="$ROOT/.tools/bin/ministack"

healthy() { curl -fsS -m 2 "$HEALTH_URL" >/dev/null 2>&1; }

start() {
  [[ -x "$BIN" ]] || "$ROOT/scripts/bootstrap.sh"
  if healthy; then
    echo "emulator: already healthy at http://$HOST:$PORT"
    return 0
  fi
  mkdir -p "$STATE"
  # Its own process group, so `stop` can take down hypercorn workers too.
  # Extra MINISTACK_LAMBDA_PROXY_<function> variables in our environment pass through.
  BIND_HOST="$HOST" GATEWAY_PORT="$PORT" LAMBDA_STRICT=1 TMPDIR="$STATE" \
    MINISTACK_REGION=us-east-1 LOG_LEVEL="${EMULATOR_LOG_LEVEL:-WARNING}" \
    setsid "$BIN" >"$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  for _ in $(seq 1 150); do
    if healthy; then
      echo "emulator: healthy at http://$HOST:$PORT (pid $(cat "$PID_FILE"), log $LOG_FILE)"
      return 0
    fi
    if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
      echo "emulator: exited during start-up; last log lines:" >&2
      tail -20 "$LOG_FILE" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "emulator: no health answer from $HEALTH_URL after 30 s; see $LOG_FILE" >&2
  return 1
}

stop() {
  if [[ -f "$PID_FILE" ]]; then
    local pid; pid="$(cat "$PID_FILE")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    echo "emulator: stopped"
  else
    echo "emulator: not started by this script"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if healthy; then echo "emulator: healthy at http://$HOST:$PORT"; else echo "emulator: down"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
