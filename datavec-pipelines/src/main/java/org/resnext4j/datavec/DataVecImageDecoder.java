package org.resnext4j.datavec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.datavec.image.loader.NativeImageLoader;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An {@link ImageDecoder} on DataVec's {@link NativeImageLoader} (OpenCV {@code imdecode},
 * Leptonica as fallback), for formats {@code javax.imageio} lacks (TIFF, WebP, PNM, ...).
 *
 * <p>DataVec returns BGR (OpenCV's order) as floats in 0..255; this decoder swaps to RGB,
 * replicates single-channel images into three channels, drops a fourth (alpha) channel and
 * scales 16-bit values down to 8 bits. It loads OpenCV's native libraries on first use (about a
 * second) and allocates an off-heap array per image; {@link ImageIoDecoder} is the default.
 */
public final class DataVecImageDecoder implements ImageDecoder {

    private final ThreadLocal<NativeImageLoader> loader = ThreadLocal.withInitial(NativeImageLoader::new);

    /** Creates the decoder; one DataVec loader is made per decoding thread. */
    public DataVecImageDecoder() {}

    @Override
    public RgbImage decode(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("not a regular file");
        }
        if (Files.size(file) == 0) {
            throw new IOException("empty file (0 bytes)");
        }
        INDArray chw;
        try {
            chw = loader.get().asMatrix(file.toFile());
        } catch (RuntimeException e) {
            throw new IOException("corrupt image: " + e, e);
        }
        try (INDArray arr = chw) {
            long[] shape = arr.shape();
            if (shape.length != 4 || shape[0] != 1) {
                throw new IOException("unexpected decoded shape " + java.util.Arrays.toString(shape));
            }
            int c = (int) shape[1];
            int h = (int) shape[2];
            int w = (int) shape[3];
            float[] v = arr.dup('c').data().asFloat();
            float max = 0;
            for (float f : v) {
                max = Math.max(max, f);
            }
            float scale = max > 255f ? 255f / 65535f : 1f;
            byte[] out = new byte[w * h * 3];
            int plane = w * h;
            for (int i = 0; i < plane; i++) {
                for (int ch = 0; ch < 3; ch++) {
                    // RGB channel ch comes from BGR channel 2 - ch; gray has one plane.
                    int src = c == 1 ? 0 : 2 - ch;
                    float f = v[src * plane + i] * scale;
                    out[i * 3 + ch] = (byte) Math.max(0, Math.min(255, Math.round(f)));
                }
            }
            return new RgbImage(w, h, out);
        }
    }

    @Override
    public String toString() {
        return "DataVecImageDecoder";
    }
}
