package org.resnext4j.datavec;

import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one place where a decoded image becomes a training example, shared by {@link ImageFolderIterator},
 * {@link ImageFolderRecordReader} and {@link ImageBatchLoader} so the three give the same tensors: the transform
 * draws its randomness from a generator seeded by ({@code seed}, epoch, position in the epoch).
 */
final class SampleTensors {

    private SampleTensors() {}

    /** Transforms one image into {@code dest} at {@code offset}, with the randomness of its epoch and position. */
    static void write(
            ImageTransform transform, RgbImage image, long seed, int epoch, int position, float[] dest, int offset) {
        transform.apply(image, new SplittableRandom(Seeds.derive(seed, epoch, position)), dest, offset);
    }

    /** A batch: features {@code [n, 3, size, size]} and one-hot labels {@code [n, classes]}, with class names. */
    static DataSet dataSet(float[] features, float[] labels, int n, int size, List<String> classNames) {
        DataSet ds = new DataSet(
                Nd4j.create(features, new long[] {n, 3, size, size}, 'c'),
                Nd4j.create(labels, new long[] {n, classNames.size()}, 'c'));
        ds.setLabelNames(classNames);
        return ds;
    }
}
