#!/usr/bin/env bash
# Runs JMH benchmarks with a JDK >= 25 (scripts/jdk.sh), building the benchmarks jar first when it is missing.
#   scripts/bench.sh 'TrappedAccessBenchmark.(dom0TrappedReadEcam|cmdWriteToggle)' -f 2 -prof gc
#   scripts/bench.sh IntxDeliveryBenchmark -prof gc
# Arguments after the pattern go to JMH unchanged (forks, iterations, profilers); README's figures use at least
# two forks (-f 2) and quote the spread between them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/scripts/jdk.sh"
jar="$here/benchmarks/target/benchmarks.jar"
if [ ! -f "$jar" ] || [ -n "${VDM_BENCH_REBUILD:-}" ]; then
  (cd "$here" && mvn -B -q -ntp -Dstyle.color=never -DskipTests -pl benchmarks -am package) >&2
fi
[ $# -ge 1 ] || { echo "usage: scripts/bench.sh PATTERN [JMH options]" >&2; exit 2; }
exec "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -jar "$jar" "$@"
