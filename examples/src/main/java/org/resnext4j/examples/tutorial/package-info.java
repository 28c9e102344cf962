/**
 * Tutorial programs: one class with a {@code main} per task, written to be copied into your own project (as the
 * classes of DL4J's {@code dl4j-examples} repository are). Each uses only the public API of the library modules, says
 * in its Javadoc what it needs and how to run it, runs on generated data (or a small default) when given none, and has
 * a {@code run(...)} method that a smoke test of {@code mvn verify} calls on tiny data, asserting what the program is
 * for (a model that beats chance, equal logits, a file that loads back).
 *
 * <p>Run one with Maven (after {@code mvn -B -DskipTests install}; {@code exec:java} runs inside Maven's JVM, so give
 * it the heap in {@code MAVEN_OPTS}; the examples module sets JavaCPP's off-heap caps for {@code exec:java}):
 * <pre>
 * MAVEN_OPTS=-Xmx6g mvn -q -pl examples exec:java \
 *     -Dexec.mainClass=org.resnext4j.examples.tutorial.TrainFromScratchWithEarlyStopping -Dexec.args="--max-epochs 5"
 * </pre>
 * or from the launcher's class path ({@code mvn -B -DskipTests package} makes it):
 * <pre>
 * java -Xmx6g -Dorg.bytedeco.javacpp.maxphysicalbytes=12G -cp "examples/target/resnext4j/lib/*" \
 *     org.resnext4j.examples.tutorial.SplitVersusFusedForm
 * </pre>
 * Spark's example, {@code org.resnext4j.spark.examples.TrainOnSpark}, lives in the {@code training-spark} module (which
 * depends on this one for its tests, so this module cannot depend on it).
 */
package org.resnext4j.examples.tutorial;
