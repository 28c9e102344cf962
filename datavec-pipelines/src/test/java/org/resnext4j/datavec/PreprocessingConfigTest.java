package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class PreprocessingConfigTest {

    @TempDir
    Path tmp;

    @Test
    void imagenetDefaults() {
        PreprocessingConfig c = PreprocessingConfig.imagenet(224);
        assertEquals(224, c.imageSize());
        assertEquals(256, c.resizeSize());
        assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, c.mean());
        assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, c.std());
    }

    @Test
    void jsonPropertiesAndJavaSerialisationRoundTrip() throws Exception {
        PreprocessingConfig c =
                new PreprocessingConfig(160, 183, new float[] {0.5f, 0.25f, 0.125f}, new float[] {0.2f, 0.3f, 0.4f});
        String json = c.toJson();
        assertTrue(json.contains("\"imageSize\":160") && json.contains("\"channelOrder\":\"RGB\""), json);
        assertEquals(c, PreprocessingConfig.fromJson(json));
        Properties p = c.toProperties();
        p.setProperty("unrelated.key", "x");
        assertEquals(c, PreprocessingConfig.fromProperties(p));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(c);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(c, in.readObject());
        }
    }

    @Test
    void malformedDescriptionsFailClearly() {
        IllegalArgumentException bgr = assertThrows(
                IllegalArgumentException.class,
                () -> PreprocessingConfig.fromJson(
                        "{\"imageSize\":224,\"resizeSize\":256,\"mean\":[0,0,0],\"std\":[1,1,1],\"channelOrder\":\"BGR\"}"));
        assertTrue(bgr.getMessage().contains("channelOrder"), bgr.getMessage());
        IllegalArgumentException missing = assertThrows(
                IllegalArgumentException.class,
                () -> PreprocessingConfig.fromJson("{\"imageSize\":224,\"mean\":[0,0,0],\"std\":[1,1,1]}"));
        assertTrue(missing.getMessage().contains("resizeSize"), missing.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> new PreprocessingConfig(224, 256, new float[] {0, 0}, new float[] {1, 1, 1}));
        assertThrows(
                IllegalArgumentException.class,
                () -> new PreprocessingConfig(224, 256, new float[] {0, 0, 0}, new float[] {1, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> PreprocessingConfig.fromProperties(new Properties()));
    }

    @Test
    void singleImagePreprocessingMatchesTheValidationIterator() throws Exception {
        Path root = TestImages.tree(tmp.resolve("d"), new String[] {"a", "b"}, new int[] {3, 3}, 50, 36, "jpg");
        try (ImageFolderPipeline data = ImageFolderPipeline.fromDirectory(root)
                .validationSplit(0.34)
                .seed(5)
                .imageSize(32)
                .batchSize(4)
                .build()) {
            assertEquals(4, data.trainSize());
            assertEquals(2, data.validationSize());
            PreprocessingConfig cfg =
                    PreprocessingConfig.fromJson(data.preprocessing().toJson());
            assertEquals(37, cfg.resizeSize());
            DataSet batch = data.validation().next();
            INDArray single = new ImagePreprocessor(cfg)
                    .preprocess(data.split().validation().samples().get(0).file());
            assertArrayEquals(new long[] {1, 3, 32, 32}, single.shape());
            assertEquals(batch.getFeatures().slice(0), single.slice(0));
            java.io.IOException e = assertThrows(
                    java.io.IOException.class, () -> new ImagePreprocessor(cfg).preprocess(tmp.resolve("missing.jpg")));
            assertTrue(e.getMessage().contains("missing.jpg"), e.getMessage());
        }
    }
}
