package org.resnext4j.zoo;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place where graph vertex names (and the state-dict keys made from them, {@link #key}) are made. They mirror
 * torchvision's {@code ResNet} module names, which are its state-dict keys without the {@code .weight}/{@code .bias}/
 * {@code .running_mean} suffix, so weight import is a mapping table:
 * <pre>
 *   input
 *   conv1, bn1, relu, maxpool                                   stem
 *   layer{s}.{b}.conv1, .bn1, .relu1                            1x1 reduce      (stages count from 1, blocks from 0)
 *   layer{s}.{b}.conv2, .bn2, .relu2                            grouped 3x3 (carries the stride)
 *   layer{s}.{b}.conv2.slice{g} -> layer{s}.{b}.conv2.group{g}  one branch of the split grouped conv, merged
 *                                                               under the module's own name layer{s}.{b}.conv2
 *   layer{s}.{b}.conv3, .bn3                                    1x1 expand
 *   layer{s}.{b}.downsample.0, .downsample.1                    projection shortcut (conv, BN) of a stage's block 0
 *   layer{s}.{b}.add, layer{s}.{b}                              residual sum, then the block's ReLU output
 *   avgpool, fc, output                                         global average pool, logits, softmax + cross-entropy
 *   features.relu, features.layer1 .. features.layer4           a features-only graph's outputs (no avgpool, fc, output)
 * </pre>
 * torchvision applies one {@code relu} module three times per block; here each use is a vertex of its own
 * ({@code relu1}, {@code relu2}, and the block output named like the block).
 *
 * <p>In the FUSED form a convolution and the batch norm after it (and the ReLU, if any) are one vertex named after the
 * convolution ({@code conv1}, {@code layer{s}.{b}.conv1} .. {@code conv3}, {@code layer{s}.{b}.downsample.0}), which
 * holds the batch norm's parameters too ({@link #normOf}); {@code add} and the block's ReLU are one vertex named after
 * the block.
 */
public final class TorchNames {

    public static final String INPUT = "input";
    public static final String STEM_CONV = "conv1";
    public static final String STEM_BN = "bn1";
    public static final String STEM_RELU = "relu";
    public static final String MAXPOOL = "maxpool";
    public static final String AVGPOOL = "avgpool";
    public static final String FC = "fc";
    public static final String OUTPUT = "output";
    /** Prefix of the output vertices of a features-only graph, {@link #featureOutput}. */
    public static final String FEATURES = "features.";
    /** A convolution's or batch norm's weight (BN's gamma), the last part of its state-dict key ({@link #key}). */
    public static final String WEIGHT = "weight";
    /** A batch norm's or linear layer's bias (BN's beta). */
    public static final String BIAS = "bias";
    /** A batch norm's running mean. */
    public static final String RUNNING_MEAN = "running_mean";
    /** A batch norm's running variance. */
    public static final String RUNNING_VAR = "running_var";

    private static final Pattern CONV = Pattern.compile("^((?:.*\\.)?)conv(\\d)$");
    private static final Pattern BRANCH = Pattern.compile("^(.*)\\.(slice|group)(\\d+)$");

    private TorchNames() {}

    /** {@code layer{stage}.{block}}: the block, and the name of its output vertex. */
    public static String block(int stage, int block) {
        return stage(stage) + "." + block;
    }

    /** {@code layer{stage}.{block}.{module}}, e.g. {@code layer2.0.conv2} or {@code layer2.0.downsample.0}. */
    public static String module(int stage, int block, String module) {
        return block(stage, block) + "." + module;
    }

    /** {@code layer{stage}.{block}.conv{k}}: convolution {@code k} (1..3) of a bottleneck block. */
    public static String blockConv(int stage, int block, int k) {
        return module(stage, block, "conv" + k);
    }

    /** {@code layer{stage}.{block}.bn{k}}: the batch norm after {@link #blockConv}. */
    public static String blockNorm(int stage, int block, int k) {
        return module(stage, block, "bn" + k);
    }

    /** {@code layer{stage}.{block}.relu{k}}: the ReLU after {@link #blockNorm} (k = 1, 2; SPLIT form). */
    public static String blockRelu(int stage, int block, int k) {
        return module(stage, block, "relu" + k);
    }

    /** {@code layer{stage}.{block}.downsample.0}: the projection shortcut's convolution. */
    public static String downsampleConv(int stage, int block) {
        return module(stage, block, "downsample.0");
    }

    /** {@code layer{stage}.{block}.downsample.1}: the projection shortcut's batch norm. */
    public static String downsampleNorm(int stage, int block) {
        return module(stage, block, "downsample.1");
    }

    /** {@code layer{stage}.{block}.add}: the residual sum before the block's ReLU (SPLIT form). */
    public static String blockAdd(int stage, int block) {
        return module(stage, block, "add");
    }

    /** {@code {module}.{param}}: a state-dict key, e.g. {@code layer1.0.bn2.running_var} ({@link #RUNNING_VAR}). */
    public static String key(String module, String param) {
        return module + "." + param;
    }

    /** {@code layer{stage}}: torchvision's module of stage {@code stage} (1..4). */
    public static String stage(int stage) {
        return "layer" + stage;
    }

    /**
     * The vertex that computes feature {@code index} of {@link ResNeXtSpec#featureInfo()}: for the stem (index 0) the
     * ReLU after {@code bn1} ({@code relu} in the SPLIT form, the fused {@code conv1} vertex in the FUSED form), for
     * index {@code s} = 1..4 the last block of stage {@code s}.
     */
    public static String featureSource(ResNeXtSpec spec, int index) {
        if (index == 0) {
            return spec.form() == GraphForm.FUSED ? STEM_CONV : STEM_RELU;
        }
        if (index < 0 || index > ResNeXtSpec.NUM_STAGES) {
            throw new IllegalArgumentException(
                    "feature index: expected 0.." + ResNeXtSpec.NUM_STAGES + ", got " + index);
        }
        return stageOutput(spec, index);
    }

    /**
     * {@code features.{name}}: the output vertex of a features-only graph that returns the feature named {@code name}
     * ({@link FeatureInfo#name()}: {@code relu}, {@code layer1} .. {@code layer4}), the same in both graph forms.
     */
    public static String featureOutput(String name) {
        return FEATURES + name;
    }

    /** Output vertex of stage {@code stage}, i.e. of its last block. */
    public static String stageOutput(ResNeXtSpec spec, int stage) {
        return block(stage, spec.blocks(stage) - 1);
    }

    /** Channel-slice vertex feeding branch {@code group} of the split grouped conv {@code conv}. */
    public static String groupSlice(String conv, int group) {
        return conv + ".slice" + group;
    }

    /** Convolution of branch {@code group} of the split grouped conv {@code conv}. */
    public static String groupConv(String conv, int group) {
        return conv + ".group" + group;
    }

    /**
     * The batch norm that follows convolution {@code conv} in torchvision: {@code conv1 -> bn1},
     * {@code layer1.0.conv2 -> layer1.0.bn2}, {@code layer1.0.downsample.0 -> layer1.0.downsample.1}.
     */
    public static String normOf(String conv) {
        Matcher m = CONV.matcher(conv);
        if (m.matches()) {
            return m.group(1) + "bn" + m.group(2);
        }
        if (conv.endsWith(".downsample.0")) {
            return conv.substring(0, conv.length() - 1) + "1";
        }
        throw new IllegalArgumentException("\"" + conv + "\": not a torchvision convolution followed by a batch norm "
                + "(expected conv{k} or downsample.0)");
    }

    /** The torchvision module a vertex belongs to: the name without a branch suffix. */
    public static String moduleOf(String vertex) {
        Matcher m = BRANCH.matcher(vertex);
        return m.matches() ? m.group(1) : vertex;
    }

    /** The branch index of a {@code .group{g}} or {@code .slice{g}} vertex, or -1 for any other vertex. */
    public static int branchOf(String vertex) {
        Matcher m = BRANCH.matcher(vertex);
        return m.matches() ? Integer.parseInt(m.group(3)) : -1;
    }
}
