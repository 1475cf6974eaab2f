# Shared by stack/install/java.sh and flink.sh (source it; it defines functions only).

# Exits with what to install unless a JDK 17+ and Maven are on PATH.
require_jdk_and_maven() {
  if ! command -v java >/dev/null 2>&1; then
    echo "Cannot find \"java\": install JDK 17 or newer (apt-get install openjdk-17-jdk-headless) or put it on PATH" >&2
    exit 1
  fi
  local version
  version="$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
  if [[ -z "$version" || "${version%%.*}" -lt 17 ]]; then
    echo "Found Java \"${version:-unknown}\" but Kafka 4 and Flink 2 need 17 or newer: install openjdk-17-jdk-headless or set JAVA_HOME and PATH to a newer JDK" >&2
    exit 1
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    echo "Cannot find \"mvn\": install Maven (apt-get install maven)" >&2
    exit 1
  fi
}

# maven_package POM JARS_DIR LOG: runs "mvn package" on POM with -Djars.dir,
# quietly; on failure prints the log and exits.
maven_package() {
  local pom="$1" jars="$2" log="$3"
  if ! mvn -B -q -f "$pom" -Djars.dir="$jars" package >"$log" 2>&1; then
    cat "$log" >&2
    echo "Maven could not fetch or build \"$pom\" (log above, kept in $log): check that Maven Central is reachable, then run this script again" >&2
    exit 1
  fi
}
