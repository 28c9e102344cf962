package org.resnext4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.InferenceModel;

/**
 * Times DL4J training steps and inference passes: warm-up iterations first (workspaces make the first iterations
 * slower), then timed iterations; reports images per second per iteration and the process's peak resident memory
 * during the measurement (Linux {@code VmHWM}, reset before each measurement through {@code /proc/self/clear_refs}).
 */
final class Bench {

    /** One measurement: what ran, the images/s of each timed iteration, and the peak RSS in MB (-1 if unknown). */
    record Result(
            String contender, String mode, int batch, int size, double[] imagesPerSecond, long peakRssMb, String note) {
        double median() {
            return Bench.median(imagesPerSecond);
        }

        String json() {
            String ips = joined(imagesPerSecond, "%.4f");
            return String.format(
                    Locale.ROOT,
                    "{\"side\":\"dl4j\",\"contender\":\"%s\",\"mode\":\"%s\",\"batch\":%d,"
                            + "\"size\":%d,\"images_per_s\":[%s],\"median\":%.4f,\"peak_rss_mb\":%d,\"note\":\"%s\"}",
                    contender,
                    mode,
                    batch,
                    size,
                    ips,
                    median(),
                    peakRssMb,
                    note);
        }
    }

    private ComputationGraph net;
    private InferenceModel fast;
    private BenchContender current;
    private int currentSize;

    /** Runs {@code warmup} untimed then {@code iters} timed iterations of {@code mode} (train or infer). */
    Result run(BenchContender c, String mode, int batch, int size, int warmup, int iters) {
        if (!c.supports(size)) {
            return new Result(c.id(), mode, batch, size, new double[0], -1, "unsupported input size");
        }
        if (c.inferenceOnly() && mode.equals("train")) {
            return new Result(c.id(), mode, batch, size, new double[0], -1, "inference only");
        }
        String refused = c.inferenceOnly() ? InferenceModel.refusal(c.precision()) : null;
        if (refused != null) {
            return new Result(c.id(), mode, batch, size, new double[0], -1, refused);
        }
        if (net == null || current != c || currentSize != size) {
            net = null;
            if (fast != null) {
                fast.close();
                fast = null;
            }
            System.gc();
            net = c.build(size, 42);
            if (c.inferenceOnly()) {
                fast = switch (c.precision()) {
                    case INT8 -> {
                        // calibrated on random images like the timed ones: the ranges only set scales, not speed
                        Nd4j.getRandom().setSeed(11);
                        List<INDArray> calibration = List.of(
                                Nd4j.rand(DataType.FLOAT, batch, 3, size, size),
                                Nd4j.rand(DataType.FLOAT, batch, 3, size, size));
                        yield InferenceModel.quantize(net, c.spec(size), calibration);
                    }
                    default -> InferenceModel.of(net, c.spec(size), c.precision());
                };
            }
            current = c;
            currentSize = size;
        }
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, size, size);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 1000);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, (i * 37) % 1000, 1.0);
        }
        DataSet ds = new DataSet(x, y);
        boolean train = mode.equals("train");
        if (!train && !mode.equals("infer")) {
            throw new IllegalArgumentException("mode: expected train or infer, got \"" + mode + "\"");
        }
        for (int i = 0; i < warmup; i++) {
            step(train, ds);
        }
        resetPeakRss();
        double[] ips = new double[iters];
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            step(train, ds);
            ips[i] = batch / ((System.nanoTime() - t0) / 1e9);
        }
        return new Result(c.id(), mode, batch, size, ips, peakRssMb(), "");
    }

    private void step(boolean train, DataSet ds) {
        if (train) {
            net.fit(ds);
        } else if (fast != null) {
            fast.output(ds.getFeatures());
        } else {
            net.output(false, ds.getFeatures());
        }
    }

    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux, or not permitted: the peak then covers the whole process
        }
    }

    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** @return the median of {@code v}, NaN when it is empty */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0
                ? Double.NaN
                : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** @return the values formatted with {@code format} (root locale), comma-separated, for a JSON array */
    static String joined(double[] v, String format) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, format, v[i]));
        }
        return b.toString();
    }

    /** Parses {@code 8x224,32x64} into {@code {{8, 224}, {32, 64}}}. */
    static List<int[]> configs(String spec) {
        List<int[]> out = new ArrayList<>();
        for (String s : spec.split(",")) {
            String[] p = s.trim().split("x");
            if (p.length != 2) {
                throw new IllegalArgumentException(
                        "--configs: expected BATCHxSIZE[,BATCHxSIZE...], got \"" + spec + "\"");
            }
            try {
                out.add(new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])});
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--configs: expected BATCHxSIZE[,BATCHxSIZE...], got \"" + spec + "\"");
            }
        }
        return out;
    }
}
