#!/usr/bin/env bash
# A real standalone Spark cluster on this machine, as a Spark user runs one: a Master and 2 Workers (1 core each) on
# 127.0.0.1 started from a Spark 3.5 installation's jars (spark-core's runtime closure, made by the invoker project
# training-spark/src/it/spark-dist), then `spark-submit` (Spark's SparkSubmit) of the shaded application jar
# training-spark/target/training-spark-<version>-spark-app.jar with main class SparkTrainCommand.
#
#   tools/spark_standalone.sh [epochs] [images-per-class]      KILL_WORKER_AFTER=S: kill worker 2 (and its executor)
#                                                               S seconds into the run
#
# Not part of CI (SparkClusterIT is). Every process it starts is stopped by its process id on exit; logs under $WORK.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${1:-6}
PER_CLASS=${2:-100}
KILL_AFTER=${KILL_WORKER_AFTER:-0}
WORK=${WORK:-/tmp/resnext4j-spark-cluster}
rm -rf "$WORK"; mkdir -p "$WORK"

echo "== build: the application jar and a Spark installation's jars (mvn verify of training-spark, no tests)"
mvn -B -q -DskipTests install -pl training-spark -am
mvn -B -q -pl training-spark verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=none \
  -Dfailsafe.failIfNoSpecifiedTests=false
APP_JAR=$(ls "$PWD"/training-spark/target/training-spark-*-spark-app.jar | head -1)
export SPARK_HOME="$PWD/training-spark/target/spark-home" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1
OPENS=$(sed -n 's:.*<spark.add-opens>\(--[^<]*\)</spark.add-opens>.*:\1:p' training-spark/pom.xml)
CP="$SPARK_HOME/jars/*"
PIDS=()
stop() {
  # by process id: each JVM started here and the processes it started (a worker's executors)
  for p in "${PIDS[@]}"; do
    for c in $(pgrep -P "$p" 2>/dev/null); do kill "$c" 2>/dev/null || true; done
    kill "$p" 2>/dev/null || true
  done
}
trap stop EXIT

echo "== master and 2 workers on 127.0.0.1"
java -Xmx256m $OPENS -cp "$CP" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7077 \
  --webui-port 18080 > "$WORK/master.log" 2>&1 & PIDS+=($!)
sleep 5
for w in 1 2; do
  java -Xmx256m $OPENS -cp "$CP" org.apache.spark.deploy.worker.Worker spark://127.0.0.1:7077 --host 127.0.0.1 \
    --cores 1 --memory 1500m --work-dir "$WORK/worker$w" --webui-port $((18080 + w)) > "$WORK/worker$w.log" 2>&1 &
  PIDS+=($!)
done
WORKER2=${PIDS[2]}
sleep 8

echo "== data: StripesDataset $PER_CLASS per class"
java -cp "$APP_JAR" org.resnext4j.datavec.StripesDataset "$WORK/data" "$PER_CLASS" 3

if [ "$KILL_AFTER" -gt 0 ]; then
  ( sleep "$KILL_AFTER"; echo "== killing worker 2 (pid $WORKER2) and its executor"; \
    for c in $(pgrep -P "$WORKER2"); do kill -9 "$c" 2>/dev/null || true; done; kill -9 "$WORKER2" ) &
fi

echo "== spark-submit --master spark://127.0.0.1:7077 ... SparkTrainCommand --epochs $EPOCHS"
START=$(date +%s%N)
set +e
OMP_NUM_THREADS=1 timeout 1200 java -Xmx1g -Dorg.bytedeco.javacpp.maxbytes=2G -Dorg.bytedeco.javacpp.maxphysicalbytes=3G \
  $OPENS -cp "$CP" org.apache.spark.deploy.SparkSubmit --master spark://127.0.0.1:7077 --deploy-mode client \
  --class org.resnext4j.spark.SparkTrainCommand --conf spark.driver.host=127.0.0.1 \
  --conf spark.executorEnv.OMP_NUM_THREADS=1 --executor-memory 1g "$APP_JAR" \
  --data "$WORK/data" --out "$WORK/run" --size 32 --epochs "$EPOCHS" --batch 16 --averaging-frequency 2 \
  --executor-offheap 2g 2>&1 | tee "$WORK/driver.log" | grep -v " INFO \| WARN "
CODE=${PIPESTATUS[0]}
set -e
END=$(date +%s%N)
echo "== driver exit code $CODE after $(( (END - START) / 1000000 )) ms"
exit "$CODE"
