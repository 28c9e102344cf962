package org.resnext4j.datavec;

import java.util.Random;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.transform.BaseImageTransform;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;

/**
 * Our torchvision-exact transforms as DataVec {@code ImageTransform}s, for pipelines built on DataVec's
 * {@code ImageRecordReader} and {@code PipelineImageTransform}:
 * <pre>{@code
 * ImageTransform t = new PipelineImageTransform(
 *         DataVecImageTransforms.resizeCenterCrop(256, 224),            // or randomResizedCrop(TrainTransform)
 *         new ColorConversionTransform(opencv_imgproc.COLOR_BGR2RGB));   // DataVec's: planes in RGB order
 * ImageRecordReader reader = new ImageRecordReader(224, 224, 3, new ParentPathLabelGenerator(), t);
 * DataSetIterator it = new RecordReaderDataSetIterator(reader, 32, 1, numClasses);
 * it.setPreProcessor(DataVecImageTransforms.normalizer(Normalization.IMAGENET));
 * }</pre>
 *
 * <p>What DataVec's interface allows and what it does not:
 * <ul>
 *   <li>Resizing, cropping and flipping are {@code ImageTransform}s: they map an 8-bit image to an 8-bit image.
 *       They run our Pillow-exact resampler on the OpenCV {@code Mat} (BGR, as DataVec holds images). So are the
 *       colour jitter ({@link #colorJitter}) and the automatic augmentation policies ({@link #autoAugment}), which
 *       torchvision applies to the 8-bit image too.</li>
 *   <li>Random erasing works on the normalised tensor, as torchvision's: a {@code DataSetPreProcessor}
 *       ({@link #randomErasing}) to run after {@link #normalizer} (DL4J's {@code CompositeDataSetPreProcessor}).</li>
 *   <li>Normalisation is not: DataVec's {@code ImageTransform} returns an 8-bit image, and the conversion to floats
 *       happens afterwards in {@code NativeImageLoader}. It is a DL4J {@code DataSetPreProcessor} here
 *       ({@link #normalizer}), applied to the 0..255 floats the reader produces, with the same per-value table as
 *       our transforms, so the values are identical.</li>
 *   <li>Channel order is DataVec's {@code ColorConversionTransform(COLOR_BGR2RGB)} at the end of the pipeline:
 *       torchvision models expect RGB planes and DataVec produces BGR ones.</li>
 *   <li>Randomness comes from the {@code java.util.Random} DataVec passes in, so it is reproducible per reader
 *       seed but not tied to (epoch, position) as in {@link ImageFolderIterator} and {@link ImageFolderRecordReader},
 *       which remain the exactly resumable paths.</li>
 *   <li>Decoding stays DataVec's (OpenCV): PNG pixels are the same as ours; JPEG decoders may differ by a level
 *       here and there; EXIF orientation and CMYK handling are OpenCV's.</li>
 * </ul>
 * On PNG images, {@code ImageRecordReader} with {@link #resizeCenterCrop}, the colour conversion and
 * {@link #normalizer} gives the same tensors as {@link ImageFolderIterator} with {@link EvalTransform} (tested).
 */
public final class DataVecImageTransforms {

    private DataVecImageTransforms() {}

    /**
     * torchvision's {@code Resize(resize)} then {@code CenterCrop(crop)} (Pillow's bilinear filter), as
     * {@link EvalTransform}.
     *
     * @param resize shorter side after resizing
     * @param crop   side of the square center crop
     * @return the DataVec transform
     */
    public static org.datavec.image.transform.ImageTransform resizeCenterCrop(int resize, int crop) {
        EvalTransform eval = new EvalTransform(resize, crop, Normalization.NONE);
        return new Adapter("resizeCenterCrop(" + resize + ", " + crop + ")") {
            @Override
            RgbImage apply(RgbImage image, Random random) {
                return eval.resizeAndCrop(image);
            }
        };
    }

    /**
     * torchvision's {@code RandomResizedCrop} and {@code RandomHorizontalFlip} with the settings of a
     * {@link TrainTransform}, and its colour jitter and auto-augment policy when it has them (its normalisation is
     * left to {@link #normalizer}, its random erasing to {@link #randomErasing}).
     *
     * @param transform the crop and flip settings
     * @return the DataVec transform
     */
    public static org.datavec.image.transform.ImageTransform randomResizedCrop(TrainTransform transform) {
        return seeded("randomResizedCrop(" + transform + ")", transform::augment);
    }

    /**
     * torchvision's {@code TrivialAugmentWide} or {@code RandAugment} on the 8-bit image ({@link AutoAugment}).
     *
     * @param policy the policy
     * @return the DataVec transform
     */
    public static org.datavec.image.transform.ImageTransform autoAugment(AutoAugment policy) {
        java.util.Objects.requireNonNull(policy, "policy");
        return seeded(policy.toString(), policy::augment);
    }

    /**
     * torchvision's {@code ColorJitter} on the 8-bit image ({@link ColorJitter}).
     *
     * @param jitter the jitter
     * @return the DataVec transform
     */
    public static org.datavec.image.transform.ImageTransform colorJitter(ColorJitter jitter) {
        java.util.Objects.requireNonNull(jitter, "jitter");
        return seeded(jitter.toString(), jitter::apply);
    }

    /**
     * torchvision's {@code RandomErasing} on normalised {@code [N, 3, H, W]} features, each example with its own
     * draws from a generator seeded once here (reproducible per seed and order of batches, not per sample
     * position as in {@link TrainTransform}). Not thread-safe: one preprocessor per iterator.
     *
     * @param erasing the erasing
     * @param seed    seed of the draws
     * @return a DL4J preprocessor for {@code iterator.setPreProcessor} (after {@link #normalizer})
     */
    public static DataSetPreProcessor randomErasing(RandomErasing erasing, long seed) {
        java.util.Objects.requireNonNull(erasing, "erasing");
        SplittableRandom random = new SplittableRandom(seed);
        return ds -> {
            org.nd4j.linalg.api.ndarray.INDArray f = ds.getFeatures();
            if (f.rank() != 4) {
                throw new IllegalArgumentException(
                        "expected image features [N, C, H, W], got " + java.util.Arrays.toString(f.shape()));
            }
            int n = (int) f.size(0);
            int c = (int) f.size(1);
            int h = (int) f.size(2);
            int w = (int) f.size(3);
            float[] x = f.dup('c').data().asFloat();
            for (int i = 0; i < n; i++) {
                erasing.apply(x, i * c * h * w, c, h, w, random);
            }
            ds.setFeatures(
                    org.nd4j.linalg.factory.Nd4j.create(x, f.shape(), 'c').castTo(f.dataType()));
        };
    }

    /**
     * Normalises the 0..255 RGB features of DataVec's image readers ({@code [N, 3, H, W]}, planes in RGB order) as
     * our transforms do: {@code (v / 255 - mean[c]) / std[c]} through the same per-value table.
     *
     * @param normalization the normalisation
     * @return a DL4J preprocessor for {@code iterator.setPreProcessor}
     */
    public static DataSetPreProcessor normalizer(Normalization normalization) {
        return new Normalizer(normalization);
    }

    /** Normalises with a per-channel table of the 256 possible 8-bit values. */
    private static final class Normalizer implements DataSetPreProcessor {
        private static final long serialVersionUID = 1L;
        private final Normalization normalization;

        Normalizer(Normalization normalization) {
            this.normalization = java.util.Objects.requireNonNull(normalization, "normalization");
        }

        @Override
        public void preProcess(org.nd4j.linalg.dataset.api.DataSet ds) {
            org.nd4j.linalg.api.ndarray.INDArray f = ds.getFeatures();
            if (f.rank() != 4 || f.size(1) != 3) {
                throw new IllegalArgumentException(
                        "expected image features [N, 3, H, W], got " + java.util.Arrays.toString(f.shape()));
            }
            float[][] lut = new float[3][256];
            for (int c = 0; c < 3; c++) {
                for (int v = 0; v < 256; v++) {
                    lut[c][v] = normalization.apply(v, c);
                }
            }
            float[] x = f.dup('c').data().asFloat();
            long plane = f.size(2) * f.size(3);
            for (int i = 0; i < x.length; i++) {
                int c = (int) ((i / plane) % 3);
                int v = Math.max(0, Math.min(255, Math.round(x[i])));
                x[i] = lut[c][v];
            }
            ds.setFeatures(
                    org.nd4j.linalg.factory.Nd4j.create(x, f.shape(), 'c').castTo(f.dataType()));
        }
    }

    /** A random 8-bit operation of ours: the image and its own generator in, the result out. */
    private interface RandomOp extends java.io.Serializable {
        RgbImage apply(RgbImage image, SplittableRandom random);
    }

    /** An {@link Adapter} running {@code op} with a generator seeded from the one DataVec passes in. */
    private static org.datavec.image.transform.ImageTransform seeded(String name, RandomOp op) {
        return new Adapter(name) {
            @Override
            RgbImage apply(RgbImage image, Random random) {
                return op.apply(image, new SplittableRandom(random.nextLong()));
            }
        };
    }

    /**
     * A DataVec transform on our {@link RgbImage}: the OpenCV {@code Mat} (8-bit BGR, gray or BGRA) in, converted
     * to RGB bytes, transformed, and back to an 8-bit BGR {@code Mat}.
     */
    private abstract static class Adapter extends BaseImageTransform<Mat> {
        private final String name;

        Adapter(String name) {
            super(null);
            this.name = name;
            this.converter = new OpenCVFrameConverter.ToMat();
        }

        abstract RgbImage apply(RgbImage image, Random random);

        @Override
        protected ImageWritable doTransform(ImageWritable image, Random random) {
            if (image == null) {
                return null;
            }
            Mat mat = converter.convert(image.getFrame());
            RgbImage out = apply(toRgb(mat), random != null ? random : new Random());
            return new ImageWritable(converter.convert(toBgrMat(out)));
        }

        @Override
        public String toString() {
            return name;
        }

        private static RgbImage toRgb(Mat mat) {
            if (mat.depth() != opencv_core.CV_8U) {
                throw new IllegalArgumentException("expected an 8-bit image, got OpenCV depth " + mat.depth());
            }
            Mat m = mat.isContinuous() ? mat : mat.clone();
            int w = m.cols();
            int h = m.rows();
            int ch = m.channels();
            byte[] src = new byte[w * h * ch];
            m.data().get(src);
            byte[] rgb = new byte[w * h * 3];
            for (int i = 0; i < w * h; i++) {
                if (ch == 1) {
                    rgb[i * 3] = src[i];
                    rgb[i * 3 + 1] = src[i];
                    rgb[i * 3 + 2] = src[i];
                } else if (ch == 3 || ch == 4) {
                    rgb[i * 3] = src[i * ch + 2];
                    rgb[i * 3 + 1] = src[i * ch + 1];
                    rgb[i * 3 + 2] = src[i * ch];
                } else {
                    throw new IllegalArgumentException("expected 1, 3 or 4 channels, got " + ch);
                }
            }
            return new RgbImage(w, h, rgb);
        }

        private static Mat toBgrMat(RgbImage img) {
            byte[] px = img.pixels();
            byte[] bgr = new byte[px.length];
            for (int i = 0; i < px.length; i += 3) {
                bgr[i] = px[i + 2];
                bgr[i + 1] = px[i + 1];
                bgr[i + 2] = px[i];
            }
            Mat m = new Mat(img.height(), img.width(), opencv_core.CV_8UC3);
            BytePointer data = m.data();
            data.put(bgr);
            return m;
        }
    }
}
