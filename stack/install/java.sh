#!/usr/bin/env bash
# Installs the Java side of the local stack: Kafka (broker, Connect, tools) and
# the MongoDB sink connector, as jars fetched from Maven Central by
# stack/java/pom.xml into .tools/jars/. A second run is a no-op while the pom
# and this script are unchanged (stamp: .tools/jars/.stamp).
#
#   bash stack/install/java.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pom="$root/stack/java/pom.xml"
jars="$root/.tools/jars"
stamp="$jars/.stamp"

want="$(cat "$pom" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -d "$jars/kafka" ]]; then
  echo "Java stack jars are up to date in $jars"
  exit 0
fi

if ! command -v java >/dev/null 2>&1; then
  echo "Cannot find \"java\": install JDK 17 or newer (apt-get install openjdk-17-jdk-headless) or put it on PATH" >&2
  exit 1
fi
java_version="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
if [[ -z "$java_version" || "${java_version%%.*}" -lt 17 ]]; then
  echo "Found Java \"${java_version:-unknown}\" but Kafka 4 needs 17 or newer: install openjdk-17-jdk-headless or set JAVA_HOME and PATH to a newer JDK" >&2
  exit 1
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "Cannot find \"mvn\": install Maven (apt-get install maven)" >&2
  exit 1
fi

started=$SECONDS
# Start clean so jars of a previous version never linger on the classpath
rm -rf "$jars/kafka" "$jars/plugins" "$stamp"
mkdir -p "$jars"

echo "Fetching Kafka and connector jars with Maven into $jars"
if ! mvn -B -q -f "$pom" -Djars.dir="$jars" package >"$jars/maven.log" 2>&1; then
  cat "$jars/maven.log" >&2
  echo "Maven could not fetch the jars of \"$pom\" (log above, kept in $jars/maven.log): check that Maven Central is reachable, then run this script again" >&2
  exit 1
fi

# mongo-kafka-connect ships no ServiceLoader manifests; add them (as a small
# shim jar beside it) so Connect can run with plugin.discovery=service_load and
# skip the slow reflective plugin scan.
echo "Adding ServiceLoader manifests to the Connect plugins"
java -Dlog4j2.configurationFile="$root/stack/kafka/tools-log4j2.yaml" \
  -cp "$jars/kafka/*" org.apache.kafka.tools.ConnectPluginPath \
  sync-manifests --plugin-path "$jars/plugins" >/dev/null

echo "$want" >"$stamp"
echo "Installed Java stack jars in $((SECONDS - started))s: $(ls "$jars/kafka" | wc -l) jars in $jars/kafka, plugins in $jars/plugins"
