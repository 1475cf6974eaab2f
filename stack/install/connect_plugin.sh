#!/usr/bin/env bash
# Builds tickpipe's Kafka Connect plugin (stack/connect: the KeyToValueField
# and ValidateDocument transforms the sinks use) with Maven into .tools/jars/plugins/tickpipe-connect/.
# A second run is a no-op while the pom, the source and this script are
# unchanged (stamp beside the jar, so a fresh plugins folder rebuilds it).
#
#   bash stack/install/connect_plugin.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src="$root/stack/connect"
jars="$root/.tools/jars"
out="$jars/plugins/tickpipe-connect"
stamp="$out/.stamp"

want="$( (cat "${BASH_SOURCE[0]}"; find "$src" -type f | sort | xargs cat) | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$out/tickpipe-connect.jar" ]]; then
  echo "tickpipe Connect plugin is up to date in $out"
  exit 0
fi

source "$root/stack/install/_maven.sh"
require_jdk_and_maven
started=$SECONDS
rm -rf "$out" "$jars/tickpipe-connect-build"
mkdir -p "$out"
maven_package "$src/pom.xml" "$jars" "$jars/tickpipe-connect-maven.log"
echo "$want" >"$stamp"
echo "Built the tickpipe Connect plugin in $((SECONDS - started))s: $out/tickpipe-connect.jar"
