#!/usr/bin/env bash
# Installs the Flink side of the ksqlDB-compatible server: Apache Flink's jars
# from Maven Central plus the small engine that embeds them, both built by
# ksqldb/flink/pom.xml into .tools/jars/flink/, and Flink's S3 file system
# plugin into .tools/jars/flink-plugins/. A second run is a no-op while the
# pom, the engine's source and this script are unchanged (stamp:
# .tools/jars/.flink-stamp).
#
#   bash stack/install/flink.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pom="$root/ksqldb/flink/pom.xml"
src="$root/ksqldb/flink/src"
jars="$root/.tools/jars"
stamp="$jars/.flink-stamp"

want="$( (cat "$pom" "${BASH_SOURCE[0]}"; find "$src" -type f -name '*.java' | sort | xargs cat) | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$jars/flink/tickpipe-flink-engine.jar" ]]; then
  echo "Flink jars are up to date in $jars/flink"
  exit 0
fi

source "$root/stack/install/_maven.sh"
require_jdk_and_maven

started=$SECONDS
# Start clean so jars of a previous version never linger on the classpath
rm -rf "$jars/flink" "$jars/flink-build" "$jars/flink-plugins" "$stamp"
mkdir -p "$jars"

echo "Fetching Flink jars and building the Flink engine with Maven into $jars/flink"
maven_package "$pom" "$jars" "$jars/flink-maven.log"

echo "$want" >"$stamp"
echo "Installed the Flink engine in $((SECONDS - started))s: $(ls "$jars/flink" | wc -l) jars in $jars/flink"
