package org.resnext4j.datavec;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * The default {@link ImageDecoder}: {@code javax.imageio} with the TwelveMonkeys plugins, so JPEG (including CMYK
 * and YCCK, which the JDK's reader refuses), PNG, BMP, GIF (the first frame), TIFF and WebP.
 *
 * <p>Conversion to RGB follows PIL's {@code convert("RGB")}:
 * <ul>
 *   <li>grayscale (8 or 16 bit) is read from the raster and replicated into R, G and B. This
 *       avoids {@code BufferedImage.getRGB}, which treats Java's gray colour space as linear and
 *       brightens mid-grays;</li>
 *   <li>alpha is dropped, not composited;</li>
 *   <li>palette and colour images go through {@code getRGB} (sRGB). CMYK and YCCK JPEGs are converted by
 *       TwelveMonkeys: without an embedded ICC profile as Pillow converts them (the same values on the CMYK
 *       fixture), with one through that profile (colour-managed, where Pillow ignores the profile).</li>
 * </ul>
 * A JPEG's EXIF {@code Orientation} is applied ({@link RgbImage#exifTransposed}), as Pillow's
 * {@code ImageOps.exif_transpose} would (torchvision's own loader does not; a photo from a phone then arrives
 * upright here).
 *
 * <p><b>Size limit.</b> An image whose header declares more than {@code maxPixels} pixels (default
 * {@value #DEFAULT_MAX_PIXELS}, Pillow's {@code Image.MAX_IMAGE_PIXELS}) is refused before any pixel is decoded,
 * both by {@link #probe} (so a scan skips it with the reason) and by {@link #decode}: a small "decompression bomb"
 * file must not take the heap.
 *
 * <p>Errors: an empty or unrecognised file fails with an {@link IOException}, and so does a file
 * for which the reader reports a warning, such as "Premature end of JPEG file" for a truncated
 * JPEG, which {@code javax.imageio} would otherwise decode into gray fill. Thread-safe: each call
 * uses its own reader. Serializable, so it travels with a Spark job.
 */
public final class ImageIoDecoder implements ImageDecoder, Serializable {

    private static final long serialVersionUID = 1L;
    /** Pillow's {@code Image.MAX_IMAGE_PIXELS}: 89,478,485 pixels (a 9459 x 9459 image). */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    private final long maxPixels;

    /** A decoder with the default size limit. It keeps no other state. */
    public ImageIoDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    /**
     * @param maxPixels the largest {@code width * height} accepted, at least 1
     */
    public ImageIoDecoder(long maxPixels) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
        ImageIO.setUseCache(false);
    }

    /** @return the largest number of pixels accepted */
    public long maxPixels() {
        return maxPixels;
    }

    @Override
    public RgbImage decode(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("not a regular file");
        }
        return decode(() -> ImageIO.createImageInputStream(file.toFile()));
    }

    /**
     * Decodes an encoded image held in memory (DataVec's {@code RecordReader.record(uri, stream)}, Spark's binary
     * files).
     *
     * @param encoded the file's bytes
     * @return the decoded pixels, RGB, upright
     * @throws IOException as {@link #decode(Path)}
     */
    public RgbImage decode(byte[] encoded) throws IOException {
        return decode(() -> ImageIO.createImageInputStream(new ByteArrayInputStream(encoded)));
    }

    /** Opens a fresh stream over the same encoded image each time it is called. */
    @FunctionalInterface
    private interface Source {
        ImageInputStream open() throws IOException;
    }

    private RgbImage decode(Source source) throws IOException {
        BufferedImage image;
        boolean jpeg;
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = source.open()) {
            ImageReader reader = ImageReaders.first(in);
            try {
                IIOReadWarningListener listener = (src, warning) -> {
                    if (!isColourProfileNotice(warning)) {
                        warnings.add(warning);
                    }
                };
                reader.addIIOReadWarningListener(listener);
                reader.setInput(in, true, true);
                checkSize(reader.getWidth(0), reader.getHeight(0));
                jpeg = "jpeg".equalsIgnoreCase(reader.getFormatName());
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
        RgbImage rgb = toRgb(image);
        return jpeg ? rgb.exifTransposed(exifOrientation(source)) : rgb;
    }

    @Override
    public int[] probe(Path file) throws IOException {
        int[] size = ImageDecoder.super.probe(file);
        checkSize(size[0], size[1]);
        return size;
    }

    /**
     * TwelveMonkeys warns when a CMYK/YCCK JPEG has no ICC profile (it then converts without one, as Pillow always
     * does); that is not damage, unlike the decoder's other warnings ("Premature end of JPEG file", "Corrupt JPEG
     * data").
     */
    private static boolean isColourProfileNotice(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        return w.contains("icc") || w.contains("color profile") || w.contains("colour profile");
    }

    private void checkSize(int width, int height) throws IOException {
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new IOException(String.format(
                    Locale.ROOT,
                    "image of %dx%d = %,d pixels exceeds the limit of %,d "
                            + "pixels (decompression-bomb guard, as Pillow's MAX_IMAGE_PIXELS; raise it with new "
                            + "ImageIoDecoder(maxPixels))",
                    width,
                    height,
                    pixels,
                    maxPixels));
        }
    }

    /**
     * The EXIF {@code Orientation} of a JPEG (1 when there is none or it cannot be read: a broken EXIF block must
     * not lose an image that decodes), read with TwelveMonkeys' JPEG segment and TIFF readers.
     */
    static int exifOrientation(Path file) {
        return exifOrientation(() -> ImageIO.createImageInputStream(file.toFile()));
    }

    private static int exifOrientation(Source source) {
        try (ImageInputStream in = source.open()) {
            List<JPEGSegment> exif = JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif");
            if (exif.isEmpty()) {
                return 1;
            }
            InputStream data = exif.get(0).data();
            if (data.read() < 0) { // the pad byte after "Exif\0"
                return 1;
            }
            try (ImageInputStream tiff = ImageIO.createImageInputStream(data)) {
                Directory ifd = new TIFFReader().read(tiff);
                Entry e = ifd.getEntryById(TIFF.TAG_ORIENTATION);
                return e != null && e.getValue() instanceof Number n ? n.intValue() : 1;
            }
        } catch (IOException | RuntimeException e) {
            return 1;
        }
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
        if (cm instanceof ComponentColorModel
                && cm.getNumColorComponents() == 1
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
        return maxPixels == DEFAULT_MAX_PIXELS ? "ImageIoDecoder" : "ImageIoDecoder[maxPixels " + maxPixels + "]";
    }
}
