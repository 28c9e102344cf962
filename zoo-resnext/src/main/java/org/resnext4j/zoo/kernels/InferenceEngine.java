package org.resnext4j.zoo.kernels;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A whole ResNet/ResNeXt forward pass for inference, outside DL4J's layers, as ONNX Runtime runs it: batch norm
 * folded into each convolution's weights and bias, ReLU and the residual sum fused into the convolutions. Made by
 * {@link Kernels#inference} from {@link Conv} steps that the caller builds from torchvision-named tensors (see
 * {@code org.resnext4j.zoo.InferenceModel}); it returns the globally average-pooled features. Thread-confined per
 * call ({@link #features} is synchronized); {@link #close()} frees its native buffers.
 */
public interface InferenceEngine extends AutoCloseable {

    /**
     * One convolution with its folded batch norm: weight {@code [OC, C / G, kH, kW]}, bias {@code [OC]}, square kernel
     * with symmetric stride and padding; {@code relu} when a ReLU follows (a block's {@code conv3} and projection
     * have none; the block's own ReLU follows the residual sum).
     */
    record Conv(String name, INDArray weight, INDArray bias, int groups, int stride, int pad, boolean relu) {}

    /** A bottleneck block: conv1, conv2, conv3 (with the sum and ReLU) and an optional projection shortcut. */
    record Block(Conv conv1, Conv conv2, Conv conv3, Conv downsample) {}

    /**
     * The network: the stem convolution (followed by the 3x3, stride 2, padding 1 max pool) and the blocks in order.
     */
    record Network(Conv stem, List<Block> blocks) {

        /** An immutable copy of {@code blocks}; fails on an empty network. */
        public Network {
            blocks = List.copyOf(blocks);
            if (blocks.isEmpty()) {
                throw new IllegalArgumentException("blocks: expected at least one, got none");
            }
        }

        /** Every convolution in execution order: the stem, then each block's conv1, conv2, downsample, conv3. */
        public List<Conv> convs() {
            List<Conv> all = new ArrayList<>();
            all.add(stem);
            for (Block b : blocks) {
                all.add(b.conv1());
                all.add(b.conv2());
                if (b.downsample() != null) {
                    all.add(b.downsample());
                }
                all.add(b.conv3());
            }
            return all;
        }

        /** The channels of the pooled features: the last block's output channels. */
        public long features() {
            return blocks.get(blocks.size() - 1).conv3().weight().size(0);
        }
    }

    /** The data type of weights and activations. */
    enum Precision {
        /** 32-bit float throughout. */
        FP32,
        /** bfloat16 weights and activations, f32 accumulation and bias; needs AVX512-BF16 or AMX. */
        BF16,
        /** s8 weights per output channel, u8/s8 activations per tensor, int32 accumulation; needs activation ranges. */
        INT8
    }

    /**
     * Sees each convolution's output (its post-ops applied: ReLU, the residual sum) during an FP32 pass, for
     * calibration. The array is a view of the engine's buffer in its own layout (for oneDNN channel-blocked, padded
     * channels zero), valid only during the call.
     */
    @FunctionalInterface
    interface Observer {
        /**
         * @param conv the convolution's torchvision name ({@code conv1}, {@code layer1.0.conv2}, ...)
         * @param output its output values, every element once, in no particular order
         */
        void observe(String conv, INDArray output);
    }

    /** The globally average-pooled features {@code [N, C]} of a batch of images {@code [N, 3, H, W]} (FLOAT). */
    default INDArray features(INDArray x) {
        return features(x, null);
    }

    /**
     * {@link #features(INDArray)}, showing each convolution's output to {@code observer} (calibration; null for none).
     *
     * @throws IllegalStateException with an observer on a BF16 or INT8 engine (calibration observes FP32 values)
     */
    INDArray features(INDArray x, Observer observer);

    /** Frees the native buffers and primitives. */
    @Override
    void close();
}
