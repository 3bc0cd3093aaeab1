# Sourced by ./vdm and ./build: finds a JDK >= 25 and exports JAVA_HOME and PATH for this process only.
# Order: JAVA_HOME if it is >= 25, then the newest >= 25 under /usr/lib/jvm. Fails with a clear message otherwise.
vdm_java_major() {
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  echo "${v%%.*}"
}
vdm_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(vdm_java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    echo "$JAVA_HOME"; return 0
  fi
  local best="" bestv=0 d v
  for d in /usr/lib/jvm/*; do
    [ -x "$d/bin/javac" ] || continue
    v=$(vdm_java_major "$d")
    [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null && [ "$v" -gt "$bestv" ] && { best=$d; bestv=$v; }
  done
  [ -n "$best" ] && { echo "$best"; return 0; }
  return 1
}
if ! VDM_JDK=$(vdm_find_jdk); then
  echo "vdm needs a JDK 25 or newer: set JAVA_HOME to one, or install one under /usr/lib/jvm (e.g. Temurin 25)." >&2
  exit 1
fi
export JAVA_HOME="$VDM_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
