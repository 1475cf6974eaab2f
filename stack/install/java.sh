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

source "$root/stack/install/_maven.sh"
require_jdk_and_maven

started=$SECONDS
# Start clean so jars of a previous version never linger on the classpath
rm -rf "$jars/kafka" "$jars/plugins" "$stamp"
mkdir -p "$jars"

echo "Fetching Kafka and connector jars with Maven into $jars"
maven_package "$pom" "$jars" "$jars/maven.log"

# mongo-kafka-connect ships no ServiceLoader manifests; add them (as a small
# shim jar beside it) so Connect can run with plugin.discovery=service_load and
# skip the slow reflective plugin scan.
echo "Adding ServiceLoader manifests to the Connect plugins"
java -Dlog4j2.configurationFile="$root/stack/kafka/tools-log4j2.yaml" \
  -cp "$jars/kafka/*" org.apache.kafka.tools.ConnectPluginPath \
  sync-manifests --plugin-path "$jars/plugins" >/dev/null

echo "$want" >"$stamp"
echo "Installed Java stack jars in $((SECONDS - started))s: $(ls "$jars/kafka" | wc -l) jars in $jars/kafka, plugins in $jars/plugins"
