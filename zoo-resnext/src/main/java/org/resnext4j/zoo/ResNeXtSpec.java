package org.resnext4j.zoo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The immutable, validated description of one ResNet/ResNeXt network, in torchvision's terms.
 *
 * <p>ResNeXt (Xie et al., "Aggregated Residual Transformations for Deep Neural Networks", CVPR 2017,
 * arXiv:1611.05431) is ResNet (He et al., arXiv:1512.03385) whose bottleneck 3x3 convolution is grouped into
 * {@code cardinality} groups. As in torchvision's {@code models/resnet.py}, two integers cover both families:
 * {@code cardinality} ({@code groups}) and {@code baseWidth} ({@code width_per_group}); ResNet-50 is cardinality 1
 * and base width 64. The stride of a down-sampling block sits on the 3x3 convolution ("ResNet v1.5"), as torchvision.
 *
 * <p><b>The width formula</b>, written once in {@link #bottleneckWidth(int)}: the bottleneck width of stage {@code s} is
 * {@code floor(planes[s] * baseWidth / 64) * cardinality}, and the stage's output has {@code 4 * planes[s]}
 * channels ({@link #EXPANSION}). Worked widths for the default planes (64, 128, 256, 512):
 * <pre>
 *   preset             layer1  layer2  layer3  layer4   (bottleneck width / output channels)
 *   resnet50             64     128     256     512     / 256, 512, 1024, 2048
 *   resnext50_32x4d     128     256     512    1024
 *   resnext50_64x4d     256     512    1024    2048
 *   resnext101_32x8d    256     512    1024    2048
 *   resnext101_64x4d    256     512    1024    2048
 * </pre>
 *
 * <p>{@code planes} and {@code stemWidth} default to torchvision's fixed 64, 128, 256, 512 and 64; narrower values
 * give small networks of the same shape for tests and reference fixtures.
 *
 * <p>Every value is checked when the spec is built: an invalid one raises {@link IllegalArgumentException} naming
 * the field, the value given and what was expected. Instances are created through {@link #builder()} or
 * {@link #preset(String)} and changed through {@link #toBuilder()}.
 */
public final class ResNeXtSpec {

    /** Channel expansion of the bottleneck block: output channels = 4 x planes. */
    public static final int EXPANSION = 4;
    /** Number of residual stages ({@code layer1} .. {@code layer4}). */
    public static final int NUM_STAGES = 4;

    /** The default form of grouped convolutions, the faster one as measured by the benchmark (see the README). */
    public static final GraphForm DEFAULT_GROUPED_CONV = GraphForm.FUSED;

    private static final Map<String, ResNeXtSpec> PRESETS = new LinkedHashMap<>();

    static {
        register(builder()
                .name("resnet50")
                .blocks(3, 4, 6, 3)
                .cardinality(1)
                .baseWidth(64)
                .build());
        register(builder()
                .name("resnext50_32x4d")
                .blocks(3, 4, 6, 3)
                .cardinality(32)
                .baseWidth(4)
                .build());
        register(builder()
                .name("resnext50_64x4d")
                .blocks(3, 4, 6, 3)
                .cardinality(64)
                .baseWidth(4)
                .build());
        register(builder()
                .name("resnext101_32x8d")
                .blocks(3, 4, 23, 3)
                .cardinality(32)
                .baseWidth(8)
                .build());
        register(builder()
                .name("resnext101_64x4d")
                .blocks(3, 4, 23, 3)
                .cardinality(64)
                .baseWidth(4)
                .build());
    }

    private static void register(ResNeXtSpec spec) {
        PRESETS.put(spec.name, spec);
    }

    private final String name;
    private final int[] blocks;
    private final int cardinality;
    private final int baseWidth;
    private final int[] planes;
    private final int stemWidth;
    private final int numClasses;
    private final int channels;
    private final int height;
    private final int width;
    private final GraphForm form;

    private ResNeXtSpec(Builder b) {
        this.name = b.name;
        this.blocks = b.blocks.clone();
        this.cardinality = b.cardinality;
        this.baseWidth = b.baseWidth;
        this.planes = b.planes.clone();
        this.stemWidth = b.stemWidth;
        this.numClasses = b.numClasses;
        this.channels = b.channels;
        this.height = b.height;
        this.width = b.width;
        this.form = b.form;
        validate();
    }

    private void validate() {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name: expected a non-empty model name, got " + quote(name));
        }
        if (blocks.length != NUM_STAGES) {
            throw new IllegalArgumentException("blocks: expected " + NUM_STAGES
                    + " stages (torchvision's layer1..layer4), got " + blocks.length + " " + Arrays.toString(blocks));
        }
        if (planes.length != NUM_STAGES) {
            throw new IllegalArgumentException("planes: expected " + NUM_STAGES
                    + " stage widths (torchvision's 64, 128, 256, 512), got " + planes.length + " "
                    + Arrays.toString(planes));
        }
        for (int s = 0; s < NUM_STAGES; s++) {
            positive("blocks[" + s + "] (blocks of layer" + (s + 1) + ")", blocks[s]);
            positive("planes[" + s + "] (planes of layer" + (s + 1) + ")", planes[s]);
        }
        if (form == null) {
            throw new IllegalArgumentException(
                    "form: expected one of " + Arrays.toString(GraphForm.values()) + ", got null");
        }
        positive("cardinality", cardinality);
        positive("baseWidth", baseWidth);
        positive("stemWidth", stemWidth);
        positive("numClasses", numClasses);
        positive("inputShape channels", channels);
        positive("inputShape height", height);
        positive("inputShape width", width);
        for (int s = 0; s < NUM_STAGES; s++) {
            long perGroup = (long) planes[s] * baseWidth / 64;
            if (perGroup < 1) {
                throw new IllegalArgumentException(
                        "baseWidth: expected planes * baseWidth / 64 >= 1 for every stage, got "
                                + "baseWidth " + baseWidth + " with planes[" + s + "] " + planes[s]
                                + " (a bottleneck width of 0 channels per group)");
            }
            if ((long) planes[s] * EXPANSION > Integer.MAX_VALUE || perGroup * cardinality > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("planes[" + s + "]: expected a channel count that fits an int, got "
                        + planes[s] + " with baseWidth " + baseWidth + " and cardinality " + cardinality);
            }
        }
        SpatialShapes.check(this);
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + ": expected a positive integer, got " + value);
        }
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    /**
     * A small ResNeXt for 2-core machines, demos and tests (not a torchvision model, so not a {@link #preset}): one
     * block per stage, cardinality 4, planes 16/32/64/128, base width 16 (bottleneck widths 16, 32, 64, 128 in 4
     * groups; outputs 64, 128, 256, 512 channels), stem 16 channels; 1000 classes at 224x224 until changed.
     *
     * @return the spec, named {@code tiny}
     */
    public static ResNeXtSpec tiny() {
        return builder()
                .name("tiny")
                .blocks(1, 1, 1, 1)
                .cardinality(4)
                .baseWidth(16)
                .planes(16, 32, 64, 128)
                .stemWidth(16)
                .build();
    }

    /**
     * The preset of that name ({@link #presetNames()}), with 1000 classes and 3x224x224 input like torchvision's.
     *
     * @throws IllegalArgumentException naming the unknown preset and listing the known ones
     */
    public static ResNeXtSpec preset(String presetName) {
        ResNeXtSpec spec = PRESETS.get(presetName);
        if (spec == null) {
            throw new IllegalArgumentException(
                    "preset: unknown model preset " + quote(presetName) + ", expected one of " + PRESETS.keySet());
        }
        return spec;
    }

    /** The stable preset names, in a fixed order. */
    public static List<String> presetNames() {
        return List.copyOf(PRESETS.keySet());
    }

    /** All presets, in the order of {@link #presetNames()}. */
    public static List<ResNeXtSpec> presets() {
        return List.copyOf(PRESETS.values());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this spec's values, to derive a changed copy (e.g. another number of classes). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.blocks = blocks.clone();
        b.cardinality = cardinality;
        b.baseWidth = baseWidth;
        b.planes = planes.clone();
        b.stemWidth = stemWidth;
        b.numClasses = numClasses;
        b.channels = channels;
        b.height = height;
        b.width = width;
        b.form = form;
        return b;
    }

    /** This spec with another number of classes. */
    public ResNeXtSpec withNumClasses(int n) {
        return toBuilder().numClasses(n).build();
    }

    /** This spec with another input shape (channels, height, width). */
    public ResNeXtSpec withInputShape(int c, int h, int w) {
        return toBuilder().inputShape(c, h, w).build();
    }

    /**
     * Bottleneck width (channels of the grouped 3x3 convolution) of stage {@code stage} (1..4):
     * {@code floor(planes * baseWidth / 64) * cardinality}, torchvision's formula.
     */
    public int bottleneckWidth(int stage) {
        int p = planes[stageIndex(stage)];
        return (int) ((long) p * baseWidth / 64) * cardinality;
    }

    /** Output channels of stage {@code stage} (1..4): {@code 4 * planes}. */
    public int outChannels(int stage) {
        return planes[stageIndex(stage)] * EXPANSION;
    }

    /** Number of bottleneck blocks in stage {@code stage} (1..4). */
    public int blocks(int stage) {
        return blocks[stageIndex(stage)];
    }

    /** Stride of the first block of stage {@code stage} (1..4): 1 for layer1, 2 otherwise. */
    public int stageStride(int stage) {
        return stageIndex(stage) == 0 ? 1 : 2;
    }

    /**
     * The five feature maps a features-only graph can return ({@link ResNeXt.Builder#featuresOnly(int...)}), in
     * timm's {@code feature_info} order: the stem ({@code relu}, reduction 2) and {@code layer1} .. {@code layer4}
     * (reductions 4, 8, 16, 32). See {@link FeatureInfo}.
     */
    public List<FeatureInfo> featureInfo() {
        List<FeatureInfo> info = new ArrayList<>();
        int reduction = 2; // conv1 has stride 2
        info.add(new FeatureInfo(TorchNames.STEM_RELU, stemWidth, reduction));
        reduction *= 2; // the stem's max pool
        for (int stage = 1; stage <= NUM_STAGES; stage++) {
            reduction *= stageStride(stage);
            info.add(new FeatureInfo(TorchNames.stage(stage), outChannels(stage), reduction));
        }
        return List.copyOf(info);
    }

    private static int stageIndex(int stage) {
        if (stage < 1 || stage > NUM_STAGES) {
            throw new IllegalArgumentException("stage: expected 1.." + NUM_STAGES + ", got " + stage);
        }
        return stage - 1;
    }

    public String name() {
        return name;
    }

    /** Blocks per stage, a copy. */
    public int[] blocks() {
        return blocks.clone();
    }

    public int cardinality() {
        return cardinality;
    }

    public int baseWidth() {
        return baseWidth;
    }

    /** Planes per stage (torchvision's 64, 128, 256, 512 by default), a copy. */
    public int[] planes() {
        return planes.clone();
    }

    public int stemWidth() {
        return stemWidth;
    }

    public int numClasses() {
        return numClasses;
    }

    /** Input channels (3 for RGB). */
    public int inputChannels() {
        return channels;
    }

    /** Input image height in pixels. */
    public int inputHeight() {
        return height;
    }

    /** Input image width in pixels (the bottleneck width of a stage is {@link #bottleneckWidth(int)}). */
    public int inputWidth() {
        return width;
    }

    /** How grouped convolutions are built (irrelevant for cardinality 1). */
    public GraphForm form() {
        return form;
    }

    /** This spec with grouped convolutions built in another form. */
    public ResNeXtSpec withForm(GraphForm form) {
        return toBuilder().form(form).build();
    }

    /**
     * The spec as a JSON-ready map (what model cards store): {@code name, blocks, cardinality, baseWidth, planes,
     * stemWidth, numClasses, inputShape, form}; {@link #fromMap} reads it back to an equal spec.
     */
    public Map<String, Object> toMap() {
        return SpecMap.toMap(this);
    }

    /**
     * The spec a {@link #toMap()} map describes. {@code form} may be missing (maps written before it was stored):
     * the default form is assumed, as the graph itself holds the layers anyway.
     *
     * @throws IllegalArgumentException naming the key that is missing or has a wrong value
     */
    public static ResNeXtSpec fromMap(Map<?, ?> m) {
        return SpecMap.fromMap(m);
    }

    /** Input shape as DL4J's zoo writes it: {@code {channels, height, width}}. */
    public int[] inputShape() {
        return new int[] {channels, height, width};
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ResNeXtSpec)) {
            return false;
        }
        ResNeXtSpec s = (ResNeXtSpec) o;
        return name.equals(s.name)
                && Arrays.equals(blocks, s.blocks)
                && cardinality == s.cardinality
                && baseWidth == s.baseWidth
                && Arrays.equals(planes, s.planes)
                && stemWidth == s.stemWidth
                && numClasses == s.numClasses
                && channels == s.channels
                && height == s.height
                && width == s.width
                && form == s.form;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                name,
                Arrays.hashCode(blocks),
                cardinality,
                baseWidth,
                Arrays.hashCode(planes),
                stemWidth,
                numClasses,
                channels,
                height,
                width,
                form);
    }

    @Override
    public String toString() {
        return name + "(blocks=" + Arrays.toString(blocks) + ", cardinality=" + cardinality + ", baseWidth="
                + baseWidth + ", planes=" + Arrays.toString(planes) + ", stemWidth=" + stemWidth + ", numClasses="
                + numClasses + ", input=" + channels + "x" + height + "x" + width + ", form=" + form + ")";
    }

    /** Mutable builder; {@link #build()} validates. Defaults: torchvision's planes and stem, 1000 classes, 3x224x224. */
    public static final class Builder {
        private String name = "custom";
        private int[] blocks = {3, 4, 6, 3};
        private int cardinality = 1;
        private int baseWidth = 64;
        private int[] planes = {64, 128, 256, 512};
        private int stemWidth = 64;
        private int numClasses = 1000;
        private int channels = 3;
        private int height = 224;
        private int width = 224;
        private GraphForm form = DEFAULT_GROUPED_CONV;

        private Builder() {}

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Bottleneck blocks per stage; exactly four values expected. */
        public Builder blocks(int... blocks) {
            this.blocks = Objects.requireNonNull(blocks, "blocks").clone();
            return this;
        }

        public Builder cardinality(int cardinality) {
            this.cardinality = cardinality;
            return this;
        }

        public Builder baseWidth(int baseWidth) {
            this.baseWidth = baseWidth;
            return this;
        }

        /** Planes per stage (torchvision: 64, 128, 256, 512); exactly four values expected. */
        public Builder planes(int... planes) {
            this.planes = Objects.requireNonNull(planes, "planes").clone();
            return this;
        }

        /** Output channels of the 7x7 stem convolution (torchvision: 64). */
        public Builder stemWidth(int stemWidth) {
            this.stemWidth = stemWidth;
            return this;
        }

        public Builder numClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        public Builder inputShape(int channels, int height, int width) {
            this.channels = channels;
            this.height = height;
            this.width = width;
            return this;
        }

        /** How grouped convolutions are built; default {@link ResNeXtSpec#DEFAULT_GROUPED_CONV}. */
        public Builder form(GraphForm form) {
            this.form = form;
            return this;
        }

        public ResNeXtSpec build() {
            return new ResNeXtSpec(this);
        }
    }
}
