#!/usr/bin/env bash
# Installs the Flink side of the ksqlDB-compatible server: Apache Flink's jars
# from Maven Central plus the small engine that embeds them, both built by
# stack/flink/pom.xml into .tools/jars/flink/. A second run is a no-op while the
# pom, the engine's source and this script are unchanged (stamp:
# .tools/jars/.flink-stamp).
#
#   bash stack/install/flink.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pom="$root/stack/flink/pom.xml"
src="$root/stack/flink/src"
jars="$root/.tools/jars"
stamp="$jars/.flink-stamp"

want="$( (cat "$pom" "${BASH_SOURCE[0]}"; find "$src" -type f -name '*.java' | sort | xargs cat) | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$jars/flink/tickpipe-flink-engine.jar" ]]; then
  echo "Flink jars are up to date in $jars/flink"
  exit 0
fi

if ! command -v java >/dev/null 2>&1; then
  echo "Cannot find \"java\": install JDK 17 or newer (apt-get install openjdk-17-jdk-headless) or put it on PATH" >&2
  exit 1
fi
java_version="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
if [[ -z "$java_version" || "${java_version%%.*}" -lt 17 ]]; then
  echo "Found Java \"${java_version:-unknown}\" but Flink 2 needs 17 or newer: install openjdk-17-jdk-headless or set JAVA_HOME and PATH to a newer JDK" >&2
  exit 1
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "Cannot find \"mvn\": install Maven (apt-get install maven)" >&2
  exit 1
fi

started=$SECONDS
# Start clean so jars of a previous version never linger on the classpath
rm -rf "$jars/flink" "$jars/flink-build" "$stamp"
mkdir -p "$jars"

echo "Fetching Flink jars and building the Flink engine with Maven into $jars/flink"
if ! mvn -B -q -f "$pom" -Djars.dir="$jars" package >"$jars/flink-maven.log" 2>&1; then
  cat "$jars/flink-maven.log" >&2
  echo "Maven could not fetch or build \"$pom\" (log above, kept in $jars/flink-maven.log): check that Maven Central is reachable and that the engine compiles, then run this script again" >&2
  exit 1
fi

echo "$want" >"$stamp"
echo "Installed the Flink engine in $((SECONDS - started))s: $(ls "$jars/flink" | wc -l) jars in $jars/flink"
