package org.resnext4j.zoo.weights;

/**
 * A file that is not a valid safetensors file (truncated, a bad header, overlapping or out-of-range tensors). The
 * message names the file and what was expected. An {@link java.io.IOException}, as before this type existed, so callers
 * may tell bad input (this) from a failing disk (other I/O errors).
 */
public final class SafeTensorsFormatException extends WeightFileFormatException {

    private static final long serialVersionUID = 1L;

    /** @param message the file and what is wrong with it */
    public SafeTensorsFormatException(String message) {
        super(message);
    }
}
