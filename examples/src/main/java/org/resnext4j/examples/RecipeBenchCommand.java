package org.resnext4j.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnext4j.ui.EpochMetrics;
import org.resnext4j.ui.MetricsHistory;
import org.resnext4j.ui.RunFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-recipes}: training recipes against each other on data the project makes (docs/training.md, issue 22).
 * Each variant (a name and the {@code train} options it adds) trains from scratch with every seed on the same
 * generated shapes folder, in this JVM through {@link Cli#run}, with the same model, size, batch and epochs; the
 * table gives the best validation accuracy of each run (of the moving average too where the recipe keeps one), their
 * mean and spread, and the mean wall time of an epoch after the first. The seed sets the split, the initial weights,
 * the shuffles and the augmentation, so a row's spread is the run-to-run noise its mean difference must beat.
 */
@Command(
        name = "bench-recipes",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "Training recipes side by side: best validation accuracy over seeds and seconds per epoch "
                + "(see docs/training.md).")
final class RecipeBenchCommand implements Callable<Integer> {

    @Option(
            names = "--variant",
            paramLabel = "NAME=OPTIONS",
            description = "a row: its name and the train options it adds, e.g. torchvision=\"--recipe torchvision\" "
                    + "(repeatable; default: default= and torchvision=--recipe torchvision)")
    List<String> variants = new ArrayList<>();

    @Option(names = "--seeds", paramLabel = "LIST", defaultValue = "1,2,3", description = "(default ${DEFAULT-VALUE})")
    String seeds;

    @Option(
            names = "--model",
            paramLabel = "NAME",
            defaultValue = Models.TINY,
            description = "(default ${DEFAULT-VALUE})")
    String model;

    @Option(
            names = "--per-class",
            paramLabel = "N",
            defaultValue = "150",
            description = "generated images per class: few, so that a recipe's regularisation matters "
                    + "(default ${DEFAULT-VALUE})")
    int perClass;

    @Option(names = "--size", paramLabel = "N", defaultValue = "32", description = "(default ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "(default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "15", description = "(default ${DEFAULT-VALUE})")
    int epochs;

    @Option(
            names = "--work",
            paramLabel = "DIR",
            defaultValue = "target/bench-recipes",
            description = "data and run folders (default ${DEFAULT-VALUE})")
    Path work;

    private record Run(double best, double bestEma, double secondsPerEpoch) {}

    @Override
    public Integer call() throws Exception {
        Map<String, List<String>> rows = rows();
        List<Long> seedList = new ArrayList<>();
        for (String s : seeds.split(",")) {
            seedList.add(Long.parseLong(s.trim()));
        }
        Path data = work.resolve("shapes-" + perClass + "x" + size);
        ShapesDataset.write(data, perClass, size, ShapesDataset.DEFAULT_SEED);
        Map<String, List<Run>> results = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> row : rows.entrySet()) {
            for (long seed : seedList) {
                Path out = work.resolve("run-" + row.getKey() + "-seed" + seed + "-" + System.currentTimeMillis());
                List<String> args = new ArrayList<>(List.of(
                        "train",
                        "--data",
                        data.toString(),
                        "--model",
                        model,
                        "--size",
                        Integer.toString(size),
                        "--batch",
                        Integer.toString(batch),
                        "--epochs",
                        Integer.toString(epochs),
                        "--seed",
                        Long.toString(seed),
                        "--no-ui",
                        "--quiet",
                        "--out",
                        out.toString()));
                args.addAll(row.getValue());
                int code = Cli.run(args.toArray(String[]::new));
                if (code != 0) {
                    throw new IllegalStateException("train exited with " + code + ": " + String.join(" ", args));
                }
                Run r = summarise(
                        MetricsHistory.readJson(RunFolder.metricsJson(out)).epochs());
                results.computeIfAbsent(row.getKey(), k -> new ArrayList<>()).add(r);
                System.out.printf(
                        Locale.ROOT,
                        "{\"part\":\"recipe\",\"variant\":\"%s\",\"seed\":%d,\"best_val_acc\":%.4f,"
                                + "\"best_val_acc_ema\":%s,\"s_per_epoch\":%.2f}%n",
                        row.getKey(),
                        seed,
                        r.best(),
                        Double.isNaN(r.bestEma()) ? "null" : String.format(Locale.ROOT, "%.4f", r.bestEma()),
                        r.secondsPerEpoch());
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%n%s, %d per class at %d px, batch %d, %d epochs, seeds %s%n",
                model,
                perClass,
                size,
                batch,
                epochs,
                seeds);
        System.out.println(
                "| variant | best validation accuracy per seed | mean | spread (max - min) | EMA: mean | s per epoch |");
        System.out.println("|---|---|---|---|---|---|");
        for (Map.Entry<String, List<Run>> e : results.entrySet()) {
            List<Run> runs = e.getValue();
            double[] best = runs.stream().mapToDouble(Run::best).toArray();
            double[] ema = runs.stream().mapToDouble(Run::bestEma).toArray();
            StringBuilder each = new StringBuilder();
            for (double b : best) {
                each.append(each.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f%%", 100 * b));
            }
            double emaMean = mean(ema);
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %.1f%% | %.1f | %s | %.2f |%n",
                    e.getKey(),
                    each,
                    100 * mean(best),
                    100 * (max(best) - min(best)),
                    Double.isNaN(emaMean) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * emaMean),
                    runs.stream().mapToDouble(Run::secondsPerEpoch).average().orElse(Double.NaN));
        }
        return 0;
    }

    /** The variants as name to options; the two defaults when none is given. */
    private Map<String, List<String>> rows() {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        List<String> specs = variants.isEmpty() ? List.of("default=", "torchvision=--recipe torchvision") : variants;
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("--variant: expected NAME=OPTIONS, got \"" + spec + "\"");
            }
            String options = spec.substring(eq + 1).trim();
            rows.put(spec.substring(0, eq), options.isEmpty() ? List.of() : List.of(options.split("\\s+")));
        }
        return rows;
    }

    private static Run summarise(List<EpochMetrics> epochs) {
        double best =
                epochs.stream().mapToDouble(EpochMetrics::valAccuracy).max().orElse(Double.NaN);
        double seconds = epochs.stream()
                .skip(1)
                .mapToDouble(EpochMetrics::seconds)
                .average()
                .orElse(Double.NaN);
        double bestEma = epochs.stream()
                .mapToDouble(EpochMetrics::emaValAccuracy)
                .filter(v -> !Double.isNaN(v))
                .max()
                .orElse(Double.NaN);
        return new Run(best, bestEma, seconds);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) {
            m = Math.min(m, x);
        }
        return m;
    }
}
