#!/usr/bin/env bash
# The JSON routes off Jackson databind, measured in isolation (docs/benchmarks.md, "Routes off databind"): the same
# hot-path JSON work with jackson-databind (today), streaming jackson-core, and jackson-jr, one fresh JVM each with
# the cold-path flags, interleaved ROUNDS times; then one -Xlog:class+load run each for the class counts.
# Usage: benchmarks/json-routes/run.sh [ROUNDS=9]   (needs scripts/bootstrap.sh's JDK; fetches the jars with ./mvnw)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROUNDS="${1:-9}"
JAVA_HOME="$(cat "$ROOT/.tools/java-home")"
OUT="$ROOT/benchmarks/target/json-routes"
mkdir -p "$OUT/classes"
M2="${MAVEN_REPO:-$HOME/.m2/repository}"
CP=""
for gav in com.fasterxml.jackson.core:jackson-core:2.23.0 com.fasterxml.jackson.core:jackson-databind:2.23.0 \
           com.fasterxml.jackson.core:jackson-annotations:2.23 com.fasterxml.jackson.jr:jackson-jr-objects:2.23.0; do
  IFS=: read -r g a v <<<"$gav"
  jar="$M2/${g//.//}/$a/$v/$a-$v.jar"
  [[ -f "$jar" ]] || JAVA_HOME="$JAVA_HOME" "$ROOT/mvnw" -q -B -ntp dependency:get -Dartifact="$gav" >/dev/null
  CP="$CP:$jar"
done
"$JAVA_HOME/bin/javac" -nowarn -d "$OUT/classes" -cp "$CP" "$ROOT/benchmarks/json-routes/JsonRoutes.java"
FLAGS=(-XX:+UseSerialGC -XX:+TieredCompilation -XX:TieredStopAtLevel=1 -XX:MaxRAM=1g)
: > "$OUT/times.txt"
for r in $(seq 1 "$ROUNDS"); do
  for v in none core jr databind; do
    s=$(date +%s%N)
    work=$("$JAVA_HOME/bin/java" "${FLAGS[@]}" -cp "$OUT/classes$CP" JsonRoutes "$v" | awk '{print $3}')
    e=$(date +%s%N)
    echo "$r $v $(( (e - s) / 1000000 )) ${work%us}" >> "$OUT/times.txt"
  done
done
for v in none core jr databind; do
  "$JAVA_HOME/bin/java" "${FLAGS[@]}" -Xlog:class+load=info:file="$OUT/classload-$v.log" -cp "$OUT/classes$CP" JsonRoutes "$v" >/dev/null
done
python3 - "$OUT" <<'PY'
import collections, statistics as st, sys, re
out = sys.argv[1]
proc, work, by_round = collections.defaultdict(list), collections.defaultdict(list), collections.defaultdict(dict)
for line in open(f"{out}/times.txt"):
    r, v, ms, us = line.split()
    proc[v].append(int(ms)); work[v].append(int(us) / 1000); by_round[int(r)][v] = int(us)
print("| route | classes loaded (whole JVM) | of them Jackson | JSON work ms, median | process ms, median | JSON work / databind, paired median |")
print("|---|---:|---:|---:|---:|---:|")
for v in ["none", "core", "jr", "databind"]:
    log = open(f"{out}/classload-{v}.log").read()
    classes = len(re.findall(r"\[class,load\]", log)); jackson = len(re.findall(r"\[class,load\] com\.fasterxml", log))
    ratio = "—" if v == "none" else "%.2f" % st.median(by_round[r][v] / by_round[r]["databind"] for r in by_round)
    print(f"| {v} | {classes:,} | {jackson} | {st.median(work[v]):.1f} | {st.median(proc[v]):.0f} | {ratio} |")
PY
