package org.resnext4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.resnext4j.datavec.DatasetSplit;
import org.resnext4j.datavec.EvalTransform;
import org.resnext4j.datavec.ImageBatchLoader;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.datavec.ImageFolderException;
import org.resnext4j.datavec.ImageFolderIterator;
import org.resnext4j.datavec.ImageTransform;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.datavec.TrainTransform;
import org.resnext4j.ui.CheckpointEnvelope;
import org.resnext4j.ui.CheckpointException;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.ui.RunFolder;
import org.resnext4j.ui.RunSettings;
import org.resnext4j.ui.TrainingResult;
import org.resnext4j.ui.TrainingRun;
import org.resnext4j.ui.UiOptions;
import org.resnext4j.ui.UiStats;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code spark-train}: trains a ResNeXt/ResNet on an image folder with Spark ({@link SparkTraining}), writing the
 * same run folder as the single-machine {@code train} command, every checkpoint with its full model card (spec,
 * class names, preprocessing, settings). The driver runs here; with {@code --master local[N]} the executors are
 * threads of this JVM; on a cluster, submit the shaded {@code training-spark-<version>-spark-app.jar} with
 * {@code spark-submit --class org.resnext4j.spark.SparkTrainCommand} (its master and settings are kept), the data at
 * the same path on every worker. Every epoch's batches are shuffled unless {@code --no-shuffle}. Bad input exits
 * with code 2 and one line naming the option; internal errors with code 1.
 */
@Command(
        name = "spark-train",
        mixinStandardHelpOptions = true,
        version = "resnext4j 0.1.0",
        description = "Data-parallel training on Apache Spark (DL4J's parameter averaging).")
public final class SparkTrainCommand implements Callable<Integer> {

    /** {@code --training-master}: {@code sharing} is kept as a value only to refuse it with the reason. */
    enum TrainingMasterOption {
        averaging,
        sharing
    }

    @Option(
            names = "--master",
            description = "Spark master: local[N] or spark://host:port (default: spark-submit's --master, "
                    + "the spark.master property)")
    String master;

    @Option(names = "--data", description = "image folder, root/<class>/<image> (with --resume: the run's)")
    Path data;

    @Option(names = "--out", required = true, description = "run folder (checkpoints, metrics, report, UI stats)")
    Path out;

    @Option(
            names = "--model",
            defaultValue = "tiny",
            description = "tiny or a preset (${COMPLETION-CANDIDATES})",
            completionCandidates = Presets.class)
    String model;

    @Option(names = "--size", defaultValue = "64", description = "input side in pixels (default ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--epochs", defaultValue = "10", description = "planned epochs (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(
            names = "--batch",
            defaultValue = "16",
            description = "examples per minibatch on each worker (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--val-split", defaultValue = "0.2", description = "validation fraction (default ${DEFAULT-VALUE})")
    double valSplit;

    @Option(names = "--seed", defaultValue = "42", description = "split, shuffle and initialisation seed")
    long seed;

    @Option(names = "--lr", defaultValue = "0.003", description = "Adam learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(
            names = "--augment",
            defaultValue = "false",
            description = "RandomResizedCrop (scale 0.35-1) and flip in training; evaluation then resizes to "
                    + "round(size / 0.875) before the center crop, as torchvision (both stored in the model card)")
    boolean augment;

    @Option(
            names = "--shuffle",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "shuffle the training images every epoch (default on; --no-shuffle keeps folder order, "
                    + "which trains every averaging window on one class)")
    boolean shuffle;

    @Option(
            names = "--training-master",
            defaultValue = "averaging",
            description = "averaging (ParameterAveragingTrainingMaster, the only one that returns a trained model;"
                    + " 'sharing' is refused, see docs/spark.md)")
    TrainingMasterOption trainingMaster;

    @Option(
            names = "--averaging-frequency",
            defaultValue = "5",
            description = "minibatches per worker between averagings (default ${DEFAULT-VALUE})")
    int averagingFrequency;

    @Option(names = "--jars", split = ",", description = "jars to ship to the executors (SparkConf.setJars)")
    List<String> jars = new ArrayList<>();

    @Option(names = "--executor-memory", defaultValue = "2g", description = "executor heap (default ${DEFAULT-VALUE})")
    String executorMemory;

    @Option(
            names = "--executor-offheap",
            defaultValue = "3g",
            description = "ND4J off-heap limit per executor (JavaCPP maxbytes; also spark.executor.memoryOverhead)")
    String executorOffHeap;

    @Option(
            names = "--executor-java-options",
            defaultValue = "",
            description = "more JVM options for the executors (e.g. -Dlogback.configurationFile=...)")
    String executorJavaOptions;

    @Option(
            names = "--driver-host",
            defaultValue = "127.0.0.1",
            description = "address the executors reach the driver at (default ${DEFAULT-VALUE}, loopback)")
    String driverHost;

    @Option(
            names = "--resume",
            description = "continue the run in --out from its last checkpoint, with its stored "
                    + "settings (options given again override them; --epochs raises the planned total)")
    boolean resume;

    @Option(
            names = "--ui",
            description = "start the DL4J UI on the driver (executors report to it; without it no UI statistics are "
                    + "recorded)")
    boolean ui;

    @Option(names = "--port", defaultValue = "9000", description = "UI port (default ${DEFAULT-VALUE})")
    int port;

    @Spec
    CommandSpec spec;

    /** The model names for the help text. */
    static final class Presets extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Presets() {
            super(names());
        }
    }

    static List<String> names() {
        List<String> n = new ArrayList<>(List.of("tiny"));
        n.addAll(ResNeXtSpec.presetNames());
        return n;
    }

    /**
     * Runs the command.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * @param args the command line
     * @return the exit code: 0 done, 2 bad input, 1 internal error
     */
    static int run(String... args) {
        CommandLine cmd = new CommandLine(new SparkTrainCommand());
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean badInput = e instanceof IllegalArgumentException
                    || e instanceof ImageFolderException
                    || e instanceof CheckpointException;
            commandLine.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (!badInput) {
                e.printStackTrace(commandLine.getErr());
            }
            return badInput ? 2 : 1;
        });
        return cmd.execute(args);
    }

    @Override
    public Integer call() {
        if (master == null) {
            master = System.getProperty("spark.master");
            if (master == null) {
                throw new IllegalArgumentException("--master: no Spark master given (--master local[N] or "
                        + "spark://host:port, or spark-submit --master)");
            }
        }
        if (resume) {
            restoreSettings();
        }
        if (data == null) {
            throw new IllegalArgumentException("--data: the image folder is required (root/<class>/<image>)");
        }
        validate();
        ResNeXtSpec base = "tiny".equals(model) ? ResNeXtSpec.tiny() : ResNeXtSpec.preset(model);
        DatasetSplit split = ImageFolder.scan(data).split(valSplit, seed);
        List<String> classes = split.train().classNames();
        ResNeXtSpec spec = base.toBuilder()
                .numClasses(classes.size())
                .inputShape(3, size, size)
                .build();
        EvalTransform eval = augment
                ? new EvalTransform((int) Math.round(size / 0.875), size, Normalization.IMAGENET)
                : new EvalTransform(size, size, Normalization.IMAGENET);
        ImageTransform trainTransform =
                augment ? new TrainTransform(size, 0.35, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5, Normalization.IMAGENET) : eval;
        JavaSparkContext sc = new JavaSparkContext(sparkConf());
        try (TrainingRun run = runBuilder(classes, split, eval, spec).build()) {
            if (!resume && run.hasCheckpoint()) {
                throw new IllegalArgumentException("--out: run folder " + out.toAbsolutePath()
                        + " already holds a trained run; continue it with --resume, or choose another --out");
            }
            if (resume && !run.hasCheckpoint()) {
                throw new IllegalArgumentException(
                        "--resume: run folder " + out.toAbsolutePath() + " has no checkpoint to continue");
            }
            ComputationGraph net = ResNeXt.builder(spec)
                    .seed(seed)
                    .updater(new Adam(lr))
                    .build()
                    .init();
            SparkTraining spark = SparkTraining.builder(sc)
                    .batchSizePerWorker(batch)
                    .averagingFrequency(averagingFrequency)
                    .build();
            long t0 = System.nanoTime();
            TrainingResult r =
                    spark.fit(run, net, split.train(), new ImageBatchLoader(trainTransform, classes, seed), shuffle);
            System.out.printf(
                    Locale.ROOT,
                    "%nTrained %d epoch(s) on %s in %.1f s; best validation accuracy %.1f%%%n",
                    r.history().size(),
                    master,
                    (System.nanoTime() - t0) / 1e9,
                    100 * r.history().best().map(m -> m.valAccuracy()).orElse(Double.NaN));
            System.out.println("Run folder: " + r.runDir() + " (report " + RunFolder.report(r.runDir()) + ")");
            return 0;
        } finally {
            sc.stop();
        }
    }

    /** The run folder's builder, with the run's settings as its metadata (stored in every checkpoint's card). */
    private TrainingRun.Builder runBuilder(
            List<String> classes, DatasetSplit split, EvalTransform eval, ResNeXtSpec spec) {
        TrainingRun.Builder builder = TrainingRun.builder(out)
                .epochs(epochs)
                .classNames(classes)
                .validation(ImageFolderIterator.builder(split.validation())
                        .transform(eval)
                        .batchSize(batch)
                        .build())
                // as train: the UI's default statistics with --ui, none recorded without it
                .ui(
                        ui
                                ? UiOptions.defaults().withPort(port).withFallbackToFreePort(true)
                                : UiOptions.disabled().withStats(UiStats.OFF))
                .logSink(System.out::println)
                .modelCard(ModelCard.of(spec, PreprocessingConfig.of(eval)).withModel(model));
        settings().toMap().forEach(builder::metadata);
        return builder;
    }

    /** The run's settings, stored in every checkpoint's model card. */
    private RunSettings settings() {
        return new RunSettings(
                new RunSettings.Data(data.toAbsolutePath().toString(), null, null, valSplit),
                model,
                size,
                batch,
                seed,
                null,
                new RunSettings.Optimisation(null, lr, null, null, null, null),
                null,
                null,
                null,
                null,
                null,
                new RunSettings.Spark(augment, shuffle, trainingMaster.name(), averagingFrequency, master),
                null);
    }

    /**
     * {@code --resume}: the settings stored in {@code checkpoints/last.zip} for every option not given again on the
     * command line (the Spark master and cluster options are this invocation's).
     */
    private void restoreSettings() {
        Path last = RunFolder.last(out);
        if (!Files.isRegularFile(last)) {
            throw new IllegalArgumentException(
                    "--resume: run folder " + out.toAbsolutePath() + " has no checkpoint to continue");
        }
        Map<String, Object> meta = Checkpoints.readMetadata(last);
        ModelCard card = ModelCard.fromMetadata(meta);
        RunSettings stored;
        try {
            stored = card.settings();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--resume: " + last + ": the run's settings are unreadable: " + e.getMessage(), e);
        }
        if (stored.data().folder() == null) {
            throw new IllegalArgumentException("--resume: " + last + " was not written by spark-train (no settings)");
        }
        restore("--data", stored.data().folder(), v -> data = Path.of(v));
        restore("--model", stored.model(), v -> model = v);
        restore("--size", stored.imageSize(), v -> size = v);
        restore("--batch", stored.batchSize(), v -> batch = v);
        restore("--val-split", stored.data().validationSplit(), v -> valSplit = v);
        restore("--seed", stored.seed(), v -> seed = v);
        restore("--lr", stored.optimisation().learningRate(), v -> lr = v);
        restore("--augment", stored.spark().augment(), v -> augment = v);
        restore("--shuffle", stored.spark().shuffle(), v -> shuffle = v);
        restore(
                "--training-master",
                stored.spark().trainingMaster(),
                v -> trainingMaster = TrainingMasterOption.valueOf(v));
        restore("--averaging-frequency", stored.spark().averagingFrequency(), v -> averagingFrequency = v);
        restore(
                "--epochs",
                meta.get(CheckpointEnvelope.EPOCHS_PLANNED_KEY) instanceof Number n ? n.intValue() : null,
                v -> epochs = v);
    }

    /** Sets an option to its stored value, unless the option was given again or nothing was stored. */
    private <T> void restore(String option, T stored, Consumer<T> set) {
        if (stored != null && !spec.commandLine().getParseResult().hasMatchedOption(option)) {
            set.accept(stored);
        }
    }

    private void validate() {
        if (!names().contains(model)) {
            throw new IllegalArgumentException("--model: unknown model \"" + model + "\", expected one of " + names());
        }
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data: data folder " + data.toAbsolutePath() + " does not exist");
        }
        if (size < 16 || epochs < 1 || batch < 1 || averagingFrequency < 1) {
            throw new IllegalArgumentException("--size (>= 16), --epochs, --batch and --averaging-frequency (>= 1) "
                    + "must be positive: got " + size + ", " + epochs + ", " + batch + ", " + averagingFrequency);
        }
        if (!(valSplit > 0 && valSplit < 1)) {
            throw new IllegalArgumentException("--val-split: expected a fraction in (0, 1), got " + valSplit);
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("--lr: expected a positive learning rate, got " + lr);
        }
        if (trainingMaster == TrainingMasterOption.sharing) {
            throw new IllegalArgumentException("--training-master sharing: gradient sharing is not offered, because "
                    + "DL4J 1.0.0-M2's SharedTrainingMaster trains on the executors but never returns the trained "
                    + "parameters to the driver (docs/spark.md); use --training-master averaging");
        }
    }

    /**
     * The {@code --add-opens} options this driver JVM was started with (Spark's Java 17 list, from the exec
     * configuration or the launch script), passed on to the executors, which need the same ones.
     */
    static String driverAddOpens() {
        List<String> args =
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> opens = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--add-opens=")) {
                opens.add(a);
            } else if (a.equals("--add-opens") && i + 1 < args.size()) {
                opens.add("--add-opens=" + args.get(++i));
            }
        }
        return String.join(" ", opens);
    }

    /**
     * The Spark configuration: what spark-submit set ({@code --master}, {@code --conf}, {@code --executor-memory},
     * {@code --jars}: the {@code spark.*} system properties {@link SparkConf} reads) is kept, and this command's
     * options fill in the rest or, when given on its own command line, win. Executors get the driver's
     * {@code --add-opens} (Spark's Java 17 list), ND4J's off-heap caps (JavaCPP {@code maxbytes}/
     * {@code maxphysicalbytes}) and a memory overhead that covers the off-heap cap, so the cluster manager accounts
     * for ND4J's native memory.
     */
    SparkConf sparkConf() {
        String opens = driverAddOpens();
        String offHeap = executorOffHeap.toUpperCase(Locale.ROOT).replace("B", "");
        SparkConf conf = new SparkConf().setMaster(master).setAppName("resnext4j spark-train " + out.getFileName());
        setting(conf, "--executor-memory", "spark.executor.memory", executorMemory);
        setting(conf, "--executor-offheap", "spark.executor.memoryOverhead", executorOffHeap);
        String javaOptions = (opens + " -Dorg.bytedeco.javacpp.maxbytes=" + offHeap
                        + " -Dorg.bytedeco.javacpp.maxphysicalbytes=" + offHeap + " " + executorJavaOptions)
                .trim();
        String submitted = conf.get("spark.executor.extraJavaOptions", "");
        conf.set("spark.executor.extraJavaOptions", (submitted + " " + javaOptions).trim());
        conf.setIfMissing("spark.ui.enabled", "false");
        setting(conf, "--driver-host", "spark.driver.host", driverHost);
        if (master.startsWith("local") || conf.get("spark.driver.host").startsWith("127.")) {
            conf.setIfMissing("spark.driver.bindAddress", conf.get("spark.driver.host"));
        }
        if (!jars.isEmpty()) {
            conf.setJars(jars.toArray(new String[0]));
        }
        return conf;
    }

    /** Sets {@code key} to an option's value when the option was given or spark-submit left the key unset. */
    private void setting(SparkConf conf, String option, String key, String value) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
            conf.set(key, value);
        } else {
            conf.setIfMissing(key, value);
        }
    }
}
