package org.resnext4j.datavec;

import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** The first {@code javax.imageio} reader for a stream, with the errors both decoders report. */
final class ImageReaders {

    private ImageReaders() {}

    /**
     * @throws IOException "cannot open file" for a null stream, "empty file (0 bytes)" or "not a recognised image
     *                     format" when no reader accepts it
     */
    static ImageReader first(ImageInputStream in) throws IOException {
        if (in == null) {
            throw new IOException("cannot open file");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new IOException(in.length() == 0 ? "empty file (0 bytes)" : "not a recognised image format");
        }
        return readers.next();
    }
}
