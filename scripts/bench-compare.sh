#!/usr/bin/env bash
# Runs the same JMH benchmarks on two revisions of vdm, one after the other on this machine, so that a change is
# measured against its base under the same conditions (README, "Before and after").
#   scripts/bench-compare.sh f8ed91e HEAD 'TrappedAccessBenchmark.(dom0TrappedReadEcam|dom0TrappedReadCf8|cmdWriteToggle)' -p devices=1 -f 2 -prof gc
# Each revision is built in a temporary git worktree (nothing is installed); results go to bench-OLD.json and
# bench-NEW.json in the current directory, JMH's text output to the terminal.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/scripts/jdk.sh"
[ $# -ge 3 ] || { echo "usage: scripts/bench-compare.sh OLD_REV NEW_REV PATTERN [JMH options]" >&2; exit 2; }
old=$1 new=$2; shift 2
work=$(mktemp -d)
trap 'for r in old new; do git -C "$here" worktree remove --force "$work/$r" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT
for r in old new; do
  rev=${!r}
  git -C "$here" worktree add --detach "$work/$r" "$rev" >/dev/null
  (cd "$work/$r" && mvn -B -q -ntp -Dstyle.color=never -DskipTests -pl benchmarks -am package) >&2
done
for r in old new; do
  echo "== $r (${!r})"
  "$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED \
    -jar "$work/$r/benchmarks/target/benchmarks.jar" "$@" -rf json -rff "$PWD/bench-$r.json"
done
