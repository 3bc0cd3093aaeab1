#!/usr/bin/env bash
# Issue 16's probes of `vdm serve` with latency and live-heap figures (scripts/serve-probes.py says what each does).
#   scripts/serve-probes.sh        # about two minutes; prints a Markdown table, exit 1 if a probe fails
# Needs python3 and the JDK's jcmd (the JDK scripts/jdk.sh finds); builds the CLI jar through ./vdm if needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
command -v python3 >/dev/null || { echo "serve-probes: needs python3" >&2; exit 1; }
# shellcheck source=jdk.sh
source scripts/jdk.sh
PATH="$JAVA_HOME/bin:$PATH"
./vdm --version >/dev/null # builds the jar when sources changed
exec python3 scripts/serve-probes.py "$@"
