package org.resnext4j.ui;

import java.nio.file.Path;
import java.util.Optional;
import org.deeplearning4j.nn.api.Model;

/**
 * What a {@link Trainer} run produced.
 *
 * @param model          the trained network (state after the last finished epoch)
 * @param history        metrics of every finished epoch, 1..n
 * @param lastEvaluation validation evaluation of the last epoch
 * @param runDir         the run folder
 * @param lastCheckpoint checkpoint of the last finished epoch
 * @param bestCheckpoint checkpoint of the epoch with the best validation accuracy
 * @param sessionId      DL4J UI session id of the run
 * @param uiUrl          the UI overview URL while the run was training, when the UI was on
 * @param stoppedEarly   true when {@link Trainer#requestStop()} ended the run before its last epoch
 */
public record TrainingResult(
        Model model,
        MetricsHistory history,
        EvaluationReport lastEvaluation,
        Path runDir,
        Path lastCheckpoint,
        Path bestCheckpoint,
        String sessionId,
        Optional<String> uiUrl,
        boolean stoppedEarly) {}
