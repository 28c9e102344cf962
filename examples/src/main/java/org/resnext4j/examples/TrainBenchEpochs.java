package org.resnext4j.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.io.FileUtils;
import org.resnext4j.ui.RunFolder;

/**
 * {@code bench-train}'s {@code epochs} part: whole epochs of {@code train} in child JVMs on generated images, timed
 * from the epoch lines they print (the first {@code --warmup-epochs} left out), one run per variant (UI on or off,
 * statistics level), with the CPU seconds of the run's threads over the counted epochs by what they do
 * ({@link ThreadCpu}: training, JIT compiler, garbage collector, image loaders, checkpoint writer, UI server).
 */
final class TrainBenchEpochs {

    private static final Pattern EPOCH = Pattern.compile(".*\\bEpoch +(\\d+)/(\\d+)  train_loss .*");
    private static final Pattern SPLIT = Pattern.compile(".*split: (\\d+) train.*");
    /** The line after each epoch's, {@code EpochListener.timeLine}: where the epoch's time went. */
    static final Pattern TIME = Pattern.compile(".*\\bepoch (\\d+) time: training [0-9.]+s  validation ([0-9.]+)s .*");

    /**
     * A variant's throughput over the counted epochs: whole epochs, and the same epochs less their validation (the
     * time of the training and of everything else the run does around it: loading, listeners, checkpoints).
     */
    record Throughput(double imagesPerSecond, double withoutValidation) {

        /** @return both figures divided by the step's images/s (the ratios {@code --rounds} reports) */
        Throughput over(double step) {
            return new Throughput(imagesPerSecond / step, withoutValidation / step);
        }
    }

    private final TrainBenchCommand c;

    TrainBenchEpochs(TrainBenchCommand command) {
        this.c = command;
    }

    /** Each variant's images/s over whole epochs (printed; {@code round} 0 when not paired with the step). */
    Map<String, Throughput> epochs(int batch, int size, int round) throws IOException, InterruptedException {
        Map<String, Throughput> ips = new LinkedHashMap<>();
        int trainImages = c.batches * batch;
        int perClass = (int) Math.ceil(trainImages / 0.8 / TrainBenchCommand.CLASSES);
        Path data = c.work.resolve("data-" + size + "-" + perClass);
        if (!Files.isDirectory(data)) {
            ShapesDataset.write(data, perClass, size, 7);
        }
        for (String variant : c.variants.split(",")) {
            Path out = c.work.resolve("run-" + c.model + "-" + batch + "x" + size + "-" + variant.trim() + "-"
                    + System.currentTimeMillis());
            List<String> cmd = childJvm(c);
            cmd.addAll(List.of(
                    "train",
                    "--data",
                    data.toString(),
                    "--model",
                    c.model,
                    "--size",
                    Integer.toString(size),
                    "--batch",
                    Integer.toString(batch),
                    "--epochs",
                    Integer.toString(c.epochs),
                    "--lr",
                    "0.0001",
                    "--schedule",
                    "none",
                    "--out",
                    out.toString()));
            cmd.addAll(variantFlags(variant.trim()));
            Throughput v = runEpochs(cmd, variant.trim(), batch, size, round, out);
            if (c.rounds > 1) {
                // rounds would fill the disk with ResNeXt-50 checkpoints (276 MB each); the epoch lines are read
                FileUtils.deleteDirectory(RunFolder.checkpoints(out).toFile());
            }
            if (v != null) {
                ips.put(variant.trim(), v);
            }
        }
        return ips;
    }

    /**
     * The command line of a child JVM of the benchmark, up to its arguments: this JVM's {@code java}, the heap and
     * JavaCPP limits of the users' launcher, the {@code --jvm-arg}s, the class path and {@link Cli}.
     */
    static List<String> childJvm(TrainBenchCommand c) {
        String cp = c.classpath != null ? c.classpath : System.getProperty("java.class.path");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(
                java,
                "-Xmx" + c.xmx,
                "-Dorg.bytedeco.javacpp.maxbytes=12G",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G",
                "-Djava.awt.headless=true"));
        cmd.addAll(c.jvmArgs);
        cmd.addAll(List.of("-cp", cp, Cli.class.getName()));
        return cmd;
    }

    static List<String> variantFlags(String variant) {
        return switch (variant) {
            case "ui" -> List.of("--port", "0", "--ui-stats", "default");
            case "no-ui", "old-no-ui" -> List.of("--no-ui");
            case "ui-full" -> List.of("--port", "0", "--ui-stats", "full");
            case "no-ui-full" -> List.of("--no-ui", "--ui-stats", "full");
            case "old-ui" -> List.of("--port", "0");
            default ->
                throw new IllegalArgumentException("--variants: unknown \"" + variant
                        + "\", expected ui, no-ui, ui-full, no-ui-full, old-ui, old-no-ui");
        };
    }

    private Throughput runEpochs(List<String> cmd, String variant, int batch, int size, int round, Path out)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<Double> ends = new ArrayList<>();
        List<Map<String, Double>> cpuAtEnds = new ArrayList<>();
        Map<Integer, Double> validation = new LinkedHashMap<>();
        int train = -1;
        long start = System.nanoTime();
        StringBuilder tail = new StringBuilder();
        try (ThreadCpu cpu = new ThreadCpu(p.pid());
                BufferedReader r =
                        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                double t = (System.nanoTime() - start) / 1e9;
                Matcher s = SPLIT.matcher(line);
                if (train < 0 && s.matches()) {
                    train = Integer.parseInt(s.group(1));
                }
                if (EPOCH.matcher(line).matches()) {
                    ends.add(t);
                    cpuAtEnds.add(cpu.snapshot());
                }
                Matcher v = TIME.matcher(line);
                if (v.matches()) {
                    validation.put(Integer.parseInt(v.group(1)), Double.parseDouble(v.group(2)));
                }
                tail.append(line).append('\n');
                if (tail.length() > 4000) {
                    tail.delete(0, tail.length() - 4000);
                }
            }
        }
        int rc = p.waitFor();
        int warm = c.warmupEpochs;
        if (rc != 0 || ends.size() <= warm) {
            System.out.println(
                    "{\"part\":\"epochs\",\"variant\":\"" + variant + "\",\"error\":\"exit " + rc + "\"}\n" + tail);
            return null;
        }
        int counted = ends.size() - warm;
        double[] ips = new double[counted];
        for (int i = warm; i < ends.size(); i++) {
            ips[i - warm] = train / (ends.get(i) - ends.get(i - 1));
        }
        double total = ends.get(ends.size() - 1) - ends.get(warm - 1);
        double validating = 0;
        for (int epoch = warm + 1; epoch <= ends.size(); epoch++) {
            validating += validation.getOrDefault(epoch, Double.NaN); // NaN: a build without the time line
        }
        Throughput result = new Throughput(train * counted / total, train * counted / (total - validating));
        System.out.printf(
                Locale.ROOT,
                "{\"part\":\"epochs\",\"label\":\"%s\",\"model\":\"%s\",\"batch\":%d,"
                        + "\"size\":%d,\"variant\":\"%s\",\"round\":%d,\"train_images\":%d,\"warmup_epochs\":%d,"
                        + "\"images_per_s\":[%s],\"images_per_s_over_epochs\":%.2f,\"validation_s\":%.1f,"
                        + "\"images_per_s_without_validation\":%.2f,\"first_epoch_s\":%.1f,\"counted_s\":%.1f,"
                        + "\"cpu_s\":%s,\"run\":\"%s\"}%n",
                c.label,
                c.model,
                batch,
                size,
                variant,
                round,
                train,
                warm,
                Bench.joined(ips, "%.2f"),
                result.imagesPerSecond(),
                validating,
                result.withoutValidation(),
                ends.get(0),
                total,
                ThreadCpu.json(cpuAtEnds.get(warm - 1), cpuAtEnds.get(cpuAtEnds.size() - 1)),
                out);
        System.out.flush();
        return result;
    }
}
