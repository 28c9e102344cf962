package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelSummaryTest {

    private final ModelSummary summary = ModelSummary.of(ResNeXtSpec.preset("resnext50_32x4d"));
    private final ModelSummary split =
            ModelSummary.of(ResNeXtSpec.preset("resnext50_32x4d").withForm(GraphForm.SPLIT));

    @Test
    void rowsAreTorchvisionModulesWithShapesAndCounts() {
        ModelSummary.Row conv1 = split.row("conv1");
        assertArrayEquals(new long[] {64, 112, 112}, conv1.outputShape());
        assertEquals(64 * 3 * 7 * 7, conv1.trainableParams());
        ModelSummary.Row bn1 = split.row("bn1");
        assertEquals(128, bn1.trainableParams());
        assertEquals(256, bn1.dl4jParams());

        // the fused form holds conv1 and bn1 (and the ReLU) in one module named after the convolution
        ModelSummary.Row fusedConv1 = summary.row("conv1");
        assertEquals("Conv2dNormActivation", fusedConv1.type());
        assertArrayEquals(conv1.outputShape(), fusedConv1.outputShape());
        assertEquals(conv1.trainableParams() + bn1.trainableParams(), fusedConv1.trainableParams());
        assertEquals(conv1.dl4jParams() + bn1.dl4jParams(), fusedConv1.dl4jParams());
        assertThrows(IllegalArgumentException.class, () -> summary.row("bn1"));

        // grouped conv of layer2's first block: 256 channels, 32 groups, stride 2 -> 256x28x28, then bn2
        ModelSummary.Row grouped = summary.row("layer2.0.conv2");
        assertArrayEquals(new long[] {256, 28, 28}, grouped.outputShape());
        assertEquals(256L * (256 / 32) * 3 * 3 + 2 * 256, grouped.trainableParams());
        ModelSummary.Row branches = split.row("layer2.0.conv2");
        assertEquals("ConvolutionLayer x32 (split)", branches.type());
        assertArrayEquals(grouped.outputShape(), branches.outputShape());
        assertEquals(256L * (256 / 32) * 3 * 3, branches.trainableParams());

        assertArrayEquals(
                new long[] {512, 28, 28}, split.row("layer2.0.downsample.1").outputShape());
        assertArrayEquals(
                new long[] {512, 28, 28}, summary.row("layer2.0.downsample.0").outputShape());
        assertEquals("ResidualAddRelu", summary.row("layer4.2").type());
        for (ModelSummary s : new ModelSummary[] {summary, split}) {
            assertArrayEquals(new long[] {2048, 7, 7}, s.row("layer4.2").outputShape());
            assertArrayEquals(new long[] {1000}, s.row("fc").outputShape());
            assertEquals(2048L * 1000 + 1000, s.row("fc").trainableParams());
        }
        assertEquals(summary.trainableParams(), split.trainableParams());
        assertEquals(summary.dl4jParams(), split.dl4jParams());
        assertFalse(
                split.rows().stream()
                        .anyMatch(
                                r -> r.module().contains(".group") || r.module().contains(".slice")),
                "branches are folded into their module");
    }

    @Test
    void textStatesBothConventions() {
        String text = summary.toString();
        assertTrue(text.contains("Trainable parameters (torchvision's count):") && text.contains("25,028,904"), text);
        assertTrue(text.contains("DL4J numParams()") && text.contains("25,097,128"), text);
        assertTrue(text.contains("layer3.5.conv2"), text);
    }

    @Test
    void unknownModuleIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> summary.row("layer5.0"));
        assertTrue(e.getMessage().contains("\"layer5.0\""), e.getMessage());
    }
}
