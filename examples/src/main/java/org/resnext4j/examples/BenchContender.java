package org.resnext4j.examples;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.ResNet50;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/** A DL4J model under benchmark: its name and how to build it for an input size. */
enum BenchContender {
    RESNEXT50_FUSED("resnext50_32x4d fused (ours)"),
    RESNEXT50_SPLIT("resnext50_32x4d split (ours)"),
    RESNET50("resnet50 (ours)"),
    ZOO_RESNET50("DL4J zoo ResNet50"),
    /** The FUSED ResNeXt-50 as {@link org.resnext4j.zoo.InferenceModel} (inference only). */
    RESNEXT50_INFERENCE("resnext50_32x4d inference form (ours)"),
    /** ResNet-50 as {@link org.resnext4j.zoo.InferenceModel} (inference only). */
    RESNET50_INFERENCE("resnet50 inference form (ours)"),
    /** The FUSED ResNeXt-50's inference form in bf16 (AVX512-BF16 or AMX CPUs only). */
    RESNEXT50_BF16("resnext50_32x4d inference form bf16 (ours)"),
    /** The FUSED ResNeXt-50's inference form quantized to int8 (calibrated on random images: timing only). */
    RESNEXT50_INT8("resnext50_32x4d inference form int8 (ours)");

    final String label;

    BenchContender(String label) {
        this.label = label;
    }

    /** Command-line names: resnext50_fused, resnext50_split, resnet50, zoo_resnet50. */
    String id() {
        return name().toLowerCase();
    }

    static BenchContender parse(String id) {
        for (BenchContender c : values()) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException("contender: unknown \"" + id + "\", expected one of "
                + List.of(values()).stream().map(BenchContender::id).toList());
    }

    /** Whether this contender is an inference form (no training step). */
    boolean inferenceOnly() {
        return this == RESNEXT50_INFERENCE
                || this == RESNET50_INFERENCE
                || this == RESNEXT50_BF16
                || this == RESNEXT50_INT8;
    }

    /** The precision of an inference-only contender. */
    org.resnext4j.zoo.InferencePrecision precision() {
        return switch (this) {
            case RESNEXT50_BF16 -> org.resnext4j.zoo.InferencePrecision.BF16;
            case RESNEXT50_INT8 -> org.resnext4j.zoo.InferencePrecision.INT8;
            default -> org.resnext4j.zoo.InferencePrecision.FP32;
        };
    }

    /** The spec of one of our contenders (all but DL4J's zoo ResNet50) at an input size. */
    ResNeXtSpec spec(int size) {
        boolean resnet = this == RESNET50 || this == RESNET50_INFERENCE;
        return ResNeXtSpec.preset(resnet ? "resnet50" : "resnext50_32x4d")
                .withForm(this == RESNEXT50_SPLIT ? GraphForm.SPLIT : GraphForm.FUSED)
                .withInputShape(3, size, size);
    }

    /** DL4J's zoo ResNet50 fails below about 193x193 input (see the M2.1 notes). */
    boolean supports(int size) {
        return this != ZOO_RESNET50 || size >= 193;
    }

    /** SGD with Nesterov momentum 0.9 and learning rate 0.01 (PyTorch side: SGD, momentum 0.9, nesterov). */
    ComputationGraph build(int size, long seed) {
        Nesterovs sgd = new Nesterovs(0.01, 0.9);
        return switch (this) {
            case ZOO_RESNET50 -> {
                OneDnnHelpers.enableUnlessConfigured();
                yield ResNet50.builder()
                        .numClasses(1000)
                        .seed(seed)
                        .inputShape(new int[] {3, size, size})
                        .updater(sgd)
                        .build()
                        .init();
            }
            default ->
                ResNeXt.builder(spec(size)).seed(seed).updater(sgd).build().init();
        };
    }
}
