package org.resnext4j.tools;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * ONNX Runtime Java (CPU execution provider, all graph optimisations, {@code threads} intra-op threads) answering
 * the requests of {@code tools/bench_side_by_side.py}, the same protocol as the DL4J side's {@code bench --serve}:
 * {@code <model> infer <batch> <size> <warmup> <iters>}, one JSON line per request. Models are
 * {@code <dir>/<model>.onnx}, exported from torchvision by the script (opset 13, dynamic batch and image size).
 */
public final class OrtBench {

    private OrtBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OrtSession> sessions = new HashMap<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("{\"ready\":true}");
        System.out.flush();
        for (String line; (line = in.readLine()) != null; ) {
            String[] p = line.trim().split("\\s+");
            if (p.length == 1 && p[0].equals("quit")) {
                break;
            }
            try {
                if (p.length != 6 || !p[1].equals("infer")) {
                    throw new IllegalArgumentException("expected: <model> infer <batch> <size> <warmup> <iters> "
                            + "(ONNX Runtime: inference only)");
                }
                OrtSession s = sessions.get(p[0]);
                if (s == null) {
                    s = open(env, dir.resolve(p[0] + ".onnx"), threads);
                    sessions.put(p[0], s);
                }
                System.out.println(run(env, s, p[0], Integer.parseInt(p[2]), Integer.parseInt(p[3]),
                        Integer.parseInt(p[4]), Integer.parseInt(p[5])));
            } catch (RuntimeException | OrtException | IOException e) {
                System.out.println("{\"error\":\"" + String.valueOf(e.getMessage()).replace("\"", "'") + "\"}");
            }
            System.out.flush();
        }
        for (OrtSession s : sessions.values()) {
            s.close();
        }
    }

    private static OrtSession open(OrtEnvironment env, Path model, int threads) throws OrtException, IOException {
        if (!Files.isRegularFile(model)) {
            throw new IOException(model + " does not exist (the script exports it)");
        }
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        o.setIntraOpNumThreads(threads);
        o.setInterOpNumThreads(1);
        // no spin-waiting of the intra-op threads after a run: it would take the CPU from the next contender
        o.addConfigEntry("session.intra_op.allow_spinning", "0");
        return env.createSession(model.toString(), o);
    }

    private static String run(OrtEnvironment env, OrtSession s, String name, int batch, int size, int warmup,
                              int iters) throws OrtException, IOException {
        float[] data = new float[batch * 3 * size * size];
        Random r = new Random(42);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) r.nextGaussian();
        }
        String input = s.getInputNames().iterator().next();
        resetPeak();
        List<Double> ips = new ArrayList<>();
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[] {batch, 3, size, size})) {
            for (int i = 0; i < warmup + iters; i++) {
                long t0 = System.nanoTime();
                try (OrtSession.Result out = s.run(Map.of(input, x))) {
                    out.get(0);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (i >= warmup) {
                    ips.add(batch / seconds);
                }
            }
        }
        List<Double> sorted = new ArrayList<>(ips);
        sorted.sort(null);
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        StringBuilder list = new StringBuilder();
        for (double v : ips) {
            list.append(list.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", v));
        }
        return String.format(Locale.ROOT, "{\"side\":\"ort\",\"contender\":\"%s\",\"mode\":\"infer\",\"batch\":%d,"
                + "\"size\":%d,\"images_per_s\":[%s],\"median\":%.4f,\"peak_rss_mb\":%d,\"note\":\"onnxruntime "
                + "1.20.0 CPU, opt level ALL, no spinning\"}", name, batch, size, list, median, peakRssMb());
    }

    private static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not on Linux: the peak then covers the whole process
        }
    }

    private static long peakRssMb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmHWM:")) {
                return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
