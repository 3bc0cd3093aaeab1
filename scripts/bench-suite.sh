#!/usr/bin/env bash
# The performance table of README ("Performance: the suite"), measured in one run and written with the machine's
# description and the date, so anyone can re-measure it:
#   scripts/bench-suite.sh                 # about 20 minutes on 2 cores; writes benchmarks/results/suite-DATE.md
#   FORKS=2 scripts/bench-suite.sh         # fewer forks (the suite's default is 3, for the spread between forks)
# It builds the benchmarks jar (mvn package), runs JMH with -prof gc on the suite below (avgt, 3x1 s warm-up and
# 5x1 s measurement per fork), then the heap per device and per domain (HeapPerDevice, a JVM of its own), and prints
# the table: for each benchmark its per-fork means lowest to highest, their spread ((max-min)/min), and B/op.
# Run it on an otherwise idle machine: the table records the load average at the start and at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
source scripts/jdk.sh
command -v python3 >/dev/null || { echo "bench-suite: needs python3 (to write the table)" >&2; exit 1; }
: "${FORKS:=3}" "${SUITE:=vdm.bench.pci.ConfigAccessBenchmark|vdm.bench.system.AssembledModelBenchmark|vdm.bench.system.ScaleBenchmark}"
./build -B -ntp -q -Dstyle.color=never -DskipTests -pl benchmarks -am package >&2
jar=benchmarks/target/benchmarks.jar
out=benchmarks/results
mkdir -p "$out"
stamp=$(date -u +%Y-%m-%dT%H%MZ)
json="$out/suite-$stamp.json"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
"$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -jar "$jar" "$SUITE" -p engine=TABLE,COMPILED \
  -f "$FORKS" -wi 3 -w 1 -i 5 -r 1 -prof gc -rf json -rff "$json" >&2
heap=$("$JAVA_HOME/bin/java" -Xmx4g -cp "$jar" vdm.bench.system.HeapPerDevice 10000 1000)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
machine="$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
python3 - "$json" "$stamp" "$machine" "$load_start" "$load_end" "$FORKS" "$heap" > "$out/suite-$stamp.md" <<'PY'
import json, sys
path, stamp, machine, l0, l1, forks, heap = sys.argv[1:]
runs = json.load(open(path))
print(f"Measured {stamp} by `scripts/bench-suite.sh` ({forks} forks each, 3x1 s warm-up, 5x1 s measurement, avgt, -prof gc).")
print(f"Machine: {machine}. Load average (1/5/15 min) {l0} at the start, {l1} at the end.\n")
print("| benchmark | params | fork means, ns/op | spread | B/op |")
print("|---|---|---|---|---|")
for r in runs:
    name = r["benchmark"].split(".", 3)[-1].replace("vdm.bench.", "")
    params = ", ".join(f"{k}={v}" for k, v in (r.get("params") or {}).items())
    forks_raw = r["primaryMetric"]["rawData"]
    means = sorted(sum(f) / len(f) for f in forks_raw)
    spread = (means[-1] - means[0]) / means[0] * 100 if means[0] else 0
    sm = r.get("secondaryMetrics", {})
    gc = (sm.get("gc.alloc.rate.norm") or sm.get("\u00b7gc.alloc.rate.norm") or {}).get("score")
    fm = " / ".join(f"{m:.2f}" for m in means)
    print(f"| {name} | {params} | {fm} | {spread:.0f} % | {'' if gc is None else f'{gc:.1f}'} |")
print()
for line in heap.splitlines():
    print(f"- {line}")
PY
cat "$out/suite-$stamp.md"
echo "bench-suite: wrote $out/suite-$stamp.md (raw JMH results: $json)" >&2
