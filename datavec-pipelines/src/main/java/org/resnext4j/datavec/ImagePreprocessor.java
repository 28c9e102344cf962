package org.resnext4j.datavec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Preprocesses single images for prediction with the evaluation transform of a
 * {@link PreprocessingConfig}: the result is the {@code [1, 3, H, W]} float32 RGB tensor that
 * the validation iterator would have produced for the same file. Thread-safe.
 *
 * <pre>
 * ImagePreprocessor pre = new ImagePreprocessor(PreprocessingConfig.fromJson(savedJson));
 * INDArray probabilities = model.output(pre.preprocess(Path.of("bird.jpg")));
 * </pre>
 */
public final class ImagePreprocessor {

    private final PreprocessingConfig config;
    private final EvalTransform transform;
    private final ImageDecoder decoder;

    /**
     * Creates a preprocessor with the default {@link ImageIoDecoder}.
     *
     * @param config the model's preprocessing
     */
    public ImagePreprocessor(PreprocessingConfig config) {
        this(config, new ImageIoDecoder());
    }

    /**
     * Creates a preprocessor.
     *
     * @param config  the model's preprocessing
     * @param decoder the decoder
     */
    public ImagePreprocessor(PreprocessingConfig config, ImageDecoder decoder) {
        this.config = Objects.requireNonNull(config, "config");
        this.transform = config.evalTransform();
        this.decoder = Objects.requireNonNull(decoder, "decoder");
    }

    /** @return the configuration */
    public PreprocessingConfig config() {
        return config;
    }

    /**
     * Decodes and preprocesses one image file.
     *
     * @param file the image
     * @return a {@code [1, 3, imageSize, imageSize]} float32 array
     * @throws IOException if the file is not a readable image; the message names the file
     */
    public INDArray preprocess(Path file) throws IOException {
        RgbImage image;
        try {
            image = decoder.decode(file);
        } catch (IOException e) {
            throw new IOException("cannot decode image " + file + ": " + e.getMessage(), e);
        }
        return preprocess(image);
    }

    /**
     * Preprocesses an already decoded image.
     *
     * @param image the image
     * @return a {@code [1, 3, imageSize, imageSize]} float32 array
     */
    public INDArray preprocess(RgbImage image) {
        return Nd4j.create(toFloats(image), new long[] {1, 3, config.imageSize(), config.imageSize()}, 'c');
    }

    /**
     * The preprocessed values as a plain CHW array, without ND4J.
     *
     * @param image the image
     * @return {@code 3 * imageSize * imageSize} floats
     */
    public float[] toFloats(RgbImage image) {
        int s = config.imageSize();
        float[] out = new float[3 * s * s];
        transform.apply(image, null, out, 0);
        return out;
    }
}
