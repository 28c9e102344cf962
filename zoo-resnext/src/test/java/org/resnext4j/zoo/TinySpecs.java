package org.resnext4j.zoo;

/** Small specs of the real architecture, for fast tests. */
public final class TinySpecs {

    private TinySpecs() {}

    /** A ResNeXt: 4 groups of 4 channels in layer1, 1 block per stage, 3x32x32 input, 5 classes (about 30k params). */
    public static ResNeXtSpec resnext() {
        return ResNeXtSpec.builder()
                .name("tiny_resnext")
                .blocks(1, 1, 1, 1)
                .cardinality(4)
                .baseWidth(32)
                .planes(8, 16, 32, 64)
                .stemWidth(8)
                .numClasses(5)
                .inputShape(3, 32, 32)
                .build();
    }

    /** The same ResNeXt with its grouped convs split into branches (the default is fused). */
    static ResNeXtSpec resnextSplit() {
        return resnext().toBuilder()
                .name("tiny_resnext_split")
                .form(GraphForm.SPLIT)
                .build();
    }

    /** A ResNet (cardinality 1), 2 blocks in layer1 so an identity shortcut is exercised too. */
    static ResNeXtSpec resnet() {
        return ResNeXtSpec.builder()
                .name("tiny_resnet")
                .blocks(2, 1, 1, 1)
                .cardinality(1)
                .baseWidth(64)
                .planes(8, 16, 32, 64)
                .stemWidth(8)
                .numClasses(3)
                .inputShape(3, 32, 32)
                .build();
    }
}
