#!/usr/bin/env bash
# QMP figures with a client outside the JVM (benchmarks/src/main/c/qmpload.c), for vdm and QEMU 7.2 in one run,
# then libxl's whole attach/detach conversation against vdm's per-domain socket.
#   scripts/qmp-external.sh            # about two minutes; prints a Markdown table
# QEMU runs with the cheapest machine it has (-machine none -accel tcg -S): nothing but the monitor, so its
# figures are those of QEMU's QMP path alone (monitor/qmp.c answers one request at a time per monitor, and its
# chardev serves one client at a time). Each generic mode runs twice against each server (as JMH forks: quote the
# spread); every run of a mode but `clients` warms up on N/5 operations first. The per-server operation counts
# differ (QEMU is slower) so that each run lasts a second or more: override with VDM_N_* / QEMU_N_* below.
# Environment: HOSTADDR (the device libxl mode passes through; default the built-in host's first assignable
# endpoint, 0000:00:02.0), POLL_MS (libxl's poll interval, 1000 in libxl; 0 here), KEEP=1 keeps the temp dir.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

: "${VDM_N_LOCKSTEP:=20000}" "${VDM_N_PIPELINED:=200000}" "${VDM_N_CLIENTS:=200000}" "${VDM_N_CONNECT:=3000}"
: "${QEMU_N_LOCKSTEP:=5000}" "${QEMU_N_PIPELINED:=10000}" "${QEMU_N_CLIENTS:=10000}" "${QEMU_N_CONNECT:=500}"
: "${N_LIBXL:=3000}" "${HOSTADDR:=0000:00:02.0}" "${POLL_MS:=0}" "${DEPTH:=64}" "${CLIENTS:=16}"

command -v gcc >/dev/null || { echo "qmp-external: needs gcc" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "qmp-external: needs qemu-system-x86_64 (apt-get install qemu-system-x86)" >&2; exit 1; }

mkdir -p benchmarks/target
client=benchmarks/target/qmpload
if [ ! -x "$client" ] || [ benchmarks/src/main/c/qmpload.c -nt "$client" ]; then
  gcc -O2 -std=c11 -Wall -Wextra -pthread -o "$client" benchmarks/src/main/c/qmpload.c
fi

# The CLI jar: ./vdm builds it when sources changed (with mvn install); build it here with package instead.
jar=qmp/target/vdm.jar
if [ ! -f "$jar" ] || [ -n "$(find . -path ./.git -prune -o \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) -newer "$jar" -print | grep -v /src/test/ | grep -v '^./benchmarks/' | head -n 1)" ]; then
  echo "qmp-external: building the CLI jar..." >&2
  ./build -B -ntp -q -Dstyle.color=never -DskipTests -pl qmp -am package >&2
fi

dir="$(mktemp -d /tmp/vdm-qmp-external.XXXXXX)"
vdm_pid="" qemu_pid=""
cleanup() { # no set -e here: wait returns the killed server's status
  set +e
  for p in $vdm_pid $qemu_pid; do kill "$p" 2>/dev/null; done
  for p in $vdm_pid $qemu_pid; do wait "$p" 2>/dev/null; done
  if [ -z "${KEEP:-}" ]; then rm -rf "$dir"; else echo "qmp-external: kept $dir" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

libxl_flag=()
if ./vdm serve --help 2>/dev/null | grep -q -- '--libxl-dir'; then libxl_flag=(--libxl-dir "$dir"); fi
./vdm serve --qmp "unix:$dir/vdm.sock" "${libxl_flag[@]}" >"$dir/vdm.out" 2>"$dir/vdm.err" &
vdm_pid=$!
qemu-system-x86_64 -machine none -accel tcg -S -nodefaults -display none \
  -qmp "unix:$dir/qemu.sock,server=on,wait=off" >"$dir/qemu.out" 2>&1 &
qemu_pid=$!
for _ in $(seq 1 300); do
  [ -S "$dir/vdm.sock" ] && [ -S "$dir/qemu.sock" ] && break
  kill -0 "$vdm_pid" 2>/dev/null || { cat "$dir/vdm.err" >&2; echo "qmp-external: vdm serve exited" >&2; exit 1; }
  sleep 0.1
done
[ -S "$dir/vdm.sock" ] && [ -S "$dir/qemu.sock" ] || { echo "qmp-external: a server did not start" >&2; exit 1; }
echo "qmp-external: vdm $("$client" raw "$dir/vdm.sock" '{"execute":"query-version"}')" >&2
echo "qmp-external: QEMU $("$client" raw "$dir/qemu.sock" '{"execute":"query-version"}')" >&2

# field KEY LINE: the value of KEY=... in a qmpload result line
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
rows=()
# run LABEL MODE ARGS...: two runs against each server; one table row of ops/s (and one of latency for lockstep)
run() {
  local label=$1 mode=$2; shift 2
  local v1 v2 q1 q2 nv nq
  nv=$(eval echo "\$VDM_N_${mode^^}") nq=$(eval echo "\$QEMU_N_${mode^^}")
  echo "qmp-external: $label..." >&2
  v1=$("$client" "$mode" "$dir/vdm.sock" "$nv" "$@"); v2=$("$client" "$mode" "$dir/vdm.sock" "$nv" "$@")
  q1=$("$client" "$mode" "$dir/qemu.sock" "$nq" "$@"); q2=$("$client" "$mode" "$dir/qemu.sock" "$nq" "$@")
  rows+=("| $label | $(field ops_per_s "$v1") | $(field ops_per_s "$v2") | $(field ops_per_s "$q1") | $(field ops_per_s "$q2") |")
  if [ "$mode" = lockstep ]; then
    local l
    l() { echo "$(field p50_us "$1") / $(field p99_us "$1") / $(field p999_us "$1")"; }
    rows+=("| one client lock-step latency p50 / p99 / p99.9 (us) | $(l "$v1") | $(l "$v2") | $(l "$q1") | $(l "$q2") |")
  fi
}
run "one client lock-step (query-version/s)" lockstep
run "one client pipelined ($DEPTH in flight, /s)" pipelined "$DEPTH"
run "$CLIENTS clients pipelined ($DEPTH in flight each, /s)" clients "$CLIENTS" "$DEPTH"
run "fresh connection per command: greeting, qmp_capabilities, query-version, close (/s)" connect

libxl_row=""
if [ ${#libxl_flag[@]} -gt 0 ]; then
  # A guest (its socket DIR/qmp-libxl-DOMID appears), and the device made assignable (pciback) if it is not yet.
  domid=$(field domid "$("$client" raw "$dir/vdm.sock" '{"execute":"x-vdm-domain-create"}' | tr -d ' {}"' | tr ':' '=')")
  [ -n "$domid" ] || { echo "qmp-external: x-vdm-domain-create gave no domid" >&2; exit 1; }
  if ! "$client" raw "$dir/vdm.sock" '{"execute":"x-vdm-assignable-list"}' | grep -q "\"$HOSTADDR\""; then
    "$client" raw "$dir/vdm.sock" "{\"execute\":\"x-vdm-assignable-add\",\"arguments\":{\"hostaddr\":\"$HOSTADDR\"}}" >/dev/null
  fi
  for _ in $(seq 1 50); do [ -S "$dir/qmp-libxl-$domid" ] && break; sleep 0.1; done
  echo "qmp-external: libxl conversation on qmp-libxl-$domid with $HOSTADDR..." >&2
  x1=$("$client" libxl "$dir" "$domid" "$HOSTADDR" "$N_LIBXL" "$POLL_MS")
  x2=$("$client" libxl "$dir" "$domid" "$HOSTADDR" "$N_LIBXL" "$POLL_MS")
  xl() { echo "$(field cycles_per_s "$1") (attach $(field attach_us "$1") us, detach $(field detach_us "$1") us, $(field polls_per_cycle "$1") polls, slot $(field guest_slot "$1"))"; }
  libxl_row="| libxl attach+query-pci, detach+query-pci+polls (cycles/s) | $(xl "$x1") | $(xl "$x2") | (no Xen under QEMU here) | |"
else
  echo "qmp-external: this vdm serve has no --libxl-dir: libxl mode skipped" >&2
fi

echo
echo "| mode | vdm run 1 | vdm run 2 | QEMU 7.2 run 1 | QEMU 7.2 run 2 |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
[ -n "$libxl_row" ] && echo "$libxl_row"
echo
echo "vdm N: lockstep $VDM_N_LOCKSTEP, pipelined $VDM_N_PIPELINED, clients $VDM_N_CLIENTS, connect $VDM_N_CONNECT; QEMU N: $QEMU_N_LOCKSTEP, $QEMU_N_PIPELINED, $QEMU_N_CLIENTS, $QEMU_N_CONNECT; libxl N $N_LIBXL, poll interval ${POLL_MS} ms; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
