package org.resnext4j.zoo;

import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Channels {@code from..to} (inclusive) of an NCHW activation: DL4J's {@link SubsetVertex} with its convolutional
 * output type repaired.
 *
 * <p>In DL4J 1.0.0-M2.1, {@code SubsetVertex.getOutputType} reports {@code from - to + 1} channels (negative) for
 * convolutional input, so a convolution placed after it fails at {@code init()}. This subclass reports
 * {@code to - from + 1}. It keeps {@code SubsetVertex}'s runtime vertex (which slices dimension 1, i.e. channels in
 * NCHW) and its JSON properties, so configurations holding it survive JSON and {@code ModelSerializer} round trips.
 */
public class ChannelSliceVertex extends SubsetVertex {

    private static final long serialVersionUID = 1L;

    /**
     * @param from first channel, inclusive
     * @param to   last channel, inclusive
     */
    public ChannelSliceVertex(@JsonProperty("from") int from, @JsonProperty("to") int to) {
        super(from, to);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException(
                    "channel range: expected 0 <= from <= to, got from=" + from + " to=" + to);
        }
    }

    @Override
    public ChannelSliceVertex clone() {
        return new ChannelSliceVertex(getFrom(), getTo());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelSliceVertex && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + 1;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length == 1 && vertexInputs[0].getType() == InputType.Type.CNN) {
            InputType.InputTypeConvolutional conv = (InputType.InputTypeConvolutional) vertexInputs[0];
            if (getTo() >= conv.getChannels()) {
                throw new InvalidInputTypeException("ChannelSliceVertex: cannot select channels [" + getFrom() + ", "
                        + getTo() + "] from an activation with " + conv.getChannels() + " channels");
            }
            return InputType.convolutional(
                    conv.getHeight(), conv.getWidth(), getTo() - getFrom() + 1, conv.getFormat());
        }
        return super.getOutputType(layerIndex, vertexInputs);
    }
}
