package org.resnext4j.ui;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The bytes of the checkpoint entry {@link CheckpointEnvelope#EMA_ENTRY}: the flat averaged vector in ND4J's format.
 */
final class EmaState {

    private EmaState() {}

    static byte[] write(INDArray average) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            Nd4jBinary.write(average, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static INDArray read(byte[] bytes, Path file) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return Nd4j.read(in);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(
                    "Checkpoint " + file.toAbsolutePath() + " has an unreadable moving average " + "entry "
                            + CheckpointEnvelope.EMA_ENTRY + ": " + e,
                    e);
        }
    }
}
