#!/usr/bin/env bash
# Installs what the cluster profile's Flink session cluster needs beyond the
# engine's jars: Flink's S3 file system plugin and ZooKeeper, from Maven
# Central (stack/flink/pom.xml) into .tools/jars/. A second run is a no-op while
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
  echo "Flink cluster jars are up to date in $jars/zookeeper and $jars/flink-plugins"
  exit 0
fi

source "$root/stack/install/_maven.sh"
require_jdk_and_maven

started=$SECONDS
rm -rf "$jars/zookeeper" "$jars/flink-plugins" "$jars/flink-cluster-build" "$stamp"
mkdir -p "$jars"

echo "Fetching ZooKeeper and Flink's S3 plugin with Maven into $jars"
maven_package "$pom" "$jars" "$jars/flink-cluster-maven.log"

echo "$want" >"$stamp"
echo "Installed the Flink cluster jars in $((SECONDS - started))s: $(ls "$jars/zookeeper" | wc -l) ZooKeeper jars, the S3 plugin"
