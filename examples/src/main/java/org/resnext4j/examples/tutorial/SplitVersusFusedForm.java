package org.resnext4j.examples.tutorial;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TorchNames;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * Tutorial: the two forms of the same ResNeXt side by side. DL4J has no grouped convolution; the model card's form,
 * {@link GraphForm#SPLIT}, builds each grouped 3x3 convolution from DL4J's own layers ({@code cardinality} branches of
 * a channel slice and a small convolution, joined by a {@code MergeVertex}); the default, {@link GraphForm#FUSED},
 * computes each convolution with its batch norm and ReLU as one oneDNN layer. Both hold the same weights under
 * torchvision's names: this program moves one model's weights into the other form through a safetensors file, checks
 * that both give the same logits, and times a forward pass of each.
 *
 * <p>Needs: {@code zoo-resnext} only (no download: the weights are a seeded random initialisation).
 * <pre>
 * MAVEN_OPTS=-Xmx8g mvn -q -pl examples exec:java -Dexec.mainClass=org.resnext4j.examples.tutorial.SplitVersusFusedForm \
 *     -Dexec.args="--model resnext50_32x4d --size 224 --batch 2"
 * </pre>
 * Defaults: {@code resnext50_32x4d} at 128x128, batch 2, 3 timed passes after one warm-up. The SPLIT form of
 * ResNeXt-50 has about 1,200 vertices and needs several GB at 224x224; timings on a busy machine mean little.
 */
public final class SplitVersusFusedForm {

    /**
     * What the comparison found.
     *
     * @param spec            the FUSED spec (the SPLIT one is {@code spec.withForm(GraphForm.SPLIT)})
     * @param fusedVertices   vertices of the FUSED graph
     * @param splitVertices   vertices of the SPLIT graph
     * @param mergeVertices   {@code MergeVertex}es of the SPLIT graph (one per grouped convolution)
     * @param relativeError   {@code |split - fused| / |fused|} of the logits (Frobenius norms)
     * @param fusedMillis     median milliseconds of a FUSED forward pass
     * @param splitMillis     median milliseconds of a SPLIT forward pass
     */
    public record Comparison(
            ResNeXtSpec spec,
            int fusedVertices,
            int splitVertices,
            long mergeVertices,
            double relativeError,
            double fusedMillis,
            double splitMillis) {}

    private SplitVersusFusedForm() {}

    /**
     * @param args {@code [--model PRESET|tiny] [--size PX] [--batch N] [--rounds N]}
     * @throws IOException when the temporary weights file cannot be written
     */
    public static void main(String[] args) throws IOException {
        Args a = Args.parse(args, Set.of("--model", "--size", "--batch", "--rounds"), Set.of());
        String model = a.string("--model", "resnext50_32x4d");
        ResNeXtSpec base = "tiny".equals(model) ? ResNeXtSpec.tiny() : ResNeXtSpec.preset(model);
        int size = a.positiveInt("--size", 128);
        Comparison c =
                run(base.withInputShape(3, size, size), a.positiveInt("--batch", 2), a.positiveInt("--rounds", 3));
        System.out.printf(
                "%s at %dx%d: FUSED %d vertices, SPLIT %d vertices (%d MergeVertex)%n",
                c.spec().name(), size, size, c.fusedVertices(), c.splitVertices(), c.mergeVertices());
        System.out.printf(Locale.ROOT, "logits: relative difference %.2e%n", c.relativeError());
        System.out.printf(
                "forward pass: FUSED %.1f ms, SPLIT %.1f ms (%.1fx)%n",
                c.fusedMillis(), c.splitMillis(), c.splitMillis() / c.fusedMillis());
    }

    /**
     * Builds {@code spec} in both forms with the same weights and compares them on a seeded random batch.
     *
     * @param spec   the model (its form is ignored)
     * @param batch  images per forward pass
     * @param rounds timed passes per form, after one warm-up pass
     */
    public static Comparison run(ResNeXtSpec spec, int batch, int rounds) throws IOException {
        // tag::forms[]
        ResNeXtSpec fusedSpec = spec.withForm(GraphForm.FUSED); // the default form
        ComputationGraph fused = ResNeXt.builder(fusedSpec).seed(7).build().init();
        // the same weights into the SPLIT form, through a torchvision-named safetensors file
        Path weights = Files.createTempFile("resnext4j-forms", ".safetensors");
        ComputationGraph split;
        try {
            TorchvisionWeights.save(fused, weights, Map.of());
            split = ResNeXt.builder(fusedSpec.withForm(GraphForm.SPLIT)).build().initPretrained(weights);
        } finally {
            Files.deleteIfExists(weights);
        }
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, spec.inputHeight(), spec.inputWidth()); // a random batch
        INDArray fusedLogits = fused.feedForward(x, false).get(TorchNames.FC); // fc's output: the logits
        INDArray splitLogits = split.feedForward(x, false).get(TorchNames.FC);
        double relativeError = splitLogits.sub(fusedLogits).norm2Number().doubleValue()
                / fusedLogits.norm2Number().doubleValue();
        // end::forms[]
        long merges = Arrays.stream(
                        split.getConfiguration().getVertices().values().toArray())
                .filter(v -> v instanceof MergeVertex)
                .count();
        return new Comparison(
                fusedSpec,
                fused.getVertices().length,
                split.getVertices().length,
                merges,
                relativeError,
                medianMillis(fused, x, rounds),
                medianMillis(split, x, rounds));
    }

    /** The median time of {@code rounds} inference passes, after one untimed warm-up pass. */
    private static double medianMillis(ComputationGraph net, INDArray x, int rounds) {
        net.output(x);
        double[] ms = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            net.output(x);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[rounds / 2];
    }
}
