#!/usr/bin/env bash
# Runs one fuzz target's body in a plain loop over a corpus, without Jazzer (dev.censorsim.testing.FuzzTargetLoop):
# executions per second and per CPU-second, the half after a JIT warm-up. For finding where a slow target's time goes
# and for A/B comparisons of two builds (run both at once so they share the machine's load).
#   scripts/fuzz-loop.sh 'LoaderFuzzTargetsTest#scenario'            # 30 s over the committed seeds
#   scripts/fuzz-loop.sh 'LoaderFuzzTargetsTest#policy' 60 simulator-core/.cifuzz-corpus/dev.censorsim.policy.LoaderFuzzTargetsTest/policy
#   JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/policy.jfr,settings=profile' scripts/fuzz-loop.sh 'LoaderFuzzTargetsTest#policy'
# Leak detection is off unless JAVA_OPTS says otherwise (the -Pfuzz runs use "simple"). Needs a test-compiled tree:
# mvn -o -q -B -pl simulator-core test-compile
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz-loop.sh Class#method [SECONDS] [CORPUS_DIR]}
class=${target%%#*}
method=${target##*#}
source=$(find simulator-core/src/test/java -name "$class.java" | head -1)
[ -n "$source" ] || { echo "no test class $class under simulator-core/src/test/java" >&2; exit 2; }
package=$(sed -n 's/^package \(.*\);/\1/p' "$source")
corpus=${3:-simulator-core/src/test/resources/${package//.//}/${class}Inputs/$method}
cp_file=simulator-core/target/fuzz-loop.classpath
if [ ! -s "$cp_file" ] || [ simulator-core/pom.xml -nt "$cp_file" ]; then
  mvn -o -q -B -pl simulator-core dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$cp_file" >/dev/null
fi
exec java -Dslf4j.internal.verbosity=ERROR -Dio.netty.leakDetection.level=disabled ${JAVA_OPTS:-} \
    -cp "simulator-core/target/test-classes:simulator-core/target/classes:$(cat "$cp_file")" \
    dev.censorsim.testing.FuzzTargetLoop "$package.$class" "$method" "$corpus" "${2:-30}"
