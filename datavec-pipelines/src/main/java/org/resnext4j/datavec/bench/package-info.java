/**
 * Benchmarks of the image pipelines; {@link org.resnext4j.datavec.bench.LoaderBenchmark} measures
 * loader throughput at 224x224 from JPEG files.
 */
package org.resnext4j.datavec.bench;
