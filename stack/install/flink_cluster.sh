#!/usr/bin/env bash
# Installs what the cluster profile's Flink session cluster needs beyond the
# engine's jars and the S3 plugin (stack/install/flink.sh): ZooKeeper, from Maven
# Central (stack/flink/pom.xml) into .tools/jars/zookeeper/. A second run is a no-op while
# the pom and this script are unchanged (stamp: .tools/jars/.flink-cluster-stamp).
#
#   bash stack/install/flink_cluster.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pom="$root/stack/flink/pom.xml"
jars="$root/.tools/jars"
stamp="$jars/.flink-cluster-stamp"

want="$(cat "$pom" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "ZooKeeper jars are up to date in $jars/zookeeper"
  exit 0
fi

source "$root/stack/install/_maven.sh"
require_jdk_and_maven

started=$SECONDS
rm -rf "$jars/zookeeper" "$jars/flink-cluster-build" "$stamp"
mkdir -p "$jars"

echo "Fetching ZooKeeper with Maven into $jars/zookeeper"
maven_package "$pom" "$jars" "$jars/flink-cluster-maven.log"

echo "$want" >"$stamp"
echo "Installed ZooKeeper in $((SECONDS - started))s: $(ls "$jars/zookeeper" | wc -l) jars in $jars/zookeeper"
