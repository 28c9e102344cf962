package org.resnext4j.zoo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.resnext4j.zoo.kernels.InferenceEngine;
import org.resnext4j.zoo.kernels.Kernels;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * A trained ResNeXt/ResNet prepared for inference only, as ONNX Runtime would run it: a snapshot of the network's
 * weights with each batch norm folded into its convolution ({@code w * gamma / sqrt(var + eps)}, bias
 * {@code beta - mean * gamma / sqrt(var + eps)}), ReLU and the residual sum fused into the convolutions as oneDNN
 * post-ops, activations left in oneDNN's layouts between layers. Outputs equal the graph's in inference mode
 * ({@code net.outputSingle(false, x)}) to float rounding. Works from either graph form (the weights are read by their
 * torchvision names). A snapshot: after the network's weights change, make a new one.
 *
 * <pre>{@code
 * try (InferenceModel fast = InferenceModel.of(net, spec)) {
 *     INDArray probabilities = fast.output(images);   // [N, classes], as net.outputSingle(false, images)
 * }
 * }</pre>
 */
public final class InferenceModel implements AutoCloseable {

    private static final double BN_EPS = 1e-5;

    /**
     * The calibration method chosen by measurement (docs/quantization.md): the 99.999th percentile of |value| gave the
     * smallest logit error and the highest top-1 agreement of MAX and the 99.9th, 99.99th, 99.999th percentiles.
     */
    public static final Int8Calibration.Method DEFAULT_METHOD = Int8Calibration.Method.PERCENTILE;

    /** The percentile {@link #DEFAULT_METHOD} keeps. */
    public static final double DEFAULT_PERCENTILE = 99.999;

    private final InferenceEngine engine;
    private final INDArray fcWeightT;
    private final INDArray fcBias;
    private final InferencePrecision precision;
    private final Int8Calibration calibration;

    private InferenceModel(
            InferenceEngine engine,
            INDArray fcWeightT,
            INDArray fcBias,
            InferencePrecision precision,
            Int8Calibration calibration) {
        this.engine = engine;
        this.fcWeightT = fcWeightT;
        this.fcBias = fcBias;
        this.precision = precision;
        this.calibration = calibration;
    }

    /**
     * Why {@code precision} cannot run here, or null when it can: the inference form runs where {@link Kernels} chooses
     * oneDNN (not with {@code -Dresnext4j.kernel=nd4j}, on ND4J's CUDA backend, or where oneDNN's natives do not load:
     * the reason is named), and BF16 only on a CPU with AVX512-BF16 or AMX (the instruction set is named).
     */
    public static String refusal(InferencePrecision precision) {
        return Kernels.inferenceRefusal(engine(precision));
    }

    /** oneDNN's instruction set on this CPU, e.g. {@code AVX512_CORE_BF16}, for reports. */
    public static String cpuIsa() {
        return Kernels.cpuIsa();
    }

    private static InferenceEngine.Precision engine(InferencePrecision p) {
        return switch (p) {
            case FP32 -> InferenceEngine.Precision.FP32;
            case BF16 -> InferenceEngine.Precision.BF16;
            case INT8 -> InferenceEngine.Precision.INT8;
        };
    }

    /**
     * Whether the inference form runs here: where {@link Kernels}, the one seam that picks how the layers compute,
     * chooses oneDNN ({@link #refusal} says why not). Callers that can fall back to the graph, as the training UI's
     * saved models do, ask this.
     */
    public static boolean available() {
        return refusal(InferencePrecision.FP32) == null;
    }

    /**
     * The inference form of a network built from {@code spec} (either form), with its current weights.
     *
     * @throws IllegalStateException when the inference form does not run here ({@link #available()})
     */
    public static InferenceModel of(ComputationGraph net, ResNeXtSpec spec) {
        return build(net, spec, InferencePrecision.FP32, null);
    }

    /**
     * The inference form in FP32 or BF16 (INT8 needs activation ranges: {@link #quantize}, {@link #of(
     * ComputationGraph, ResNeXtSpec, Int8Calibration)}).
     *
     * @throws IllegalStateException naming the missing instruction set for BF16 on a CPU without AVX512-BF16 or AMX
     * @throws IllegalArgumentException for INT8
     */
    public static InferenceModel of(ComputationGraph net, ResNeXtSpec spec, InferencePrecision precision) {
        if (precision == InferencePrecision.INT8) {
            throw new IllegalArgumentException("precision int8: needs activation ranges; use InferenceModel.quantize("
                    + "net, spec, calibrationImages) or InferenceModel.of(net, spec, int8Calibration)");
        }
        return build(net, spec, precision, null);
    }

    /**
     * The INT8 inference form with stored activation ranges (a saved quantized model: no calibration pass).
     *
     * @throws IllegalArgumentException when a convolution of the network has no range in {@code calibration}
     */
    public static InferenceModel of(ComputationGraph net, ResNeXtSpec spec, Int8Calibration calibration) {
        return build(net, spec, InferencePrecision.INT8, java.util.Objects.requireNonNull(calibration, "calibration"));
    }

    /**
     * Post-training static int8 quantization with the {@link #DEFAULT_METHOD}: {@link #calibrate} over
     * {@code calibrationBatches}, then the INT8 form with those ranges.
     *
     * @param calibrationBatches preprocessed images {@code [N, 3, H, W]} as for {@link #output} (the model's own
     *                           preprocessing), iterated twice; a few hundred images are plenty
     */
    public static InferenceModel quantize(
            ComputationGraph net, ResNeXtSpec spec, Iterable<INDArray> calibrationBatches) {
        return of(net, spec, calibrate(net, spec, calibrationBatches, DEFAULT_METHOD, DEFAULT_PERCENTILE));
    }

    /**
     * Each convolution's output range over {@code calibrationBatches}, from FP32 passes of the inference form.
     *
     * @param method {@link Int8Calibration.Method#MAX} (one pass) or {@link Int8Calibration.Method#PERCENTILE} (two
     *               passes: the maxima, then a 2048-bin histogram of |value| per tensor)
     * @param percentile the percentile kept by PERCENTILE, in (0, 100]
     * @throws IllegalArgumentException when the batches hold no image
     */
    public static Int8Calibration calibrate(
            ComputationGraph net,
            ResNeXtSpec spec,
            Iterable<INDArray> calibrationBatches,
            Int8Calibration.Method method,
            double percentile) {
        try (InferenceModel fp32 = of(net, spec)) {
            return Int8Calibrator.calibrate(fp32.engine, calibrationBatches, method, percentile);
        }
    }

    private static InferenceModel build(
            ComputationGraph net, ResNeXtSpec spec, InferencePrecision precision, Int8Calibration calibration) {
        Map<String, INDArray> w = TorchvisionWeights.stateDict(net);
        InferenceEngine.Conv stem = conv(w, TorchNames.STEM_CONV, 1, 2, 3, true);
        List<InferenceEngine.Block> blocks = new ArrayList<>();
        for (int stage = 1; stage <= ResNeXtSpec.NUM_STAGES; stage++) {
            for (int b = 0; b < spec.blocks(stage); b++) {
                int stride = b == 0 ? spec.stageStride(stage) : 1;
                InferenceEngine.Conv c1 = conv(w, TorchNames.blockConv(stage, b, 1), 1, 1, 0, true);
                InferenceEngine.Conv c2 =
                        conv(w, TorchNames.blockConv(stage, b, 2), spec.cardinality(), stride, 1, true);
                InferenceEngine.Conv c3 = conv(w, TorchNames.blockConv(stage, b, 3), 1, 1, 0, false);
                String down = TorchNames.downsampleConv(stage, b);
                InferenceEngine.Conv shortcut = w.containsKey(TorchNames.key(down, TorchNames.WEIGHT))
                        ? conv(w, down, 1, stride, 0, false)
                        : null;
                blocks.add(new InferenceEngine.Block(c1, c2, c3, shortcut));
            }
        }
        INDArray fcW = w.get(TorchNames.key(TorchNames.FC, TorchNames.WEIGHT)).castTo(DataType.FLOAT);
        INDArray fcB = w.get(TorchNames.key(TorchNames.FC, TorchNames.BIAS)).castTo(DataType.FLOAT);
        return new InferenceModel(
                Kernels.inference(
                        new InferenceEngine.Network(stem, blocks),
                        engine(precision),
                        calibration == null ? Map.of() : calibration.ranges()),
                fcW.transpose().dup('c'),
                fcB.reshape(1, fcB.length()).dup('c'),
                precision,
                calibration);
    }

    /** Convolution {@code conv} with the batch norm after it ({@link TorchNames#normOf}) folded in. */
    private static InferenceEngine.Conv conv(
            Map<String, INDArray> w, String conv, int groups, int stride, int pad, boolean relu) {
        String bn = TorchNames.normOf(conv);
        INDArray weight = w.get(TorchNames.key(conv, TorchNames.WEIGHT)).castTo(DataType.DOUBLE);
        INDArray gamma = w.get(TorchNames.key(bn, TorchNames.WEIGHT)).castTo(DataType.DOUBLE);
        INDArray beta = w.get(TorchNames.key(bn, TorchNames.BIAS)).castTo(DataType.DOUBLE);
        INDArray mean = w.get(TorchNames.key(bn, TorchNames.RUNNING_MEAN)).castTo(DataType.DOUBLE);
        INDArray var = w.get(TorchNames.key(bn, TorchNames.RUNNING_VAR)).castTo(DataType.DOUBLE);
        INDArray scale = gamma.div(Transforms.sqrt(var.add(BN_EPS), false));
        long oc = weight.size(0);
        INDArray folded = weight.mul(scale.reshape(oc, 1, 1, 1)).castTo(DataType.FLOAT);
        INDArray bias = beta.sub(mean.mul(scale)).castTo(DataType.FLOAT);
        return new InferenceEngine.Conv(conv, folded, bias, groups, stride, pad, relu);
    }

    /** The precision this model computes in. */
    public InferencePrecision precision() {
        return precision;
    }

    /** For INT8, the activation ranges it runs with (store them to rebuild it without calibrating); else null. */
    public Int8Calibration calibration() {
        return calibration;
    }

    /** The classifier's logits {@code [N, classes]} for images {@code [N, 3, H, W]} (preprocessed as for the graph). */
    public INDArray logits(INDArray x) {
        return engine.features(x).mmul(fcWeightT).addiRowVector(fcBias);
    }

    /** Class probabilities {@code [N, classes]}: the softmax of {@link #logits}, as the graph's output. */
    public INDArray output(INDArray x) {
        return Transforms.softmax(logits(x), false);
    }

    @Override
    public void close() {
        engine.close();
    }
}
