#!/usr/bin/env bash
# JMH benchmark of the metrics record path, run by hand (not in CI):
#   bash src/bench/jmh.sh                  # ns/op and, with -prof gc, bytes allocated per op
#   bash src/bench/jmh.sh -wi 5 -i 10      # more iterations (any JMH option)
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q -o test-compile 2>/dev/null || mvn -B -q test-compile
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test \
  2>/dev/null || mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" org.openjdk.jmh.Main \
  RecordBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc "$@"
