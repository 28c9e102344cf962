package org.resnext4j.datavec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * torchvision 0.14's automatic augmentation policies on 8-bit images, {@code TrivialAugmentWide()} and
 * {@code RandAugment(num_ops=2, magnitude=9)} (31 magnitude bins each, NEAREST interpolation, fill 0 unless given):
 * <ul>
 *   <li>{@link Policy#TRIVIAL_AUGMENT_WIDE}: one operation drawn uniformly from the 14 of {@link Op} (no
 *       {@code Invert}), a magnitude drawn uniformly from its 31 bins, negated with probability 1/2 for signed
 *       operations;</li>
 *   <li>{@link Policy#RAND_AUGMENT}: {@code numOps} times, an operation drawn uniformly from the same 14, at the fixed
 *       bin {@code magnitude}, negated with probability 1/2 for signed operations.</li>
 * </ul>
 * The bins are torchvision's {@code _augmentation_space} tables, computed in float32 as torch 1.13's
 * {@code linspace} does on CPU (tested equal to torchvision's, value by value); RandAugment's translations scale
 * with the image ({@code 150/331} of its width or height), TrivialAugmentWide's do not (up to 32 pixels). Each
 * operation is {@link AugmentOps}' exact counterpart of {@code _apply_op}.
 *
 * <p>Randomness comes from the {@link SplittableRandom} passed in (so a sample's augmentation is fixed by the
 * iterator's seed, epoch and position); the draws are not torch's, the distributions are. Immutable, serializable.
 */
public final class AutoAugment implements Serializable {

    private static final long serialVersionUID = 1L;

    /** torchvision's default number of magnitude bins for both policies. */
    public static final int BINS = 31;

    /** The operations of {@code _apply_op} that the two policies use, in torchvision's order. */
    public enum Op {
        IDENTITY("Identity"),
        SHEAR_X("ShearX"),
        SHEAR_Y("ShearY"),
        TRANSLATE_X("TranslateX"),
        TRANSLATE_Y("TranslateY"),
        ROTATE("Rotate"),
        BRIGHTNESS("Brightness"),
        COLOR("Color"),
        CONTRAST("Contrast"),
        SHARPNESS("Sharpness"),
        POSTERIZE("Posterize"),
        SOLARIZE("Solarize"),
        AUTO_CONTRAST("AutoContrast"),
        EQUALIZE("Equalize");

        private final String torchName;

        Op(String torchName) {
            this.torchName = torchName;
        }

        /** @return torchvision's name of the operation */
        public String torchName() {
            return torchName;
        }

        /** @return whether the policies negate the magnitude with probability 1/2 */
        public boolean signed() {
            return this.ordinal() >= SHEAR_X.ordinal() && this.ordinal() <= SHARPNESS.ordinal();
        }

        /** @return whether the operation has magnitude bins (Identity, AutoContrast and Equalize have none) */
        public boolean hasMagnitude() {
            return this != IDENTITY && this != AUTO_CONTRAST && this != EQUALIZE;
        }

        /**
         * The operation of a torchvision name.
         *
         * @param name such as {@code ShearX}
         * @return the operation
         */
        public static Op ofTorchName(String name) {
            for (Op op : values()) {
                if (op.torchName.equals(name)) {
                    return op;
                }
            }
            throw new IllegalArgumentException("unknown augmentation operation \"" + name + "\"");
        }
    }

    /** The policy. */
    public enum Policy {
        /** {@code TrivialAugmentWide(num_magnitude_bins=31)}. */
        TRIVIAL_AUGMENT_WIDE("trivialaugment"),
        /** {@code RandAugment(num_ops, magnitude, num_magnitude_bins=31)}. */
        RAND_AUGMENT("randaugment");

        private final String key;

        Policy(String key) {
            this.key = key;
        }

        /** @return the command-line and settings name ({@code trivialaugment}, {@code randaugment}) */
        public String key() {
            return key;
        }
    }

    /**
     * One drawn operation.
     *
     * @param op        the operation
     * @param magnitude its magnitude with the sign applied (0 for operations without bins)
     */
    public record Choice(Op op, double magnitude) {}

    private final Policy policy;
    private final int numOps;
    private final int magnitude;
    private final int[] fill;

    private AutoAugment(Policy policy, int numOps, int magnitude, int[] fill) {
        this.policy = policy;
        this.numOps = numOps;
        this.magnitude = magnitude;
        this.fill = fill.clone();
    }

    /** @return {@code TrivialAugmentWide()} with fill 0 */
    public static AutoAugment trivialAugmentWide() {
        return new AutoAugment(Policy.TRIVIAL_AUGMENT_WIDE, 1, -1, new int[3]);
    }

    /** @return {@code RandAugment()}: 2 operations at magnitude bin 9 of 31, fill 0 */
    public static AutoAugment randAugment() {
        return randAugment(2, 9);
    }

    /**
     * {@code RandAugment(num_ops, magnitude)}.
     *
     * @param numOps    operations applied in sequence, at least 1
     * @param magnitude the bin index, 0..30
     * @return the policy
     */
    public static AutoAugment randAugment(int numOps, int magnitude) {
        if (numOps < 1) {
            throw new IllegalArgumentException("RandAugment numOps must be at least 1, got " + numOps);
        }
        if (magnitude < 0 || magnitude >= BINS) {
            throw new IllegalArgumentException(
                    "RandAugment magnitude must be a bin index in 0.." + (BINS - 1) + ", got " + magnitude);
        }
        return new AutoAugment(Policy.RAND_AUGMENT, numOps, magnitude, new int[3]);
    }

    /**
     * The policy of a command-line name.
     *
     * @param key {@code trivialaugment} or {@code randaugment}
     * @return torchvision's default of that policy
     */
    public static AutoAugment of(String key) {
        for (Policy p : Policy.values()) {
            if (p.key.equals(key)) {
                return p == Policy.RAND_AUGMENT ? randAugment() : trivialAugmentWide();
            }
        }
        throw new IllegalArgumentException(
                "unknown auto-augment policy \"" + key + "\", expected trivialaugment or randaugment");
    }

    /**
     * The same policy with another fill colour for the geometric operations (torchvision's {@code fill}).
     *
     * @param rgb the fill, three values in 0..255
     * @return a new policy
     */
    public AutoAugment withFill(int... rgb) {
        if (rgb.length != 3) {
            throw new IllegalArgumentException("fill needs 3 values (R, G, B), got " + rgb.length);
        }
        for (int v : rgb) {
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("fill values must be in 0..255, got " + v);
            }
        }
        return new AutoAugment(policy, numOps, magnitude, rgb);
    }

    /** @return the policy */
    public Policy policy() {
        return policy;
    }

    /**
     * The magnitude bins of an operation for an image, torchvision's {@code _augmentation_space}: float32 values,
     * empty for operations without magnitude.
     *
     * @param op     the operation
     * @param width  image width (RandAugment's TranslateX)
     * @param height image height (RandAugment's TranslateY)
     * @return the {@link #BINS} values
     */
    public float[] bins(Op op, int width, int height) {
        boolean wide = policy == Policy.TRIVIAL_AUGMENT_WIDE;
        return switch (op) {
            case IDENTITY, AUTO_CONTRAST, EQUALIZE -> new float[0];
            case SHEAR_X, SHEAR_Y -> linspace(0f, wide ? 0.99f : 0.3f, BINS);
            case TRANSLATE_X -> linspace(0f, wide ? 32f : (float) (150.0 / 331.0 * width), BINS);
            case TRANSLATE_Y -> linspace(0f, wide ? 32f : (float) (150.0 / 331.0 * height), BINS);
            case ROTATE -> linspace(0f, wide ? 135f : 30f, BINS);
            case BRIGHTNESS, COLOR, CONTRAST, SHARPNESS -> linspace(0f, wide ? 0.99f : 0.9f, BINS);
            case POSTERIZE -> posterizeBins(wide ? 6 : 4);
            case SOLARIZE -> linspace(255f, 0f, BINS);
        };
    }

    /** {@code 8 - (torch.arange(31) / ((31 - 1) / levels)).round().int()}, float32 division, half to even. */
    private static float[] posterizeBins(int levels) {
        float[] b = new float[BINS];
        float div = (float) ((BINS - 1) / (double) levels);
        for (int i = 0; i < BINS; i++) {
            b[i] = 8 - (int) Math.rint((float) i / div);
        }
        return b;
    }

    /**
     * torch 1.13's float32 {@code linspace} on CPU with AVX2 kernels: step {@code (end - start) / (n - 1)}; the first
     * values in pairs of vectors of 8, {@code base + k * step} from a base at index 0, 8, ...; the rest one by one, from
     * the start below the middle and from the end above it, with fused multiply-adds. Written out because the last
     * bit of a bin decides pixels ({@code int(magnitude)} of a translation).
     */
    static float[] linspace(float start, float end, int n) {
        float step = (end - start) / (n - 1);
        int half = n / 2;
        float[] v = new float[n];
        // torch's vectorised loop covers whole pairs of 8-float vectors; the remainder is scalar
        int vectorEnd = n / 16 * 16;
        int i = 0;
        for (; i < vectorEnd; i += 8) {
            float base = scalar(start, end, step, i, n, half);
            for (int k = 0; k < 8; k++) {
                v[i + k] = base + k * step;
            }
        }
        for (; i < n; i++) {
            v[i] = scalar(start, end, step, i, n, half);
        }
        return v;
    }

    private static float scalar(float start, float end, float step, int i, int n, int half) {
        return i < half ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (n - i - 1), end);
    }

    /**
     * Draws the operations this policy applies to an image of the given size.
     *
     * @param width  image width
     * @param height image height
     * @param random randomness: per operation an index, for TrivialAugmentWide a bin, for signed operations a sign
     * @return the operations in order of application
     */
    public List<Choice> choose(int width, int height, SplittableRandom random) {
        Op[] ops = Op.values();
        List<Choice> out = new ArrayList<>(numOps);
        for (int k = 0; k < numOps; k++) {
            Op op = ops[random.nextInt(ops.length)];
            double m = 0.0;
            if (op.hasMagnitude()) {
                float[] bins = bins(op, width, height);
                m = bins[policy == Policy.TRIVIAL_AUGMENT_WIDE ? random.nextInt(bins.length) : magnitude];
            }
            if (op.signed() && random.nextBoolean()) {
                m = -m;
            }
            out.add(new Choice(op, m));
        }
        return out;
    }

    /**
     * Applies the policy: {@link #choose} then each operation.
     *
     * @param image  the image
     * @param random randomness
     * @return the augmented image
     */
    public RgbImage augment(RgbImage image, SplittableRandom random) {
        RgbImage out = image;
        for (Choice c : choose(image.width(), image.height(), random)) {
            out = apply(out, c.op(), c.magnitude(), fill);
        }
        return out;
    }

    /**
     * torchvision's {@code _apply_op(img, op_name, magnitude, NEAREST, fill)} on a PIL image.
     *
     * @param image     the image
     * @param op        the operation
     * @param magnitude the signed magnitude (shear: the tangent; translation: pixels, truncated to an integer;
     *                  rotation: degrees counter-clockwise; enhancements: factor minus 1; posterize: bits;
     *                  solarize: threshold)
     * @param fill      fill colour of the geometric operations
     * @return the result
     */
    public static RgbImage apply(RgbImage image, Op op, double magnitude, int[] fill) {
        Objects.requireNonNull(fill, "fill");
        double cx = image.width() * 0.5;
        double cy = image.height() * 0.5;
        return switch (op) {
            case IDENTITY -> image;
            case SHEAR_X ->
                AugmentOps.affine(image, 0.0, 0, 0, 1.0, AugmentOps.atanDegrees(magnitude), 0.0, 0.0, 0.0, fill);
            case SHEAR_Y ->
                AugmentOps.affine(image, 0.0, 0, 0, 1.0, 0.0, AugmentOps.atanDegrees(magnitude), 0.0, 0.0, fill);
            case TRANSLATE_X -> AugmentOps.affine(image, 0.0, (int) magnitude, 0, 1.0, 0.0, 0.0, cx, cy, fill);
            case TRANSLATE_Y -> AugmentOps.affine(image, 0.0, 0, (int) magnitude, 1.0, 0.0, 0.0, cx, cy, fill);
            case ROTATE -> AugmentOps.rotate(image, magnitude, fill);
            case BRIGHTNESS -> AugmentOps.brightness(image, 1.0 + magnitude);
            case COLOR -> AugmentOps.color(image, 1.0 + magnitude);
            case CONTRAST -> AugmentOps.contrast(image, 1.0 + magnitude);
            case SHARPNESS -> AugmentOps.sharpness(image, 1.0 + magnitude);
            case POSTERIZE -> AugmentOps.posterize(image, (int) magnitude);
            case SOLARIZE -> AugmentOps.solarize(image, magnitude);
            case AUTO_CONTRAST -> AugmentOps.autoContrast(image);
            case EQUALIZE -> AugmentOps.equalize(image);
        };
    }

    @Override
    public String toString() {
        String f = fill[0] == 0 && fill[1] == 0 && fill[2] == 0
                ? ""
                : String.format(Locale.ROOT, ", fill=[%d, %d, %d]", fill[0], fill[1], fill[2]);
        return policy == Policy.TRIVIAL_AUGMENT_WIDE
                ? "TrivialAugmentWide(bins=" + BINS + f + ")"
                : "RandAugment(ops=" + numOps + ", magnitude=" + magnitude + ", bins=" + BINS + f + ")";
    }
}
