/**
 * Data-parallel training on Apache Spark with the same models, data, run folder and model quality as on one machine:
 * {@code SparkTraining} (DL4J's parameter averaging over shuffled image batches, each epoch recorded by the run's
 * {@code TrainingRun}: checkpoints, exact resume, curves, UI), the {@code spark-train} command for
 * {@code spark-submit} of the shaded application jar, and the scaling benchmark. See docs/spark.md.
 */
package org.resnext4j.spark;
