package org.resnext4j.ui;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The settings of a {@link TrainingRun}, fixed when it is built (see {@link TrainingRun.Builder} for each), and the
 * run configuration ({@value RunFolder#RUN_CONFIG_FILE}) that describes them.
 *
 * @param backgroundWrites whether the end-of-epoch files are written on a thread of their own: asked for, and the
 *                         default writer (a custom writer takes the live model, which the next epoch changes; only
 *                         the default one has a snapshot)
 */
record RunConfiguration(
        Path runDir,
        int epochs,
        List<String> classNames,
        DataSetIterator validation,
        UiOptions ui,
        double progressIntervalSeconds,
        Map<String, Object> metadata,
        ModelCard card,
        Consumer<String> logSink,
        List<Consumer<EpochMetrics>> epochCallbacks,
        Checkpoints.ModelWriter modelWriter,
        boolean backgroundWrites,
        EarlyStopping earlyStopping,
        ReduceLrOnPlateau reduceLr,
        Monitor bestMonitor,
        ModelEma ema,
        boolean bestFromEma) {

    RunConfiguration {
        runDir = runDir.toAbsolutePath();
        classNames = classNames == null ? null : List.copyOf(classNames);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        epochCallbacks = List.copyOf(epochCallbacks);
        backgroundWrites = backgroundWrites && modelWriter == Checkpoints.STORED;
        if (bestFromEma && ema == null) {
            throw new IllegalArgumentException("bestCheckpointFromEma needs a moving average of the weights (ema)");
        }
    }

    /**
     * The run configuration written to {@value RunFolder#RUN_CONFIG_FILE} and shown in the report.
     *
     * @param n          the network being trained
     * @param startEpoch the first epoch this process trains (1 for a new run)
     * @param trainingUi the run's UI wiring
     */
    Map<String, Object> runConfig(Network n, int startEpoch, TrainingUi trainingUi) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("run_dir", runDir.toString());
        c.put("model_type", n.typeName());
        c.put("parameters", n.model().numParams());
        c.put("epochs", epochs);
        c.put("start_epoch", startEpoch);
        c.put("iteration_at_start", n.iterationCount());
        c.put("learning_rate_at_start", n.learningRate());
        c.put("output_layer", n.outputLayer().getClass().getSimpleName());
        c.put("class_names", classNames == null ? "(indices)" : classNames);
        c.put("ui", trainingUi.url().orElse("off") + " (bind " + ui.bindAddress() + ")");
        c.put("ui_session_id", trainingUi.sessionId());
        c.put("stats_file", trainingUi.storage() == null ? "none (UI statistics off)" : RunFolder.STATS_FILE);
        c.put("ui_stats", ui.stats().key());
        c.put(
                "ui_stats_every_iterations",
                ui.stats() == UiStats.OFF ? 0 : ui.frequencyFor(n.model().numParams()));
        if (ui.stats() != UiStats.OFF && ui.listenerFrequency() == UiOptions.AUTO_FREQUENCY) {
            // the frequency above is the first one; the listener then sizes it to what its reports cost
            c.put("ui_stats_cost_budget", UiStats.COST_BUDGET);
        }
        c.put("best_checkpoint_monitor", bestMonitor.key());
        if (ema != null) {
            c.put(
                    "ema",
                    "decay " + ema.decay() + " per update, every " + ema.steps() + " batches, reset during "
                            + ema.warmupEpochs() + " warm-up epochs");
            c.put(
                    "best_checkpoint_from",
                    bestFromEma ? CheckpointEnvelope.EMA_MODEL_AVERAGE : CheckpointEnvelope.EMA_MODEL_RAW);
        }
        if (earlyStopping != null) {
            c.put("early_stopping", earlyStopping.toString());
        }
        if (reduceLr != null) {
            c.put("reduce_lr_on_plateau", reduceLr.toString());
        }
        c.put("started_at", Instant.now().toString());
        c.putAll(metadata);
        return c;
    }
}
