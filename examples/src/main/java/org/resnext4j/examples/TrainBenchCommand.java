package org.resnext4j.examples;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.stats.api.StatsType;
import org.deeplearning4j.ui.model.stats.impl.DefaultStatsInitializationConfiguration;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.UiStats;
import org.resnext4j.zoo.ResNeXt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-train}: what a user's {@code train} costs beside the training step (docs/performance.md, issue 26).
 * Parts: {@code step} (the training step alone, Adam, the model {@code train} builds, random data), {@code stats}
 * (the cost of each kind of DL4J UI statistic per step), {@code checkpoint} (writing and reading a checkpoint with
 * Adam state: DL4J's deflated zip, Deflater level 1, STORED), {@code epochs} (whole epochs of {@code train} on
 * generated images in child JVMs, timed from its epoch lines: images/s over whole epochs with data loading,
 * augmentation, listeners, validation and checkpoints). {@code --classpath} runs the epochs of another build (the
 * code before a change) with the same harness.
 */
@Command(
        name = "bench-train",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "End-to-end training benchmark: step, UI statistics, checkpoint and whole-epoch images/s "
                + "(see docs/performance.md).")
final class TrainBenchCommand implements Callable<Integer> {

    static final int CLASSES = 4;

    @Option(
            names = "--parts",
            paramLabel = "LIST",
            defaultValue = "step,stats,checkpoint,epochs",
            description = "(default ${DEFAULT-VALUE})")
    String parts;

    @Option(
            names = "--model",
            paramLabel = "NAME",
            defaultValue = "resnext50_32x4d",
            description = "(default ${DEFAULT-VALUE})")
    String model;

    @Option(
            names = "--configs",
            paramLabel = "LIST",
            defaultValue = "32x64",
            description = "batch x size, comma-separated (default ${DEFAULT-VALUE})")
    String configs;

    @Option(
            names = "--iters",
            paramLabel = "N",
            defaultValue = "3",
            description = "timed steps per stats kind and for the step (default ${DEFAULT-VALUE})")
    int iters;

    @Option(
            names = "--warmup",
            paramLabel = "N",
            defaultValue = "3",
            description = "untimed steps after building the model; the step paired with epochs leaves out at least "
                    + "as many as the warm-up epochs hold (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            defaultValue = "3",
            description = "epochs per train run, --warmup-epochs of them not counted (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(
            names = "--warmup-epochs",
            paramLabel = "N",
            defaultValue = "1",
            description = "first epochs of each train run left out of its figures: the JIT compiler's and the UI "
                    + "statistics' first work falls there (default ${DEFAULT-VALUE})")
    int warmupEpochs;

    @Option(
            names = "--batches",
            paramLabel = "N",
            defaultValue = "12",
            description = "training batches per epoch (default ${DEFAULT-VALUE})")
    int batches;

    @Option(
            names = "--variants",
            paramLabel = "LIST",
            defaultValue = "ui,no-ui",
            description = "train runs: ui (UI on, default stats), no-ui, ui-full (UI on, --ui-stats full), "
                    + "no-ui-full, old-ui and old-no-ui (no --ui-stats flag, for a build before it existed) "
                    + "(default ${DEFAULT-VALUE})")
    String variants;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "1",
            description = "with both step and epochs in --parts: rounds of (step, then each variant's epochs), each in "
                    + "a JVM of its own, each variant's ratio to the step of its own round, with and without its "
                    + "validation time, and the medians over rounds (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(
            names = "--classpath",
            paramLabel = "CP",
            description = "class path of the train runs and of the paired step's JVM (default: this JVM's)")
    String classpath;

    @Option(
            names = "--label",
            paramLabel = "TEXT",
            defaultValue = "this build",
            description = "what the epochs' rows are called (default ${DEFAULT-VALUE})")
    String label;

    @Option(
            names = "--jvm-arg",
            paramLabel = "ARG",
            description = "an extra option of the train JVMs, e.g. -XX:StartFlightRecording=filename=run.jfr")
    List<String> jvmArgs = new ArrayList<>();

    @Option(names = "--xmx", paramLabel = "SIZE", defaultValue = "6g", description = "(default ${DEFAULT-VALUE})")
    String xmx;

    @Option(
            names = "--work",
            paramLabel = "DIR",
            defaultValue = "target/bench-train",
            description = "data and run folders (default ${DEFAULT-VALUE})")
    Path work;

    /** The step part's line, and its images/s. */
    private static final Pattern STEP_LINE =
            Pattern.compile("\\{\"part\":\"step\".*\"images_per_s_over_steps\":([0-9.]+).*}");

    @Override
    public Integer call() throws Exception {
        TrainCommand.atLeast("--iters", iters, 1);
        TrainCommand.atLeast("--epochs", epochs, 2);
        TrainCommand.atLeast("--warmup-epochs", warmupEpochs, 1);
        if (warmupEpochs >= epochs) {
            throw new IllegalArgumentException("--warmup-epochs " + warmupEpochs + " leaves none of --epochs " + epochs
                    + " to count; expected fewer warm-up epochs than epochs, e.g. --epochs " + (warmupEpochs + 2)
                    + " --warmup-epochs " + warmupEpochs);
        }
        TrainCommand.atLeast("--batches", batches, 1);
        TrainCommand.atLeast("--rounds", rounds, 1);
        Files.createDirectories(work);
        List<String> list = new ArrayList<>();
        for (String part : parts.split(",")) {
            String p = part.trim();
            if (!List.of("step", "stats", "checkpoint", "epochs").contains(p)) {
                throw new IllegalArgumentException(
                        "--parts: unknown \"" + part + "\", expected step, stats, checkpoint, epochs");
            }
            list.add(p);
        }
        for (String variant : variants.split(",")) {
            TrainBenchEpochs.variantFlags(variant.trim()); // an unknown variant fails before anything runs
        }
        boolean paired = list.contains("step") && list.contains("epochs");
        for (int[] cfg : Bench.configs(configs)) {
            for (String part : list) {
                switch (part) {
                    case "step" -> {
                        if (!paired) {
                            step(cfg[0], cfg[1], 0);
                        }
                    }
                    case "stats" -> stats(cfg[0], cfg[1]);
                    case "checkpoint" -> checkpoint(cfg[1]);
                    default -> {
                        if (paired) {
                            paired(cfg[0], cfg[1]);
                        } else {
                            new TrainBenchEpochs(this).epochs(cfg[0], cfg[1], 0);
                        }
                    }
                }
            }
        }
        return 0;
    }

    /**
     * Rounds of the step followed by each variant's epochs: the step and the epochs compared in the same minutes, so a
     * machine that is slower or faster for a while moves both (the step alone varied 4.5-5.4 images/s between runs
     * of one hour).
     */
    private void paired(int batch, int size) throws IOException, InterruptedException {
        Map<String, List<TrainBenchEpochs.Throughput>> ratios = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            double step = stepInChild(batch, size, round);
            for (Map.Entry<String, TrainBenchEpochs.Throughput> e :
                    new TrainBenchEpochs(this).epochs(batch, size, round).entrySet()) {
                TrainBenchEpochs.Throughput ratio = e.getValue().over(step);
                ratios.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(ratio);
                System.out.printf(
                        Locale.ROOT,
                        "{\"part\":\"ratio\",\"model\":\"%s\",\"batch\":%d,\"size\":%d,\"variant\":\"%s\","
                                + "\"round\":%d,\"epochs_over_step\":%.3f,\"without_validation_over_step\":%.3f}%n",
                        model,
                        batch,
                        size,
                        e.getKey(),
                        round,
                        ratio.imagesPerSecond(),
                        ratio.withoutValidation());
            }
        }
        for (Map.Entry<String, List<TrainBenchEpochs.Throughput>> e : ratios.entrySet()) {
            double[] v = e.getValue().stream()
                    .mapToDouble(TrainBenchEpochs.Throughput::imagesPerSecond)
                    .toArray();
            double[] w = e.getValue().stream()
                    .mapToDouble(TrainBenchEpochs.Throughput::withoutValidation)
                    .toArray();
            System.out.printf(
                    Locale.ROOT,
                    "{\"part\":\"ratio\",\"model\":\"%s\",\"batch\":%d,\"size\":%d,\"variant\":\"%s\","
                            + "\"rounds\":[%s],\"median_epochs_over_step\":%.3f,"
                            + "\"rounds_without_validation\":[%s],\"median_without_validation_over_step\":%.3f}%n",
                    model,
                    batch,
                    size,
                    e.getKey(),
                    Bench.joined(v, "%.3f"),
                    Bench.median(v),
                    Bench.joined(w, "%.3f"),
                    Bench.median(w));
        }
    }

    private ComputationGraph build(int size) {
        return ResNeXt.builder(Models.spec(model, CLASSES, size))
                .seed(42)
                .updater(new Adam(1e-4))
                .build()
                .init();
    }

    private static DataSet batch(int batch, int size) {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, size, size);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, CLASSES);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % CLASSES, 1.0);
        }
        return new DataSet(x, y);
    }

    private double[] timeSteps(ComputationGraph net, DataSet ds, int n) {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            net.fit(ds);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    /**
     * The step measured in a child JVM started as the train runs are (heap, JavaCPP limits, {@code --jvm-arg}s, class
     * path): the two sides of a ratio then run in the same kind of process, and this JVM holds no model while the
     * epochs run (with the step's ResNeXt-50 kept here, the epochs measured 10-20% slower than in a fresh process).
     * It leaves out as many steps as the warm-up epochs hold, times as many as the counted epochs hold and is counted
     * as they are (total images over total time): the median of three steps left out the disturbances that the
     * epochs' total time keeps.
     *
     * @return the child's images/s
     */
    private double stepInChild(int batch, int size, int round) throws IOException, InterruptedException {
        List<String> cmd = TrainBenchEpochs.childJvm(this);
        cmd.addAll(List.of(
                "bench-train",
                "--parts",
                "step",
                "--configs",
                batch + "x" + size,
                "--model",
                model,
                "--iters",
                Integer.toString(Math.max(iters, batches * (epochs - warmupEpochs))), // as many as the counted epochs
                "--warmup",
                // untimed as many steps as the train runs' warm-up epochs hold: the JIT compiler reaches DL4J's
                // largest methods (calcBackpropGradients) only after some hundred iterations, on both sides alike
                Integer.toString(Math.max(warmup, batches * warmupEpochs))));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        Matcher m = STEP_LINE.matcher(output);
        if (rc != 0 || !m.find()) {
            throw new IllegalStateException("the step's JVM exited with " + rc + " without its result:\n" + output);
        }
        System.out.println(m.group().replace("\"round\":0,", "\"round\":" + round + ","));
        return Double.parseDouble(m.group(1));
    }

    /**
     * The step's images/s (printed; {@code round} 0 when not paired with epochs): from the median step, and over all
     * the timed steps (total images over total time, as the epochs are counted).
     */
    private double step(int batch, int size, int round) {
        ComputationGraph net = build(size);
        DataSet ds = batch(batch, size);
        timeSteps(net, ds, warmup);
        double[] steps = timeSteps(net, ds, iters);
        double ms = Bench.median(steps);
        double total = Arrays.stream(steps).sum();
        System.out.printf(
                Locale.ROOT,
                "{\"part\":\"step\",\"model\":\"%s\",\"batch\":%d,\"size\":%d,\"round\":%d,\"steps\":%d,"
                        + "\"ms_per_step\":%.1f,\"images_per_s\":%.2f,\"images_per_s_over_steps\":%.2f,\"params\":%d}%n",
                model,
                batch,
                size,
                round,
                iters,
                ms,
                batch * 1000 / ms,
                batch * iters * 1000 / total,
                net.numParams());
        return batch * 1000 / ms;
    }

    /** The kinds measured one at a time, then the two levels. */
    private static Map<String, UiStats.Configuration> kinds() {
        Set<StatsType> none = EnumSet.noneOf(StatsType.class);
        Set<StatsType> all = EnumSet.allOf(StatsType.class);
        Set<StatsType> activations = EnumSet.of(StatsType.Activations);
        Map<String, UiStats.Configuration> k = new LinkedHashMap<>();
        k.put("score only", arrays(none, none, none, none));
        k.put("performance, memory, GC", new UiStats.Configuration(1, true, true, true, false, none, none, none, none));
        k.put("learning rates", new UiStats.Configuration(1, false, false, false, true, none, none, none, none));
        k.put(
                "mean magnitudes: parameters, updates",
                arrays(none, none, none, EnumSet.of(StatsType.Parameters, StatsType.Updates)));
        k.put(
                "stdev: gradients, updates",
                arrays(none, none, EnumSet.of(StatsType.Gradients, StatsType.Updates), none));
        k.put(
                "mean + stdev: parameters",
                arrays(none, EnumSet.of(StatsType.Parameters), EnumSet.of(StatsType.Parameters), none));
        k.put("activations: mean, stdev, magnitude", arrays(none, activations, activations, activations));
        for (StatsType t : StatsType.values()) {
            k.put("histograms: " + t.name().toLowerCase(Locale.ROOT), arrays(EnumSet.of(t), none, none, none));
        }
        k.put("DEFAULT (every iteration)", UiStats.DEFAULT.configuration(1));
        k.put("FULL (every iteration)", UiStats.FULL.configuration(1));
        k.put("all kinds", new UiStats.Configuration(1, true, true, true, true, all, all, all, all));
        return k;
    }

    /** Statistics of arrays only (no performance, memory, GC or learning rates), every iteration. */
    private static UiStats.Configuration arrays(
            Set<StatsType> histograms, Set<StatsType> mean, Set<StatsType> stdev, Set<StatsType> meanMagnitudes) {
        return new UiStats.Configuration(1, false, false, false, false, histograms, mean, stdev, meanMagnitudes);
    }

    private void stats(int batch, int size) throws IOException {
        ComputationGraph net = build(size);
        DataSet ds = batch(batch, size);
        timeSteps(net, ds, warmup);
        double base = Bench.median(timeSteps(net, ds, iters));
        System.out.printf(
                Locale.ROOT,
                "{\"part\":\"stats\",\"model\":\"%s\",\"batch\":%d,\"size\":%d,"
                        + "\"kind\":\"none\",\"ms_per_step\":%.1f}%n",
                model,
                batch,
                size,
                base);
        for (Map.Entry<String, UiStats.Configuration> e : kinds().entrySet()) {
            Path file = Files.createTempFile(work, "stats", ".dl4j");
            Files.delete(file);
            FileStatsStorage storage = new FileStatsStorage(file.toFile());
            base = Bench.median(timeSteps(net, ds, iters)); // the baseline just before, against drift
            try {
                StatsListener l = new StatsListener(
                        storage,
                        new DefaultStatsInitializationConfiguration(true, true, true),
                        e.getValue(),
                        "bench",
                        "w");
                net.setListeners(l);
                net.fit(ds); // the initialisation report (model, hardware) is written on the first iteration
                double ms = Bench.median(timeSteps(net, ds, iters));
                System.out.printf(
                        Locale.ROOT,
                        "{\"part\":\"stats\",\"model\":\"%s\",\"batch\":%d,\"size\":%d,"
                                + "\"kind\":\"%s\",\"ms_per_step\":%.1f,\"base_ms\":%.1f,\"overhead_ms\":%.1f,"
                                + "\"overhead\":%.3f}%n",
                        model,
                        batch,
                        size,
                        e.getKey(),
                        ms,
                        base,
                        ms - base,
                        (ms - base) / base);
            } finally {
                net.setListeners();
                storage.close();
                Files.deleteIfExists(file);
            }
        }
        double again = Bench.median(timeSteps(net, ds, iters));
        System.out.printf(
                Locale.ROOT,
                "{\"part\":\"stats\",\"model\":\"%s\",\"batch\":%d,\"size\":%d,"
                        + "\"kind\":\"none (again)\",\"ms_per_step\":%.1f}%n",
                model,
                batch,
                size,
                again);
    }

    /** DL4J's entries through a ZipOutputStream at Deflater level 1, for the comparison only. */
    private static final Checkpoints.ModelWriter LEVEL_1 = new Checkpoints.ModelWriter() {
        @Override
        public void write(org.deeplearning4j.nn.api.Model m, Path file) throws IOException {
            write(m, file, Map.of());
        }

        @Override
        public void write(org.deeplearning4j.nn.api.Model m, Path file, Map<String, byte[]> entries)
                throws IOException {
            ComputationGraph cg = (ComputationGraph) m;
            try (OutputStream os = Files.newOutputStream(file);
                    ZipOutputStream zip = new ZipOutputStream(new java.io.BufferedOutputStream(os, 1 << 20))) {
                zip.setLevel(Deflater.BEST_SPEED);
                zip.putNextEntry(new ZipEntry("configuration.json"));
                zip.write(cg.getConfiguration().toJson().getBytes(StandardCharsets.UTF_8));
                zip.putNextEntry(new ZipEntry("coefficients.bin"));
                DataOutputStream d = new DataOutputStream(zip);
                Nd4j.write(cg.params(), d);
                d.flush();
                zip.putNextEntry(new ZipEntry("updaterState.bin"));
                Nd4j.write(cg.getUpdater().getStateViewArray(), d);
                d.flush();
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(e.getValue());
                }
            }
        }
    };

    private void checkpoint(int size) throws IOException {
        ComputationGraph net = build(size);
        net.fit(batch(2, size)); // Adam's moments exist from the first step
        Map<String, Checkpoints.ModelWriter> writers = new LinkedHashMap<>();
        writers.put("deflated (ModelSerializer, before)", Checkpoints.MODEL_SERIALIZER);
        writers.put("deflate level 1", LEVEL_1);
        writers.put("STORED (now)", Checkpoints.STORED);
        Map<String, Object> meta = Map.of(org.resnext4j.ui.CheckpointEnvelope.EPOCH_KEY, 1);
        for (int round = 0; round < 2; round++) {
            for (Map.Entry<String, Checkpoints.ModelWriter> w : writers.entrySet()) {
                Path file = work.resolve("ckpt-" + w.getValue().hashCode() + ".zip");
                long t0 = System.nanoTime();
                Checkpoints.save(net, file, meta, w.getValue());
                double write = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                Checkpoints.load(file);
                double read = (System.nanoTime() - t0) / 1e9;
                System.out.printf(
                        Locale.ROOT,
                        "{\"part\":\"checkpoint\",\"model\":\"%s\",\"round\":%d,"
                                + "\"writer\":\"%s\",\"write_s\":%.2f,\"read_s\":%.2f,\"mb\":%.1f}%n",
                        model,
                        round,
                        w.getKey(),
                        write,
                        read,
                        Files.size(file) / 1e6);
                Files.delete(file);
                Files.deleteIfExists(Checkpoints.sidecar(file));
            }
            // with background writes (the default) the training thread pays only for the snapshot
            long t0 = System.nanoTime();
            Checkpoints.ModelState state = Checkpoints.ModelState.snapshot(net);
            double snapshot = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "{\"part\":\"checkpoint\",\"model\":\"%s\",\"round\":%d,"
                            + "\"writer\":\"snapshot for a background write (training thread)\",\"write_s\":%.2f,"
                            + "\"mb\":%.1f}%n",
                    model,
                    round,
                    snapshot,
                    (double) state.params().dataType().width()
                            * (state.params().length() + state.updaterState().length())
                            / 1e6);
        }
    }
}
