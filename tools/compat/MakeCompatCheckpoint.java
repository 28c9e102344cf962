import java.io.File;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * Writes the fixture of zoo-resnext's CheckpointCompatibilityTest: a checkpoint of a tiny FUSED ResNeXt trained two
 * steps by a given release, a probe input and that release's inference output on it. Run it against the release's
 * own classes, not this tree's:
 *
 * <pre>
 * git worktree add /tmp/oldrel d986aa9 &amp;&amp; cd /tmp/oldrel
 * mvn -o -q -DskipTests -Dinvoker.skip -Dspotless.check.skip package -pl zoo-resnext
 * mvn -o -q -pl zoo-resnext dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * CP=$(cat /tmp/cp.txt):zoo-resnext/target/zoo-resnext-0.1.0-SNAPSHOT.jar
 * javac -cp $CP -d /tmp/compat MakeCompatCheckpoint.java
 * java -cp $CP:/tmp/compat MakeCompatCheckpoint zoo-resnext/src/test/resources/compat   # in this tree
 * </pre>
 */
public class MakeCompatCheckpoint {
    public static void main(String[] a) throws Exception {
        ResNeXtSpec spec = ResNeXtSpec.builder().name("tiny_resnext").blocks(2, 1, 1, 1).cardinality(4).baseWidth(32)
                .planes(8, 16, 32, 64).stemWidth(8).numClasses(5).inputShape(3, 32, 32).build();
        ComputationGraph net = ResNeXt.builder(spec).updater(new Nesterovs(0.05, 0.9)).seed(11).build().init();
        for (int step = 0; step < 2; step++) {
            Nd4j.getRandom().setSeed(100 + step);
            INDArray x = Nd4j.randn(DataType.FLOAT, 6, 3, 32, 32);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 5);
            for (int i = 0; i < 6; i++) y.putScalar(i, (i + step) % 5, 1f);
            net.fit(new DataSet(x, y));
        }
        File dir = new File(a[0]);
        dir.mkdirs();
        ModelSerializer.writeModel(net, new File(dir, "fused-tiny-d986aa9.zip"), true);
        Nd4j.getRandom().setSeed(7);
        INDArray probe = Nd4j.randn(DataType.FLOAT, 3, 3, 32, 32);
        Nd4j.saveBinary(probe, new File(dir, "fused-tiny-d986aa9.input.bin"));
        Nd4j.saveBinary(net.outputSingle(probe), new File(dir, "fused-tiny-d986aa9.output.bin"));
        System.out.println("params " + net.numParams() + " score " + net.score());
    }
}
