package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Preprocessing parity with torchvision on the committed fixture written by
 * {@code tools/make_preprocess_fixture.py} (torchvision 0.14, Pillow 9.4): Resize(256),
 * CenterCrop(224), ToTensor(), Normalize(ImageNet).
 */
class ParityTest {

    /**
     * Measured: 0 of 150,528 values differ (the resampler reproduces Pillow's fixed-point
     * arithmetic and the normalisation is the same float32 expression). The bound allows float
     * rounding only.
     */
    static final double PNG_MAX_ABS = 1e-6;
    /**
     * Measured 1.8e-6 on 8x8 block means (summation order): ImageIO and Pillow's libjpeg-turbo
     * decoded this JPEG alike. The bound allows decoders that differ by about a tenth of a level.
     */
    static final double JPG_BLOCK_MAX_ABS = 1e-3;

    private static float[] floats(String resource, int n) throws Exception {
        try (InputStream in = ParityTest.class.getResourceAsStream(resource)) {
            byte[] b = in.readAllBytes();
            assertEquals(n * 4, b.length, resource);
            float[] out = new float[n];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ParityTest.class.getResource(name).toURI());
    }

    private static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void pngMatchesTorchvisionEvalTransform() throws Exception {
        float[] expected = floats("/parity/expected_png.f32", 3 * 224 * 224);
        ImagePreprocessor pre = new ImagePreprocessor(PreprocessingConfig.imagenet(224));
        RgbImage img = new ImageIoDecoder().decode(resource("/parity/image.png"));
        float[] actual = pre.toFloats(img);
        double max = maxAbs(expected, actual);
        int differing = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                differing++;
            }
        }
        System.out.printf("PNG parity: max |diff| %.3g, %d of %d values differ%n", max, differing, expected.length);
        assertTrue(max <= PNG_MAX_ABS, "max |diff| " + max);
        assertEquals(0, differing, differing + " values differ");

        INDArray viaNd4j = pre.preprocess(resource("/parity/image.png"));
        assertEquals(3 * 224 * 224, viaNd4j.length());
        assertEquals(expected[12345], viaNd4j.getFloat(0, 0, 55, 25), PNG_MAX_ABS);
    }

    @Test
    void dataVecDecoderGivesTheSamePngPixels() throws Exception {
        RgbImage a = new ImageIoDecoder().decode(resource("/parity/image.png"));
        RgbImage b = new DataVecImageDecoder().decode(resource("/parity/image.png"));
        assertEquals(a.width(), b.width());
        assertTrue(java.util.Arrays.equals(a.pixels(), b.pixels()), "decoders disagree on a lossless PNG");
    }

    @Test
    void jpegBlockMeansMatchTorchvision() throws Exception {
        float[] expected = floats("/parity/expected_jpg_blocks.f32", 3 * 28 * 28);
        float[] t = new ImagePreprocessor(PreprocessingConfig.imagenet(224))
                .toFloats(new ImageIoDecoder().decode(resource("/parity/image.jpg")));
        float[] blocks = new float[3 * 28 * 28];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 224; y++) {
                for (int x = 0; x < 224; x++) {
                    blocks[c * 784 + (y / 8) * 28 + x / 8] += t[c * 224 * 224 + y * 224 + x] / 64f;
                }
            }
        }
        double max = maxAbs(expected, blocks);
        System.out.printf("JPEG parity: max |diff| of 8x8 block means %.3g%n", max);
        assertTrue(max <= JPG_BLOCK_MAX_ABS, "max |diff| " + max);
    }
}
