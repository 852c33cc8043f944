#!/usr/bin/env bash
# JMH benchmarks, run by hand (not in CI), always with -prof gc (bytes allocated per op):
#   bash src/bench/jmh.sh                  # the metrics record path (RecordBenchmark)
#   bash src/bench/jmh.sh ProxyBenchmark   # real requests through an embedded Vigil; prints what
#                                          # Vigil's event loops allocate per proxied request
#   ITER="-wi 5 -w 2s -i 10 -r 2s" bash src/bench/jmh.sh   # other iterations; other JMH options
#                                          # (-p answer=small, -t 4) go after the benchmark name
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q -o test-compile 2>/dev/null || mvn -B -q test-compile
mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test \
  2>/dev/null || mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
bench=RecordBenchmark
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then bench=$1; shift; fi
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" org.openjdk.jmh.Main \
  "$bench" -f 1 ${ITER:--wi 3 -w 1s -i 5 -r 1s} -prof gc "$@"
