package org.resnext4j.datavec;

import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns an image file into an {@link RgbImage} (8-bit, RGB order, three channels).
 *
 * <p>Two implementations ship:
 * <ul>
 *   <li>{@link ImageIoDecoder} (the default): pure-Java {@code javax.imageio} with the TwelveMonkeys
 *       plugins; JPEG (also CMYK/YCCK, EXIF orientation applied), PNG, BMP, GIF, TIFF, WebP; exact
 *       grayscale and palette handling; truncated files and decompression bombs are rejected.</li>
 *   <li>{@link DataVecImageDecoder}: DataVec's {@code NativeImageLoader} (OpenCV, Leptonica
 *       fallback); more formats; its BGR output is converted to RGB.</li>
 * </ul>
 *
 * <p>Implementations must be thread-safe: the iterator decodes on several threads at once.
 * A failure is an {@link IOException} whose message says what is wrong; callers add the file name.
 */
public interface ImageDecoder {

    /**
     * Decodes a whole image.
     *
     * @param file the image file
     * @return the decoded pixels, RGB
     * @throws IOException if the file cannot be read or is not a complete, valid image
     */
    RgbImage decode(Path file) throws IOException;

    /**
     * Cheap validity check used when a data set is scanned: recognises the format from the
     * file's content (not its name) and reads the header dimensions, without decoding pixels.
     * The default reads the header with {@code javax.imageio}.
     *
     * @param file the image file
     * @return {@code {width, height}} from the header
     * @throws IOException if the file is empty, unreadable, not a recognised image or has a bad header
     */
    default int[] probe(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader reader = ImageReaders.first(in);
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w < 1 || h < 1) {
                    throw new IOException("invalid image size " + w + "x" + h);
                }
                return new int[] {w, h};
            } catch (RuntimeException e) {
                throw new IOException("bad image header: " + e, e);
            } finally {
                reader.dispose();
            }
        }
    }
}
