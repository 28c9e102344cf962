#!/usr/bin/env bash
# Integration run of training-spark on a real standalone Spark cluster on this machine: a Master and 2 Workers
# (1 core each) on 127.0.0.1, started from the Maven jars, then `spark-train` as the driver, with the application
# jar (training-spark's classes) shipped to the executors by SparkConf.setJars (--jars).
#
#   tools/spark_standalone.sh [averaging|sharing] [epochs]      KILL_WORKER_AFTER=S to kill worker 2 S seconds in
#
# Not part of CI (it starts 5 JVMs and trains for minutes). Prints the timings; logs under $WORK.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-averaging}
EPOCHS=${2:-3}
KILL_AFTER=${KILL_WORKER_AFTER:-0}
WORK=${WORK:-/tmp/resnext4j-spark-cluster}
rm -rf "$WORK"; mkdir -p "$WORK"

echo "== build (install) and the workers' SPARK_HOME/jars (dependency:copy-dependencies)"
mvn -B -q -DskipTests install -pl training-spark -am
mvn -B -q -pl training-spark dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$WORK/spark-home/jars"
APP_JAR=$(ls "$PWD"/training-spark/target/training-spark-*.jar | head -1)
# every Spark JVM binds to loopback only
export SPARK_HOME="$WORK/spark-home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
OPENS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED"
CP="$SPARK_HOME/jars/*"
LOGBACK="-Dlogback.configurationFile=$PWD/training-spark/conf/logback.xml"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "== master and 2 workers on 127.0.0.1"
java -Xmx512m $OPENS $LOGBACK -cp "$CP" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7077 \
  --webui-port 18080 > "$WORK/master.log" 2>&1 & PIDS+=($!)
sleep 5
for w in 1 2; do
  SPARK_WORKER_DIR="$WORK/worker$w" java -Xmx512m $OPENS $LOGBACK -cp "$CP" org.apache.spark.deploy.worker.Worker \
    spark://127.0.0.1:7077 --host 127.0.0.1 --cores 1 --memory 6g --work-dir "$WORK/worker$w" \
    --webui-port $((18080 + w)) > "$WORK/worker$w.log" 2>&1 & PIDS+=($!)
done
WORKER2=${PIDS[2]}
sleep 8
echo "workers started: master log lines $(wc -l < "$WORK/master.log")"

echo "== data"
java $LOGBACK -cp "$CP:$APP_JAR" org.resnext4j.datavec.StripesDataset "$WORK/data" 60 1

if [ "$KILL_AFTER" -gt 0 ]; then
  ( sleep "$KILL_AFTER"; echo "== killing worker 2 (pid $WORKER2) and its executor"; \
    pkill -9 -f "worker2" || true; kill -9 "$WORKER2" 2>/dev/null || true ) &
fi

echo "== spark-train --master spark://127.0.0.1:7077 --training-master $MODE --epochs $EPOCHS"
START=$(date +%s%N)
set +e
timeout 1200 java -Xmx3g -Dorg.bytedeco.javacpp.maxbytes=4G -Dorg.bytedeco.javacpp.maxphysicalbytes=6G $OPENS \
  -Daeron.publication.unblock.timeout=60000000000 $LOGBACK -cp "$CP:$APP_JAR" \
  org.resnext4j.spark.SparkTrainCommand --master spark://127.0.0.1:7077 --jars "$APP_JAR" \
  --data "$WORK/data" --out "$WORK/run" --size 32 --epochs "$EPOCHS" --batch 16 --averaging-frequency 2 \
  --training-master "$MODE" --controller 127.0.0.1:40123 --driver-host 127.0.0.1 --executor-memory 2g --executor-offheap 3g --executor-java-options "$LOGBACK" \
  2>&1 | tee "$WORK/driver.log"
CODE=${PIPESTATUS[0]}
set -e
END=$(date +%s%N)
echo "== driver exit code $CODE after $(( (END - START) / 1000000 )) ms"
grep -h "Epoch " "$WORK/driver.log" | grep -v "batch" || true
exit "$CODE"
