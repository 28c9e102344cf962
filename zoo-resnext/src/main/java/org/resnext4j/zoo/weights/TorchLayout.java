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
interface TorchLayout extends AutoCloseable {

    /** @return which layout this is */
    TorchCheckpointReader.Format format();

    /** @return the byte order of the storages */
    ByteOrder order();

    /** @return the object {@code torch.save} pickled */
    Object root();

    /**
     * {@code length} bytes of storage {@code s} from {@code byteOffset}, all checked to lie inside it when opened.
     *
     * @throws TorchCheckpointFormatException when the file turns out truncated or corrupt
     */
    ByteBuffer readStorage(StorageRef s, long byteOffset, int length) throws IOException;

    @Override
    void close() throws IOException;
}
