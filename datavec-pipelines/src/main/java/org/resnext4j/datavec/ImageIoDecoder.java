package org.resnext4j.datavec;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * The default {@link ImageDecoder}: {@code javax.imageio} (JPEG, PNG, BMP, GIF; the first frame of
 * an animated GIF).
 *
 * <p>Conversion to RGB follows PIL's {@code convert("RGB")}:
 * <ul>
 *   <li>grayscale (8 or 16 bit) is read from the raster and replicated into R, G and B. This
 *       avoids {@code BufferedImage.getRGB}, which treats Java's gray colour space as linear and
 *       brightens mid-grays;</li>
 *   <li>alpha is dropped, not composited;</li>
 *   <li>palette and colour images go through {@code getRGB} (sRGB).</li>
 * </ul>
 *
 * <p>Errors: an empty or unrecognised file fails with an {@link IOException}, and so does a file
 * for which the reader reports a warning, such as "Premature end of JPEG file" for a truncated
 * JPEG, which {@code javax.imageio} would otherwise decode into gray fill. Thread-safe: each call
 * uses its own reader.
 */
public final class ImageIoDecoder implements ImageDecoder {

    /** Creates the decoder. It keeps no state. */
    public ImageIoDecoder() {
        ImageIO.setUseCache(false);
    }

    @Override
    public RgbImage decode(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("not a regular file");
        }
        BufferedImage image;
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader reader = ImageReaders.first(in);
            try {
                IIOReadWarningListener listener = (source, warning) -> warnings.add(warning);
                reader.addIIOReadWarningListener(listener);
                reader.setInput(in, true, true);
                image = reader.read(0);
            } catch (RuntimeException e) {
                throw new IOException("corrupt image: " + e, e);
            } finally {
                reader.dispose();
            }
        }
        if (!warnings.isEmpty()) {
            throw new IOException("corrupt or truncated image: " + String.join("; ", warnings));
        }
        if (image == null) {
            throw new IOException("the reader returned no image");
        }
        return toRgb(image);
    }

    /**
     * Converts any {@link BufferedImage} to RGB bytes as PIL's {@code convert("RGB")} would.
     *
     * @param image the image
     * @return the RGB pixels
     */
    public static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[w * h * 3];
        ColorModel cm = image.getColorModel();
        if (cm instanceof ComponentColorModel && cm.getNumColorComponents() == 1
                && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            Raster raster = image.getRaster();
            int bits = cm.getComponentSize(0);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = bits > 8 ? row[x] >>> (bits - 8) : row[x] * 255 / ((1 << bits) - 1);
                    int o = (y * w + x) * 3;
                    out[o] = (byte) v;
                    out[o + 1] = (byte) v;
                    out[o + 2] = (byte) v;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int argb = row[x];
                    int o = (y * w + x) * 3;
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    @Override
    public String toString() {
        return "ImageIoDecoder";
    }
}
