package org.resnext4j.ui;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Objects;
import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.random.MersenneTwister;
import org.apache.commons.math3.random.RandomGenerator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.resnext4j.datavec.EpochIterator;
import org.resnext4j.datavec.ForwardingDataSetIterator;

/**
 * Mixup, CutMix and label smoothing on the batches of a training {@link EpochIterator}, as torchvision's reference
 * scripts ({@code references/classification}, v0.14) apply them, so that any DL4J loop trains on soft targets
 * (DL4J's {@code LossMCXENT}, the softmax cross-entropy, takes them as they are: {@code -sum(y * log p)}).
 *
 * <p>Per batch, when both are on, one of mixup and cutmix is chosen with probability 1/2 (torchvision's
 * {@code RandomChoice([RandomMixup(p=1), RandomCutmix(p=1)])}); with one on, that one is applied to every batch.
 * Both pair each example with its neighbour in the batch rolled by one ({@code batch.roll(1, 0)}: example {@code i}
 * with example {@code i - 1}, the first with the last) and draw {@code lambda ~ Beta(alpha, alpha)}:
 * <ul>
 *   <li>mixup: {@code x = lambda * x + (1 - lambda) * x_rolled}, the same for the one-hot labels;
 *   <li>cutmix: a box centred on a uniform pixel {@code (r_x, r_y)} ({@code r_x} in {@code [0, W)}), half-sides
 *       {@code int(0.5 * sqrt(1 - lambda) * W)} and {@code int(0.5 * sqrt(1 - lambda) * H)}, clipped to the image, is
 *       pasted from the rolled batch; the labels are mixed with the area-corrected
 *       {@code lambda = 1 - box area / image area} ({@link #cutmixBox}).
 * </ul>
 * Label smoothing then makes the targets {@code (1 - eps) * y + eps / K} for {@code K} classes (PyTorch's
 * {@code CrossEntropyLoss(label_smoothing=eps)}, which smooths the mixed targets the same way).
 *
 * <p><b>Exact resume.</b> The random draws of batch {@code b} of epoch {@code e} come from a generator seeded with
 * a function of the seed, {@code e} and {@code b} alone, so {@link #setPosition} puts the mixing where the
 * uninterrupted run had it without any saved state. The wrapped iterator's epoch and position are its own
 * (shuffle, augmentation). Features must be images {@code [N, C, H, W]} for cutmix; labels one-hot {@code [N, K]}.
 *
 * <p><b>Accuracy against the hard labels.</b> The wrapper keeps the original labels of the last
 * {@value #REMEMBERED} batches it served; {@link #hardLabels(INDArray)} finds them by the served (soft) labels'
 * values, which survive DL4J's asynchronous prefetch copying the batch. {@link TrainingRun#prepare} registers the
 * wrapper, so the run's training accuracy counts the predictions against the original labels, as torchvision's
 * loop counts them against its targets' argmax.
 */
public final class BatchMixing extends ForwardingDataSetIterator implements EpochIterator {

    private static final long serialVersionUID = 1L;

    /** Batches whose original labels are kept for {@link #hardLabels(INDArray)} (covers DL4J's prefetch queue). */
    static final int REMEMBERED = 64;

    /** The wrapped iterator ({@code base}), typed for its epoch methods. */
    private final EpochIterator data;

    private final double mixupAlpha;
    private final double cutmixAlpha;
    private final double labelSmoothing;
    private final long seed;
    private int batch;
    private final transient Deque<Served> served = new ArrayDeque<>();

    /** Original labels of a served batch, found by the soft labels served with it. */
    private record Served(double[] soft, INDArray hard) {}

    /**
     * @param data           the training data, one-hot labels
     * @param mixupAlpha     mixup's Beta parameter (torchvision's {@code --mixup-alpha}, 0.2 in its recipe), 0 off
     * @param cutmixAlpha    cutmix's Beta parameter ({@code --cutmix-alpha}, 1.0 in the recipe), 0 off
     * @param labelSmoothing {@code eps} in [0, 1) ({@code --label-smoothing}, 0.1 in the recipe), 0 off
     * @param seed           seed of the per-batch draws
     * @throws IllegalArgumentException when a value is out of range
     */
    public BatchMixing(EpochIterator data, double mixupAlpha, double cutmixAlpha, double labelSmoothing, long seed) {
        super(Objects.requireNonNull(data, "data"));
        this.data = data;
        this.mixupAlpha = nonNegative("mixupAlpha", mixupAlpha);
        this.cutmixAlpha = nonNegative("cutmixAlpha", cutmixAlpha);
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("labelSmoothing: expected a number in [0, 1), got " + labelSmoothing);
        }
        this.labelSmoothing = labelSmoothing;
        this.seed = seed;
    }

    private static double nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + ": expected a finite number >= 0 (0 turns it off), got " + v);
        }
        return v;
    }

    /** @return the wrapped iterator */
    public EpochIterator data() {
        return data;
    }

    @Override
    public DataSet next() {
        DataSet ds = data.next();
        int b = batch++;
        INDArray features = ds.getFeatures().dup();
        INDArray hard = ds.getLabels().dup();
        INDArray labels = hard.dup();
        if (labels.rank() != 2) {
            throw new IllegalStateException(
                    "BatchMixing needs one-hot labels [batch, classes], got shape " + Arrays.toString(labels.shape()));
        }
        RandomGenerator rng = generator(seed, data.epoch(), b);
        boolean mixup = mixupAlpha > 0 && (cutmixAlpha == 0 || rng.nextDouble() < 0.5);
        if (mixup) {
            mixup(features, labels, new BetaDistribution(rng, mixupAlpha, mixupAlpha).sample());
        } else if (cutmixAlpha > 0) {
            if (features.rank() != 4) {
                throw new IllegalStateException(
                        "cutmix needs image features [N, C, H, W], got shape " + Arrays.toString(features.shape()));
            }
            double lambda = new BetaDistribution(rng, cutmixAlpha, cutmixAlpha).sample();
            int w = (int) features.size(3);
            int h = (int) features.size(2);
            int rx = rng.nextInt(w);
            int ry = rng.nextInt(h);
            cutmix(features, labels, cutmixBox(w, h, lambda, rx, ry));
        }
        if (labelSmoothing > 0) {
            smooth(labels, labelSmoothing);
        }
        synchronized (served) {
            served.addLast(new Served(values(labels), hard));
            while (served.size() > REMEMBERED) {
                served.removeFirst();
            }
        }
        DataSet out = new DataSet(features, labels, ds.getFeaturesMaskArray(), ds.getLabelsMaskArray());
        out.setExampleMetaData(ds.getExampleMetaData());
        return out;
    }

    /**
     * The original (one-hot) labels of a batch this wrapper served.
     *
     * @param servedLabels the labels as the network received them (soft), or a copy
     * @return the original labels, or {@code null} when no recently served batch has these labels
     */
    public INDArray hardLabels(INDArray servedLabels) {
        double[] v = values(servedLabels);
        synchronized (served) {
            for (Served s : served) {
                if (Arrays.equals(s.soft, v)) {
                    return s.hard;
                }
            }
        }
        return null;
    }

    private static double[] values(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /**
     * The generator of one batch's draws: Mersenne Twister (commons-math) seeded with a SplitMix64 hash of the seed,
     * the epoch and the batch, so any batch's draws can be reproduced without replaying the earlier ones.
     */
    static RandomGenerator generator(long seed, int epoch, int batch) {
        long h = mix64(seed);
        h = mix64(h + 0x9E3779B97F4A7C15L * (epoch + 1L));
        h = mix64(h + 0x9E3779B97F4A7C15L * (batch + 1L));
        return new MersenneTwister(h);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Mixup in place: {@code x = lambda * x + (1 - lambda) * x.roll(1, 0)}, the same for the labels.
     *
     * @param features the batch, first dimension the examples
     * @param labels   the labels {@code [N, K]}
     * @param lambda   the mixing weight in [0, 1]
     */
    static void mixup(INDArray features, INDArray labels, double lambda) {
        mixRolled(features, lambda);
        mixRolled(labels, lambda);
    }

    /** {@code a = lambda * a + (1 - lambda) * roll(a, 1, 0)} in place. */
    private static void mixRolled(INDArray a, double lambda) {
        INDArray rolled = rolled(a);
        a.muli(lambda).addi(rolled.muli(1.0 - lambda));
    }

    /** {@code torch.roll(a, 1, 0)}: row {@code i} of the result is row {@code i - 1}, row 0 the last row. */
    static INDArray rolled(INDArray a) {
        long n = a.size(0);
        if (n == 1) {
            return a.dup();
        }
        return Nd4j.concat(
                0,
                a.get(NDArrayIndex.interval(n - 1, n)).dup(),
                a.get(NDArrayIndex.interval(0, n - 1)).dup());
    }

    /**
     * CutMix's box {@code [x1, x2) x [y1, y2)} and its area-corrected lambda, as torchvision's
     * {@code RandomCutmix} computes them: half-sides {@code int(0.5 * sqrt(1 - lambda) * W)} and
     * {@code int(0.5 * sqrt(1 - lambda) * H)} around {@code (rx, ry)}, clipped to the image;
     * {@code lambda = 1 - (x2 - x1) * (y2 - y1) / (W * H)}.
     *
     * @param width  image width W
     * @param height image height H
     * @param lambda the drawn lambda
     * @param rx     the centre's column in [0, W)
     * @param ry     the centre's row in [0, H)
     * @return the box
     */
    static Box cutmixBox(int width, int height, double lambda, int rx, int ry) {
        double r = 0.5 * Math.sqrt(1.0 - lambda);
        int rw = (int) (r * width);
        int rh = (int) (r * height);
        int x1 = Math.max(rx - rw, 0);
        int y1 = Math.max(ry - rh, 0);
        int x2 = Math.min(rx + rw, width);
        int y2 = Math.min(ry + rh, height);
        return new Box(x1, y1, x2, y2, 1.0 - (double) (x2 - x1) * (y2 - y1) / ((double) width * height));
    }

    /**
     * A cutmix box and the label weight of the original image.
     *
     * @param x1     first column
     * @param y1     first row
     * @param x2     column after the last
     * @param y2     row after the last
     * @param lambda the area-corrected weight of the original image's label
     */
    record Box(int x1, int y1, int x2, int y2, double lambda) {}

    /**
     * CutMix in place: the box of every image replaced by the rolled batch's, labels mixed with the box's lambda.
     *
     * @param features images {@code [N, C, H, W]}
     * @param labels   labels {@code [N, K]}
     * @param box      from {@link #cutmixBox}
     */
    static void cutmix(INDArray features, INDArray labels, Box box) {
        if (box.x2 > box.x1 && box.y2 > box.y1) {
            INDArray rolled = rolled(features);
            INDArrayIndex[] region = {
                NDArrayIndex.all(),
                NDArrayIndex.all(),
                NDArrayIndex.interval(box.y1, box.y2),
                NDArrayIndex.interval(box.x1, box.x2)
            };
            features.get(region).assign(rolled.get(region));
        }
        mixRolled(labels, box.lambda);
    }

    /**
     * Label smoothing in place: {@code y = (1 - eps) * y + eps / K}.
     *
     * @param labels {@code [N, K]}
     * @param eps    the smoothing
     */
    static void smooth(INDArray labels, double eps) {
        labels.muli(1.0 - eps).addi(eps / labels.size(1));
    }

    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("BatchMixing serves the wrapped iterator's batches; use next()");
    }

    @Override
    public void reset() {
        super.reset();
        batch = 0;
    }

    @Override
    public int epoch() {
        return data.epoch();
    }

    @Override
    public void setEpoch(int epoch) {
        data.setEpoch(epoch);
        batch = 0;
    }

    @Override
    public void setPosition(int epoch, int batchIndex) {
        data.setPosition(epoch, batchIndex);
        batch = batchIndex;
    }

    @Override
    public int numBatches() {
        return data.numBatches();
    }
}
