#!/usr/bin/env bash
# `make bench`: measures the cold path, the warm overhead, package size and memory, and local throughput, each
# side by side with its baseline, and writes the tables of docs/benchmarks.md. Runs on a clean machine:
#   1. scripts/bootstrap.sh (pinned tools, JDK 25 check), wrk from Debian if missing (apt-get, as root)
#   2. ./mvnw package (payment-function.jar, benchmarks-baseline.jar, the driver)        [BENCH_BUILD=0 skips]
#   3. its own emulator on BENCH_EMULATOR_PORT (default 4610; refuses a port already in use), stopped on exit
#   4. the driver (benchmarks/driver, com.acme.payments.bench.Bench): phases package, cold, warm, throughput. The cold
#      phase also runs hello, the baseline and the function as Lambda handlers under aws-lambda-rie + the Java runtime
#      interface client (built by bootstrap / local-runtime), timed from the emulator's process start
# Results: $BENCH_OUT (default benchmarks/target/bench-results): results.md, raw CSVs, logs.
# BENCH_UPDATE_DOCS=1 also replaces the generated section of docs/benchmarks.md with results.md.
#
# Knobs (environment, defaults in brackets): BENCH_PHASES [package,cold,warm,throughput], BENCH_COLD_RUNS [10],
# BENCH_WARM_ITERATIONS [1000], BENCH_WARM_WARMUP [300], BENCH_TP_ROUNDS [10], BENCH_TP_SECONDS [5],
# BENCH_TP_CONNECTIONS [16], BENCH_TP_THREADS [2], BENCH_PIN [auto|off]. About 10-12 minutes with the defaults on
# 2 cores, plus the build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${BENCH_EMULATOR_PORT:-4610}"
OUT="${BENCH_OUT:-$ROOT/benchmarks/target/bench-results}"
PHASES="${BENCH_PHASES:-package,cold,warm,throughput}"

say() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }

# --- 1. tools --------------------------------------------------------------------------------------------------
"$ROOT/scripts/bootstrap.sh"
JAVA_HOME="$(cat "$ROOT/.tools/java-home")"
export JAVA_HOME
if [[ ",$PHASES," == *",throughput,"* ]] && ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk (apt-get)"
  if [[ $(id -u) -ne 0 ]]; then
    say "wrk is missing and this is not root: install it with 'sudo apt-get install wrk'"; exit 1
  fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

# --- 2. build ----------------------------------------------------------------------------------------------------
if [[ "${BENCH_BUILD:-1}" != "0" ]]; then
  say "building (./mvnw -B -q -ntp -DskipTests package)"
  "$ROOT/mvnw" -B -q -ntp -f "$ROOT/pom.xml" -DskipTests package
fi
FUNCTION_JAR="$ROOT/payment-function/target/payment-function.jar"
BASELINE_JAR="$ROOT/benchmarks/baseline/target/benchmarks-baseline.jar"
DRIVER_JAR="$ROOT/benchmarks/driver/target/benchmarks-driver.jar"
CHILD_JAR="$ROOT/benchmarks/driver/target/benchmarks-driver-child.jar"
CLASSPATH_FILE="$ROOT/benchmarks/driver/target/classpath.txt"
for f in "$FUNCTION_JAR" "$BASELINE_JAR" "$DRIVER_JAR" "$CHILD_JAR" "$CLASSPATH_FILE"; do
  [[ -f "$f" ]] || { say "missing $f: build first (BENCH_BUILD=1)"; exit 1; }
done

# --- CPU placement: emulator on CPU 0; driver, cold-path children and the local API server on CPU 1 ------------
EMU_PIN=()
RUN_PIN=()
CHILD_CPUS=""
if [[ "${BENCH_PIN:-auto}" != "off" ]] && command -v taskset >/dev/null 2>&1 && (( $(nproc) >= 2 )); then
  EMU_PIN=(taskset -c 0)
  RUN_PIN=(taskset -c 1)
  CHILD_CPUS=1
fi

# --- 3. our own emulator -------------------------------------------------------------------------------------------
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  say "port $PORT is already in use; set BENCH_EMULATOR_PORT to a free port (the benchmark needs an emulator of its own)"
  exit 1
fi
export EMULATOR_PORT="$PORT"
cleanup() { EMULATOR_PORT="$PORT" "$ROOT/scripts/emulator.sh" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"${EMU_PIN[@]}" "$ROOT/scripts/emulator.sh" start >&2
EMULATOR_VERSION="MiniStack $("$ROOT/.tools/venvs/ministack/bin/python" -c 'import importlib.metadata as m; print(m.version("ministack"))' 2>/dev/null || echo '?') on 127.0.0.1:$PORT${EMU_PIN:+ (taskset -c 0)}"

# The benchmark never reaches a real account, whatever the caller's shell holds.
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS

# --- 4. the driver -------------------------------------------------------------------------------------------------
rm -rf "$OUT"
mkdir -p "$OUT"
say "running phases $PHASES; results in $OUT"
# The handler's own log lines (access log, EMF metrics) go to stdout, as in Lambda: kept in a file.
"${RUN_PIN[@]}" "$JAVA_HOME/bin/java" -XX:+UseSerialGC \
  -cp "$DRIVER_JAR:$(cat "$CLASSPATH_FILE")" com.acme.payments.bench.Bench \
  --out "$OUT" --function-jar "$FUNCTION_JAR" --baseline-jar "$BASELINE_JAR" --child-jar "$CHILD_JAR" \
  --runtime-classpath "$CLASSPATH_FILE" --phases "$PHASES" --child-cpus "$CHILD_CPUS" --emulator "$EMULATOR_VERSION" \
  --emulator-pid "$(cat "$ROOT/.local/emulator-$PORT/pid" 2>/dev/null || echo -1)" \
  --cold-runs "${BENCH_COLD_RUNS:-10}" --warm-iterations "${BENCH_WARM_ITERATIONS:-1000}" \
  --warm-warmup "${BENCH_WARM_WARMUP:-300}" --tp-rounds "${BENCH_TP_ROUNDS:-10}" --tp-seconds "${BENCH_TP_SECONDS:-5}" \
  --tp-connections "${BENCH_TP_CONNECTIONS:-16}" --tp-threads "${BENCH_TP_THREADS:-2}" \
  >"$OUT/driver-stdout.log" 2> >(tee "$OUT/driver.log" >&2)

cat "$OUT/results.md"
if [[ "${BENCH_UPDATE_DOCS:-0}" == "1" ]]; then
  DOC="$ROOT/docs/benchmarks.md"
  python3 - "$DOC" "$OUT/results.md" <<'PY'
import sys
doc, results = sys.argv[1], sys.argv[2]
text = open(doc).read()
start, end = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
if start not in text or end not in text:
    sys.exit(f"{doc} has no {start} ... {end} section")
head, rest = text.split(start, 1)
_, tail = rest.split(end, 1)
open(doc, "w").write(head + start + "\n" + open(results).read().rstrip() + "\n" + end + tail)
PY
  say "updated the generated section of docs/benchmarks.md"
fi
say "done: $OUT/results.md"
