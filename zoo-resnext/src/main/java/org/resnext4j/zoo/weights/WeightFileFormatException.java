package org.resnext4j.zoo.weights;

import java.io.IOException;

/**
 * A weights file that cannot be read as what it claims to be: a malformed safetensors file
 * ({@link SafeTensorsFormatException}), a malformed or refused PyTorch file ({@link TorchCheckpointFormatException}),
 * or a file of neither format. The message names the file and what is wrong with it. An {@link IOException}, so
 * callers may tell bad input (this) from a failing disk (other I/O errors).
 */
public class WeightFileFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** @param message the file and what is wrong with it */
    public WeightFileFormatException(String message) {
        super(message);
    }
}
