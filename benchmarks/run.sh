#!/usr/bin/env bash
# Builds benchmarks/target/benchmarks.jar, works out keyless-core's class-path footprint, runs every benchmark
# (JMH, then the scale parts) and writes BENCHMARKS.md at the repository root. 6 to 7 minutes on 2 cores for JMH, about 3 more for the scale parts.
#
#   benchmarks/run.sh                        the whole suite
#   benchmarks/run.sh --quick                every benchmark shortened: checks the suite works, figures not for comparison
#   benchmarks/run.sh --only hot,refresh     some of hot, refresh, serve, cold, warm (the footprint is computed with them)
#   benchmarks/run.sh --only providers,fleet the scale parts: 1 to 1,000 providers in one JVM (3 min), and 10,000 pods
#                                            against one STS (seconds); each rewrites only its own section
#
# JMH's own output goes to benchmarks/target/run/*.log. Uses JAVA_HOME's java if set, else java on PATH.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
started="$(date +%s)"
work="$root/benchmarks/target/run"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
local_repo="${MAVEN_LOCAL_REPO:-$HOME/.m2/repository}"
version="$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' pom.xml | head -n 1)"

echo "==> benchmarks/run.sh: building benchmarks/target/benchmarks.jar"
./mvnw -B -q -pl benchmarks -am package -DskipTests

# The footprint goes with the JMH parts; a run of the scale parts alone skips it.
only=""
for ((i = 1; i <= $#; i++)); do
  if [[ "${!i}" == "--only" ]]; then
    next=$((i + 1))
    only="${!next:-}"
  fi
done
if [[ -n "$only" && -z "$(tr ',' '\n' <<<"$only" | grep -vxE 'providers|fleet' || true)" ]]; then
  echo "==> benchmarks/run.sh: scale parts only ($only); no footprint"
  revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  "$java" -cp benchmarks/target/benchmarks.jar dev.keyless.benchmarks.suite.Suite \
    --out "$root/BENCHMARKS.md" --work "$work" --revision "$revision" --started-at "$started" "$@"
  echo "==> benchmarks/run.sh: BENCHMARKS.md updated in $(( $(date +%s) - started )) s"
  exit 0
fi

echo "==> benchmarks/run.sh: footprint (class paths of a project on sts and of one on keyless-core $version)"
# keyless-core goes into a scratch repository in front of the usual one, so nothing is installed where other
# builds would pick it up.
scratch="$work/footprint-repo"
rm -rf "$scratch"
mkdir -p "$work"
maven_repos=(-Dmaven.repo.local="$scratch" -Dmaven.repo.local.tail="$local_repo")
./mvnw -B -q -pl .,core install -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true "${maven_repos[@]}"

probe() {
  local name="$1" dependency="$2"
  mkdir -p "$work/probe-$name"
  cat > "$work/probe-$name/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by benchmarks/run.sh: an application that depends on $name only. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>dev.keyless</groupId>
    <artifactId>keyless-parent</artifactId>
    <version>$version</version>
    <relativePath/>
  </parent>
  <artifactId>footprint-probe-$name</artifactId>
  <packaging>pom</packaging>
  <dependencies>
    $dependency
  </dependencies>
</project>
EOF
  ./mvnw -B -q -f "$work/probe-$name/pom.xml" "${maven_repos[@]}" \
    org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath \
    -Dmdep.includeScope=runtime -Dmdep.outputFile="$work/$name.classpath"
}
probe sts '<dependency><groupId>software.amazon.awssdk</groupId><artifactId>sts</artifactId></dependency>'
probe keyless-core '<dependency><groupId>dev.keyless</groupId><artifactId>keyless-core</artifactId></dependency>'

revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- core benchmarks pom.xml 2>/dev/null; then
  revision="$revision, with uncommitted changes"
fi

echo "==> benchmarks/run.sh: running the benchmarks with $("$java" -version 2>&1 | head -n 1)"
"$java" -cp benchmarks/target/benchmarks.jar dev.keyless.benchmarks.suite.Suite \
  --out "$root/BENCHMARKS.md" --work "$work" \
  --sts-classpath "$work/sts.classpath" --keyless-classpath "$work/keyless-core.classpath" \
  --revision "$revision" --started-at "$started" "$@"

echo "==> benchmarks/run.sh: BENCHMARKS.md written in $(( $(date +%s) - started )) s"
