/**
 * Tutorial programs for training on Apache Spark, in the style of {@code org.resnext4j.examples.tutorial} (one class
 * with a {@code main} per task, a {@code run(...)} method a smoke test calls). They live in this module because Spark
 * is here ({@code provided}: on the class path of the tests and of {@code exec:exec}, not of {@code exec:java}, and
 * Spark on Java 17 needs {@code --add-opens} that only a new JVM can take), so they run with
 * <pre>
 * mvn -q -pl training-spark exec:exec -Dspark.main=org.resnext4j.spark.examples.TrainOnSpark -Dspark.args="..."
 * </pre>
 */
package org.resnext4j.spark.examples;
