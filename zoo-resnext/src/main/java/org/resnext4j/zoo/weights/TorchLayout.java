package org.resnext4j.zoo.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.resnext4j.zoo.weights.PickleValues.StorageRef;

/**
 * One of torch's two file layouts, opened and checked: the unpickled object, the storages' byte order, and reads of a
 * storage's bytes. {@link TorchZipLayout} and {@link TorchLegacyLayout}; {@link TorchCheckpointReader} reads the state
 * dict on top.
 */
abstract class TorchLayout implements AutoCloseable {

    private final TorchCheckpointReader.Format format;
    private final ByteOrder order;
    private final Object root;

    TorchLayout(TorchCheckpointReader.Format format, ByteOrder order, Object root) {
        this.format = format;
        this.order = order;
        this.root = root;
    }

    /** @return which layout this is */
    final TorchCheckpointReader.Format format() {
        return format;
    }

    /** @return the byte order of the storages */
    final ByteOrder order() {
        return order;
    }

    /** @return the object {@code torch.save} pickled */
    final Object root() {
        return root;
    }

    /**
     * {@code length} bytes of storage {@code s} from {@code byteOffset}, all checked to lie inside it when opened.
     *
     * @throws TorchCheckpointFormatException when the file turns out truncated or corrupt
     */
    abstract ByteBuffer readStorage(StorageRef s, long byteOffset, int length) throws IOException;

    @Override
    public abstract void close() throws IOException;
}
