package org.resnext4j.examples.tutorial;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.resnext4j.examples.ShapesDataset;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.zoo.weights.WeightsCatalog;
import org.resnext4j.zoo.weights.WeightsEntry;

/**
 * Tutorial: the ImageNet top-5 of your images with torchvision's pretrained ResNeXt-50, by catalog name.
 *
 * <p>Needs: the pretrained weights catalog and downloader ({@code zoo-resnext}'s {@code weights} package) and
 * {@code SavedModel} ({@code training-ui}). The first run downloads the weights (95.8 MB for
 * {@code resnext50_32x4d.imagenet1k_v2}) into {@code ~/.deeplearning4j/models/resnext4j}, checks their SHA-256 and
 * reuses them afterwards. Your own weights join the catalog as a JSON file named by
 * {@code -Dresnext4j.weights.catalog=FILE} (or {@code RESNEXT4J_WEIGHTS_CATALOG}); see docs/weights.md.
 * <pre>
 * mvn -q -pl examples exec:java -Dexec.mainClass=org.resnext4j.examples.tutorial.PredictWithPretrained \
 *     -Dexec.args="photo.jpg [more.jpg ...] [--weights resnext50_32x4d.imagenet1k_v2]"
 * </pre>
 * Without an image it predicts a generated one (a shape on a gradient: expect an odd ImageNet guess).
 */
public final class PredictWithPretrained {

    /** The catalog entry used when {@code --weights} is not given. */
    public static final String DEFAULT_WEIGHTS = "resnext50_32x4d.imagenet1k_v2";

    private PredictWithPretrained() {}

    /**
     * @param args {@code [IMAGE ...] [--weights NAME]}
     * @throws IOException when an image cannot be read or the weights cannot be had
     */
    public static void main(String[] args) throws IOException {
        Args a = Args.parse(args, Set.of("--weights"), Set.of());
        List<Path> images = new ArrayList<>();
        a.positional().forEach(p -> images.add(Path.of(p)));
        if (images.isEmpty()) {
            Path dir = ShapesDataset.write(Files.createTempDirectory("resnext4j-predict"), 1, 224, 7);
            images.add(dir.resolve("circle").resolve("circle_0000.png"));
            System.out.println("No image given: predicting a generated one, " + images.get(0));
        }
        Map<Path, List<SavedModel.Prediction>> top5 = run(a.string("--weights", DEFAULT_WEIGHTS), images);
        top5.forEach((image, predictions) -> {
            System.out.println(image);
            for (SavedModel.Prediction p : predictions) {
                System.out.printf("  %-40s %.4f%n", p.label(), p.probability());
            }
        });
    }

    /**
     * Predicts each image with the catalog entry {@code weightsName}.
     *
     * @return each image's 5 most likely classes, most likely first
     * @throws IllegalArgumentException naming an unknown entry and listing the known ones
     */
    public static Map<Path, List<SavedModel.Prediction>> run(String weightsName, List<Path> images) throws IOException {
        // tag::predict[]
        // the built-in catalog (torchvision's weights) plus your own JSON entries, if the property names a file
        WeightsEntry entry = WeightsCatalog.fromEnvironment().get(weightsName);
        Map<Path, List<SavedModel.Prediction>> top5 = new LinkedHashMap<>();
        // downloaded once and verified; the model comes with ImageNet's class names and the entry's transform
        try (SavedModel model = SavedModel.pretrained(entry)) {
            for (Path image : images) {
                top5.put(image, model.predict(image, 5)); // resize, crop, normalise, forward, softmax
            }
        }
        // end::predict[]
        return top5;
    }
}
