package org.resnext4j.zoo.weights;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A file of named tensors, whatever its format: the one way loaders read weights, so every one of them accepts
 * {@code .safetensors} ({@link SafeTensorsReader}) and PyTorch's {@code .pth}/{@code .pt} in both of
 * {@code torch.save}'s formats ({@link TorchCheckpointReader}). {@link #open(Path)} tells the format from the file's
 * first bytes, not its name.
 */
public interface WeightFile extends Closeable {

    /**
     * Opens and validates {@code file}: an 8-byte length followed by <code>{</code> is read as safetensors, a zip
     * archive ({@code PK}) or a pickle ({@code 0x80}) as a {@code torch.save} file. A file that is neither is read
     * by the reader its extension names, which then says what is wrong with it.
     *
     * @throws NoSuchFileException        when it does not exist
     * @throws WeightFileFormatException naming the file and what is wrong, when it is not a valid weights file
     */
    static WeightFile open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such weights file");
        }
        byte[] head = new byte[9];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        // safetensors first: its header length may begin with 0x80 or "PK", but neither torch format has '{' at 8
        if (n == 9 && head[8] == '{') {
            return SafeTensorsReader.open(file);
        }
        if (n >= 2 && head[0] == 'P' && head[1] == 'K') {
            return TorchCheckpointReader.open(file);
        }
        if (n >= 2 && (head[0] & 0xff) == 0x80) {
            return TorchCheckpointReader.open(file);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            return SafeTensorsReader.open(file);
        }
        if (name.endsWith(".pth") || name.endsWith(".pt") || name.endsWith(".bin") || name.endsWith(".ckpt")) {
            return TorchCheckpointReader.open(file);
        }
        throw new WeightFileFormatException(file + ": not a weights file: neither safetensors nor PyTorch (torch.save)"
                + ", it starts with " + TorchCheckpointReader.hex(head, Math.min(n, 8)));
    }

    /** The file read. */
    Path path();

    /** Every tensor's name, in the file's order. */
    Set<String> names();

    /** Whether the file holds a tensor of that name. */
    boolean contains(String name);

    /**
     * The element type of one tensor.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    DType dtype(String name);

    /**
     * The shape of one tensor ({@code []} for a scalar).
     *
     * @throws IllegalArgumentException for an unknown name
     */
    long[] shape(String name);

    /** Strings the file carries besides tensors (safetensors' {@code __metadata__}, a checkpoint's scalars). */
    Map<String, String> metadata();

    /**
     * One tensor as a {@code float} array in C order with the tensor's shape, converted from F16, BF16 or F64.
     *
     * @throws IllegalArgumentException for an unknown name or a non-float dtype
     */
    INDArray getFloat(String name) throws IOException;

    /**
     * One tensor in the ND4J type that holds its values exactly (F32 FLOAT, F64 DOUBLE, F16 FLOAT16, BF16 BFLOAT16,
     * I64 LONG, I32 INT32, I16 INT16, I8 INT8, U8 UINT8, BOOL BOOL), e.g. a BatchNorm's I64 {@code num_batches_tracked}.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    INDArray get(String name) throws IOException;
}
