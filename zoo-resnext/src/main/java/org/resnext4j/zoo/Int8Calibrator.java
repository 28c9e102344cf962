package org.resnext4j.zoo;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.kernels.InferenceEngine;

/**
 * Chooses each convolution's int8 range from an FP32 engine's outputs over calibration images: the largest |value|
 * (MAX), or a percentile of |value| from a histogram of 2048 bins over [0, max] built in a second pass (the bins are
 * fixed by the first pass's maxima, so the percentile is exact to one bin, 1/2048 of the range). Written by hand: the
 * class path has no calibration library (ND4J has no streaming percentile); the arithmetic is a max and a histogram.
 */
final class Int8Calibrator {

    private static final int BINS = 2048;

    private Int8Calibrator() {}

    static Int8Calibration calibrate(
            InferenceEngine fp32, Iterable<INDArray> batches, Int8Calibration.Method method, double percentile) {
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile: expected in (0, 100], got " + percentile);
        }
        Map<String, Float> max = new HashMap<>();
        int images = 0;
        for (INDArray batch : batches) {
            images += (int) batch.size(0);
            fp32.features(batch, (conv, out) -> max.merge(conv, out.amaxNumber().floatValue(), Math::max));
        }
        if (images == 0) {
            throw new IllegalArgumentException("calibration images: expected at least one, got none");
        }
        if (method == Int8Calibration.Method.MAX) {
            return new Int8Calibration(method, 100, images, max);
        }
        Map<String, long[]> histograms = new HashMap<>();
        for (INDArray batch : batches) {
            fp32.features(batch, (conv, out) -> {
                long[] h = histograms.computeIfAbsent(conv, k -> new long[BINS]);
                float top = max.get(conv);
                if (top <= 0) {
                    h[0] += out.length();
                    return;
                }
                float perBin = BINS / top;
                for (float v : out.toFloatVector()) {
                    int bin = (int) (Math.abs(v) * perBin);
                    h[Math.min(bin, BINS - 1)]++;
                }
            });
        }
        Map<String, Float> ranges = new HashMap<>();
        for (Map.Entry<String, long[]> e : histograms.entrySet()) {
            ranges.put(e.getKey(), percentile(e.getValue(), max.get(e.getKey()), percentile));
        }
        return new Int8Calibration(method, percentile, images, ranges);
    }

    /** The upper edge of the bin where the cumulative count reaches {@code percentile} % of all values. */
    static float percentile(long[] histogram, float max, double percentile) {
        long total = 0;
        for (long c : histogram) {
            total += c;
        }
        double target = total * percentile / 100.0;
        long cumulative = 0;
        for (int b = 0; b < histogram.length; b++) {
            cumulative += histogram[b];
            if (cumulative >= target) {
                return max * (b + 1) / histogram.length;
            }
        }
        return max;
    }
}
