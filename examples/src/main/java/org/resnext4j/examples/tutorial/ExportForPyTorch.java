package org.resnext4j.examples.tutorial;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.weights.SafeTensorsReader;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * Tutorial: a model trained here, out to PyTorch. {@code TorchvisionWeights.save} writes the graph's parameters as a
 * safetensors file under torchvision's state-dict names and layouts (batch-norm running variances included), which
 * torchvision's model of the same architecture loads with {@code load_state_dict}; this program then reads the file
 * back and checks every tensor against the model, and prints the Python lines that load it:
 * <pre>
 * from safetensors.torch import load_file; import torchvision
 * model = torchvision.models.resnext50_32x4d(num_classes=10)
 * model.load_state_dict(load_file("birds.safetensors")); model.eval()
 * </pre>
 *
 * <p>Needs: the safetensors writer and reader ({@code zoo-resnext}'s {@code weights} package) and {@code SavedModel}
 * ({@code training-ui}) for checkpoints. The CLI's {@code export-weights} does the same.
 * <pre>
 * mvn -q -pl examples exec:java -Dexec.mainClass=org.resnext4j.examples.tutorial.ExportForPyTorch \
 *     -Dexec.args="runs/birds/checkpoints/best.zip --out birds.safetensors"
 * </pre>
 * Without a checkpoint it exports a freshly initialised {@code resnext50_32x4d} with 4 classes (92 MB).
 */
public final class ExportForPyTorch {

    /**
     * What was written.
     *
     * @param file            the safetensors file
     * @param tensors         tensors in the file
     * @param maxDifference   largest absolute difference between a tensor read back and the model's (0 when exact)
     * @param python          Python lines that load the file into torchvision's model
     */
    public record Export(Path file, int tensors, double maxDifference, List<String> python) {}

    private ExportForPyTorch() {}

    /**
     * @param args {@code [MODEL.zip] [--out FILE.safetensors]}
     * @throws IOException when the checkpoint cannot be read or the file written
     */
    public static void main(String[] args) throws IOException {
        Args a = Args.parse(args, Set.of("--out"), Set.of());
        Path checkpoint = a.path(0, null);
        Path out = a.path("--out", Path.of("runs", "export", "model.safetensors"));
        Export e;
        if (checkpoint != null) {
            try (SavedModel model = SavedModel.load(checkpoint)) { // a training checkpoint or an imported model
                e = run(model.graph(), model.card().spec(), out);
            }
        } else {
            System.out.println("No checkpoint given: exporting a freshly initialised resnext50_32x4d (4 classes)");
            ResNeXtSpec spec = ResNeXtSpec.preset("resnext50_32x4d").withNumClasses(4);
            e = run(ResNeXt.builder(spec).seed(42).build().init(), spec, out);
        }
        System.out.printf(
                "Wrote %d tensors to %s; read back, largest difference %.1e. In Python:%n",
                e.tensors(), e.file().toAbsolutePath(), e.maxDifference());
        e.python().forEach(System.out::println);
    }

    /**
     * Exports {@code net} to {@code out} and reads it back.
     *
     * @param net  the model
     * @param spec its spec (for the Python lines), or null when unknown
     * @param out  the file to write
     */
    public static Export run(ComputationGraph net, ResNeXtSpec spec, Path out) throws IOException {
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        // tag::export[]
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt"); // what safetensors.torch writes too
        TorchvisionWeights.save(net, out, metadata); // names as torchvision's: conv1.weight, ..., fc.bias
        // read back: every tensor as the model holds it
        Map<String, INDArray> expected = TorchvisionWeights.stateDict(net);
        double maxDifference = 0;
        try (SafeTensorsReader file = SafeTensorsReader.open(out)) {
            if (!file.names().equals(expected.keySet())) {
                throw new IllegalStateException("the file's tensors " + file.names() + " are not the model's");
            }
            for (Map.Entry<String, INDArray> t : expected.entrySet()) {
                INDArray back = file.getFloat(t.getKey());
                if (!Arrays.equals(back.shape(), t.getValue().shape())) {
                    throw new IllegalStateException(t.getKey() + ": shape " + Arrays.toString(back.shape())
                            + " in the file, " + Arrays.toString(t.getValue().shape()) + " in the model");
                }
                double difference = back.sub(t.getValue()).amaxNumber().doubleValue();
                maxDifference = Math.max(maxDifference, difference);
            }
        }
        // end::export[]
        return new Export(out, expected.size(), maxDifference, python(spec, out));
    }

    /** The three Python lines that load {@code file} into torchvision's model of {@code spec}. */
    static List<String> python(ResNeXtSpec spec, Path file) {
        String constructor;
        if (spec != null && ResNeXtSpec.presetNames().contains(spec.name())) {
            constructor = "torchvision.models." + spec.name() + "(num_classes=" + spec.numClasses() + ")";
        } else if (spec != null
                && spec.stemWidth() == 64
                && Arrays.equals(spec.planes(), new int[] {64, 128, 256, 512})) {
            constructor = "torchvision.models.resnet.ResNet(torchvision.models.resnet.Bottleneck, "
                    + Arrays.toString(spec.blocks()) + ", groups=" + spec.cardinality() + ", width_per_group="
                    + spec.baseWidth() + ", num_classes=" + spec.numClasses() + ")";
        } else {
            constructor = "...  # "
                    + (spec == null
                            ? "an unknown architecture"
                            : spec.name() + " is not built by "
                                    + "torchvision (its planes or stem differ): build the same ResNet in PyTorch");
        }
        return List.of(
                "from safetensors.torch import load_file; import torchvision",
                "model = " + constructor,
                "model.load_state_dict(load_file(\"" + file.toAbsolutePath() + "\")); model.eval()");
    }
}
