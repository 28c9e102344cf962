package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class BuildingBlocksTest {

    @Test
    void channelSliceReportsPositiveChannelCount() {
        InputType in = InputType.convolutional(14, 12, 64);
        InputType out = new ChannelSliceVertex(8, 15).getOutputType(-1, in);
        assertEquals(InputType.convolutional(14, 12, 8), out);
        assertThrows(InvalidInputTypeException.class, () -> new ChannelSliceVertex(60, 64).getOutputType(-1, in));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ChannelSliceVertex(5, 4));
        assertEquals("channel range: expected 0 <= from <= to, got from=5 to=4", e.getMessage());
    }

    @Test
    void kaimingNormalFanOutMatchesTorchvisionStd() {
        Nd4j.getRandom().setSeed(1);
        // a branch with 400 outputs of a 32-group conv: torchvision's fan_out = 400 * 32 * 3 * 3
        long[] shape = {400, 8, 3, 3};
        INDArray view = Nd4j.create(DataType.FLOAT, 400 * 8 * 9);
        new KaimingNormalFanOut(32).init(0, 0, shape, 'c', view);
        double expected = Math.sqrt(2.0 / (400 * 32 * 9));
        assertEquals(expected, view.stdNumber().doubleValue(), expected * 0.03);
        assertEquals(0.0, view.meanNumber().doubleValue(), expected * 0.03);

        INDArray plain = Nd4j.create(DataType.FLOAT, 64 * 3 * 7 * 7);
        new KaimingNormalFanOut(1).init(0, 0, new long[] {64, 3, 7, 7}, 'c', plain);
        double std = Math.sqrt(2.0 / (64 * 49));
        assertEquals(std, plain.stdNumber().doubleValue(), std * 0.05);
        assertThrows(IllegalArgumentException.class, () -> new KaimingNormalFanOut(0));
    }

    @Test
    void namesMirrorTorchvisionKeys() {
        assertEquals("layer2.0.conv2", TorchNames.module(2, 0, "conv2"));
        assertEquals("layer3.1", TorchNames.block(3, 1));
        assertEquals("layer4.2", TorchNames.stageOutput(ResNeXtSpec.preset("resnet50"), 4));
        assertEquals("layer3.22", TorchNames.stageOutput(ResNeXtSpec.preset("resnext101_32x8d"), 3));
        String branch = TorchNames.groupConv("layer1.0.conv2", 31);
        assertEquals("layer1.0.conv2.group31", branch);
        assertEquals("layer1.0.conv2", TorchNames.moduleOf(branch));
        assertEquals("layer1.0.conv2", TorchNames.moduleOf(TorchNames.groupSlice("layer1.0.conv2", 0)));
        assertEquals(31, TorchNames.branchOf(branch));
        assertEquals(-1, TorchNames.branchOf("layer1.0.downsample.0"));
        assertTrue(TorchNames.moduleOf("layer1.0.downsample.0").equals("layer1.0.downsample.0"));
    }
}
