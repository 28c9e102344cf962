package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ResNeXtSpecTest {

    @Test
    void presetsHaveStableNamesAndTorchvisionHyperParameters() {
        assertEquals(
                List.of("resnet50", "resnext50_32x4d", "resnext50_64x4d", "resnext101_32x8d", "resnext101_64x4d"),
                ResNeXtSpec.presetNames());
        ResNeXtSpec r50 = ResNeXtSpec.preset("resnet50");
        assertArrayEquals(new int[] {3, 4, 6, 3}, r50.blocks());
        assertEquals(1, r50.cardinality());
        assertEquals(64, r50.baseWidth());
        ResNeXtSpec x101 = ResNeXtSpec.preset("resnext101_32x8d");
        assertArrayEquals(new int[] {3, 4, 23, 3}, x101.blocks());
        assertEquals(32, x101.cardinality());
        assertEquals(8, x101.baseWidth());
        assertEquals(1000, x101.numClasses());
        assertArrayEquals(new int[] {3, 224, 224}, x101.inputShape());
    }

    @Test
    void widthFormulaGivesTorchvisionWidths() {
        int[][] expected = {
            {64, 128, 256, 512}, // resnet50
            {128, 256, 512, 1024}, // resnext50_32x4d
            {256, 512, 1024, 2048}, // resnext50_64x4d
            {256, 512, 1024, 2048}, // resnext101_32x8d
            {256, 512, 1024, 2048}, // resnext101_64x4d
        };
        List<ResNeXtSpec> presets = ResNeXtSpec.presets();
        for (int p = 0; p < presets.size(); p++) {
            for (int s = 1; s <= 4; s++) {
                assertEquals(
                        expected[p][s - 1],
                        presets.get(p).bottleneckWidth(s),
                        presets.get(p).name() + " layer" + s);
                assertEquals(256 << (s - 1), presets.get(p).outChannels(s));
            }
        }
    }

    @Test
    void specIsImmutableAndDerivable() {
        ResNeXtSpec spec = ResNeXtSpec.preset("resnext50_32x4d");
        int[] blocks = spec.blocks();
        blocks[0] = 99;
        assertEquals(3, spec.blocks(1));
        ResNeXtSpec ten = spec.withNumClasses(10);
        assertEquals(10, ten.numClasses());
        assertEquals(1000, spec.numClasses());
        assertNotEquals(spec, ten);
        assertEquals(spec, ten.withNumClasses(1000));
        assertEquals(spec.hashCode(), ten.withNumClasses(1000).hashCode());
    }

    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
                invalid(
                        () -> ResNeXtSpec.builder().blocks(3, 4, 6).build(),
                        "blocks: expected 4 stages (torchvision's layer1..layer4), got 3 [3, 4, 6]"),
                invalid(
                        () -> ResNeXtSpec.builder().blocks(3, 0, 6, 3).build(),
                        "blocks[1] (blocks of layer2): expected a positive integer, got 0"),
                invalid(
                        () -> ResNeXtSpec.builder().cardinality(0).build(),
                        "cardinality: expected a positive integer, got 0"),
                invalid(
                        () -> ResNeXtSpec.builder().baseWidth(-4).build(),
                        "baseWidth: expected a positive integer, got -4"),
                invalid(
                        () -> ResNeXtSpec.builder().numClasses(0).build(),
                        "numClasses: expected a positive integer, got 0"),
                invalid(
                        () -> ResNeXtSpec.builder().inputShape(3, 0, 224).build(),
                        "inputShape height: expected a positive integer, got 0"),
                invalid(
                        () -> ResNeXtSpec.builder().inputShape(-1, 224, 224).build(),
                        "inputShape channels: expected a positive integer, got -1"),
                invalid(
                        () -> ResNeXtSpec.builder().planes(64, 128, 256).build(),
                        "planes: expected 4 stage widths (torchvision's 64, 128, 256, 512), got 3 [64, 128, 256]"),
                invalid(
                        () -> ResNeXtSpec.builder()
                                .planes(8, 16, 32, 64)
                                .baseWidth(4)
                                .build(),
                        "baseWidth: expected planes * baseWidth / 64 >= 1 for every stage, got baseWidth 4 with planes[0] 8"),
                invalid(
                        () -> ResNeXtSpec.builder().name(" ").build(),
                        "name: expected a non-empty model name, got \" \""),
                invalid(
                        () -> ResNeXtSpec.preset("resnext50"),
                        "preset: unknown model preset \"resnext50\", expected one of [resnet50, resnext50_32x4d,"),
                invalid(() -> ResNeXtSpec.preset("resnet50").bottleneckWidth(5), "stage: expected 1..4, got 5"));
    }

    private static Arguments invalid(Supplier<Object> build, String message) {
        return Arguments.of(build, message);
    }

    @ParameterizedTest
    @MethodSource("invalidSpecs")
    void invalidSpecFailsNamingFieldValueAndExpectation(Supplier<Object> build, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertTrue(e.getMessage().startsWith(message), () -> "message was: " + e.getMessage());
    }

    @Test
    void spatialShapesFollowTorchvisionArithmetic() {
        // torchvision: 224 -> 112 -> 56 | 56, 28, 14, 7; 64 -> 32 -> 16 | 16, 8, 4, 2; 65 -> 33 -> 17 | 17, 9, 5, 3
        int[][] sizes = {
            {224, 56, 56, 28, 14, 7},
            {64, 16, 16, 8, 4, 2},
            {160, 40, 40, 20, 10, 5},
            {65, 17, 17, 9, 5, 3},
            {1, 1, 1, 1, 1, 1}
        };
        for (int[] row : sizes) {
            ResNeXtSpec spec =
                    ResNeXtSpec.builder().inputShape(3, row[0], row[0]).build();
            for (int stage = 0; stage <= 4; stage++) {
                assertEquals(row[stage + 1], SpatialShapes.afterStage(spec, stage)[0], row[0] + " after " + stage);
            }
        }
    }

    @Test
    void mapRoundTripThroughJsonGivesAnEqualSpec() throws Exception {
        org.nd4j.shade.jackson.databind.ObjectMapper json = new org.nd4j.shade.jackson.databind.ObjectMapper();
        for (ResNeXtSpec spec : List.of(
                ResNeXtSpec.tiny().withNumClasses(4).withInputShape(3, 32, 48),
                ResNeXtSpec.preset("resnext101_32x8d").withForm(GraphForm.SPLIT),
                ResNeXtSpec.preset("resnet50"))) {
            String text = json.writeValueAsString(spec.toMap());
            ResNeXtSpec back = ResNeXtSpec.fromMap(json.readValue(text, Map.class));
            assertEquals(spec, back, text);
            assertEquals(spec.form(), back.form());
        }
        // maps written before the form was stored read as the default form
        Map<String, Object> old =
                new java.util.LinkedHashMap<>(ResNeXtSpec.tiny().toMap());
        old.remove("form");
        assertEquals(ResNeXtSpec.tiny(), ResNeXtSpec.fromMap(old));
        old.put("cardinality", "four");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResNeXtSpec.fromMap(old));
        assertEquals("spec: cardinality: expected an integer, got four", e.getMessage());
    }
}
