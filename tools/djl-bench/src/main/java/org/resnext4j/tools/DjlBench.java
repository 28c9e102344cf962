package org.resnext4j.tools;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * libtorch 2.7.1 through DJL 0.36 (PyTorch engine, CPU) answering the requests of {@code tools/bench_side_by_side.py},
 * the same protocol as the DL4J side's {@code bench --serve}: {@code <model> <train|infer> <batch> <size> <warmup>
 * <iters>}, one JSON line per request. Models are TorchScript files {@code <dir>/<model>.pt} scripted from torchvision
 * by the script (the same seeded weights as its torch side). A training step is the forward pass in training mode,
 * softmax cross-entropy, backward, and DJL's SGD with momentum 0.9 (DJL has no Nesterov variant; the work is the
 * same) over every parameter; inference runs in evaluation mode without gradients. Intra-op threads: {@code threads}.
 */
public final class DjlBench {

    private DjlBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Engine engine = Engine.getEngine("PyTorch");
        Map<String, Model> models = new HashMap<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("{\"ready\":true,\"engine\":\"" + engine.getEngineName() + " " + engine.getVersion() + "\"}");
        System.out.flush();
        for (String line; (line = in.readLine()) != null; ) {
            String[] p = line.trim().split("\\s+");
            if (p.length == 1 && p[0].equals("quit")) {
                break;
            }
            try {
                if (p.length != 6 || !(p[1].equals("train") || p[1].equals("infer"))) {
                    throw new IllegalArgumentException("expected: <model> <train|infer> <batch> <size> <warmup> <iters>");
                }
                Model m = models.get(p[0]);
                if (m == null) {
                    m = load(dir, p[0]);
                    models.put(p[0], m);
                }
                System.out.println(run(m, p[0], p[1].equals("train"), Integer.parseInt(p[2]), Integer.parseInt(p[3]),
                        Integer.parseInt(p[4]), Integer.parseInt(p[5]), engine.getVersion()));
            } catch (Exception e) {
                System.out.println("{\"error\":\"" + String.valueOf(e).replace("\"", "'").replace('\n', ' ') + "\"}");
            }
            System.out.flush();
        }
        models.values().forEach(Model::close);
    }

    private static Model load(Path dir, String name) throws Exception {
        Path file = dir.resolve(name + ".pt");
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist (the script exports it)");
        }
        Model m = Model.newInstance(name, "PyTorch");
        m.load(dir, name, Map.of("trainParam", "true"));
        return m;
    }

    private static String run(Model model, String name, boolean train, int batch, int size, int warmup, int iters,
                              String version) throws IOException {
        Block block = model.getBlock();
        List<Double> ips = new ArrayList<>();
        try (NDManager manager = model.getNDManager().newSubManager()) {
            manager.getEngine().setRandomSeed(42);
            NDArray x = manager.randomUniform(0f, 1f, new Shape(batch, 3, size, size)); // as the torch side
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = (i * 37) % 1000;
            }
            NDArray y = manager.create(labels);
            Loss loss = Loss.softmaxCrossEntropyLoss();
            Optimizer sgd = Optimizer.sgd()
                    .setLearningRateTracker(Tracker.fixed(0.01f))
                    .optMomentum(0.9f)
                    .build();
            ParameterStore store = new ParameterStore(manager, false);
            resetPeak();
            for (int i = 0; i < warmup + iters; i++) {
                if (i == warmup) {
                    resetPeak();
                }
                long t0 = System.nanoTime();
                try (NDManager step = manager.newSubManager()) {
                    NDArray input = x.duplicate();
                    input.attach(step);
                    if (train) {
                        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                            NDList out = block.forward(store, new NDList(input), true);
                            NDArray l = loss.evaluate(new NDList(y), out);
                            gc.backward(l);
                            out.attach(step);
                            l.attach(step);
                        }
                        for (Pair<String, Parameter> param : block.getParameters()) {
                            NDArray w = param.getValue().getArray();
                            sgd.update(param.getKey(), w, w.getGradient());
                        }
                    } else {
                        NDList out = block.forward(store, new NDList(input), false);
                        out.attach(step);
                    }
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
        return String.format(Locale.ROOT, "{\"side\":\"djl\",\"contender\":\"%s\",\"mode\":\"%s\",\"batch\":%d,"
                + "\"size\":%d,\"images_per_s\":[%s],\"median\":%.4f,\"peak_rss_mb\":%d,\"note\":\"libtorch %s "
                + "through DJL 0.36, CPU\"}", name, train ? "train" : "infer", batch, size, list, median, peakRssMb(),
                version);
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
