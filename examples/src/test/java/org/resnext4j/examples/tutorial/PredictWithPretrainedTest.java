package org.resnext4j.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.datavec.ImagePreprocessor;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * {@link PredictWithPretrained} on a tiny 1000-class model served from a loopback user catalog: each image's top 5
 * are the model's own 5 most probable ImageNet classes (computed here from the graph and the entry's transform), the
 * weights downloaded once for two images; an unknown name fails naming it.
 */
class PredictWithPretrainedTest {

    @TempDir
    Path dir;

    private Path noise(String name, int w, int h, long seed) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        Path f = dir.resolve(name);
        ImageIO.write(img, "png", f.toFile());
        return f;
    }

    @Test
    void printsEachImagesTop5FromTheCatalogsWeights() throws Exception {
        ResNeXtSpec spec = ResNeXtSpec.tiny().withInputShape(3, 32, 32);
        ComputationGraph net = ResNeXt.builder(spec).seed(5).build().init();
        net.getParam("fc_W").muli(40); // spread the logits so that the top 5 are far apart
        List<Path> images = List.of(noise("a.png", 48, 40, 1), noise("b.png", 40, 56, 2));
        Map<Path, List<SavedModel.Prediction>> got;
        try (LoopbackCatalog catalog = new LoopbackCatalog(dir, "tiny.in1k_test", spec, net)) {
            got = PredictWithPretrained.run("tiny.in1k_test", images);
            assertEquals(1, catalog.requests(), "downloaded once");
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> PredictWithPretrained.run("tiny.nope", images));
            assertTrue(e.getMessage().contains("tiny.nope"), e.getMessage());
        }
        PreprocessingConfig transform = new PreprocessingConfig(
                32, 36, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
        assertEquals(images, List.copyOf(got.keySet()));
        for (Path image : images) {
            float[] p = net.outputSingle(false, new ImagePreprocessor(transform).preprocess(image))
                    .toFloatVector();
            List<Integer> top = IntStream.range(0, p.length)
                    .boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> p[i]).reversed())
                    .limit(5)
                    .toList();
            assertTrue(p[top.get(0)] > p[top.get(4)] + 1e-3, "a spread top 5");
            List<SavedModel.Prediction> predictions = got.get(image);
            assertEquals(5, predictions.size());
            for (int k = 0; k < 5; k++) {
                assertEquals(
                        ImageNetClasses.names().get(top.get(k)),
                        predictions.get(k).label(),
                        image + " #" + k);
                assertEquals(p[top.get(k)], predictions.get(k).probability(), 1e-5, image + " #" + k);
            }
        }
    }
}
