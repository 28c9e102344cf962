package org.resnext4j.zoo.weights;

/**
 * A {@code torch.save} file that {@link TorchCheckpointReader} will not read: malformed (truncated, sizes that do not
 * add up, a tensor past its storage), or holding more than weights (a global other than those a state dict needs,
 * such as {@code os.system}). The message names the file, where in it, and what is wrong.
 */
public final class TorchCheckpointFormatException extends WeightFileFormatException {

    private static final long serialVersionUID = 1L;

    /** @param message the file and what is wrong with it */
    public TorchCheckpointFormatException(String message) {
        super(message);
    }
}
