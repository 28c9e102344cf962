package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

class TrainerEndToEndTest {

    /** The example line of the issue, as a regex. */
    static final Pattern EPOCH_LINE =
            Pattern.compile("Epoch +\\d+/\\d+  train_loss \\d+\\.\\d{3} train_acc \\d+\\.\\d%  val_loss \\d+\\.\\d{3} "
                    + "val_acc \\d+\\.\\d%  lr \\d\\.\\d+(E-\\d+)?  \\d+s");

    /** The line after each epoch's ({@code EpochListener.timeLine}); {@code bench-train} parses it. */
    static final Pattern TIME_LINE = Pattern.compile(
            "  epoch (\\d+) time: training (\\d+\\.\\d)s  validation (\\d+\\.\\d)s  checkpoint \\d+\\.\\ds");

    @Test
    void timeLineMatchesTheFormat() {
        assertEquals(
                "  epoch 3 time: training 16.1s  validation 1.4s  checkpoint 0.2s",
                EpochListener.timeLine(3, 16.14, 1.36, 0.21));
    }

    @Test
    void exampleLineMatchesTheFormat() {
        assertTrue(EPOCH_LINE
                .matcher("Epoch  3/10  train_loss 0.323 train_acc 86.5%  val_loss 0.320 val_acc 85.8%  lr 1.0E-4  41s")
                .matches());
        EpochMetrics m = new EpochMetrics(3, 0.3234, 0.865, 0.3201, 0.858, 1e-4, 41.2, 300);
        assertEquals(
                "Epoch  3/10  train_loss 0.323 train_acc 86.5%  val_loss 0.320 val_acc 85.8%  lr 1.0E-4  41s",
                m.toLogLine(10));
    }

    /**
     * Trains the 4-class blob problem. Chance is 25%; the threshold of 75% (3x chance) cannot be
     * reached by a pipeline that does not learn, mixes up labels and features, or evaluates the
     * wrong model; the problem itself is learnable to well above 90%.
     */
    @Test
    void trainsLearnableProblemAndWritesEveryOutput(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        List<String> lines = new ArrayList<>();
        ComputationGraph net = TestModels.graph(7);
        DataSet train = TestModels.blobs(512, 1);
        DataSet val = TestModels.blobs(256, 2);
        Trainer trainer = TestModels.quietTrainer(run, 6)
                .classNames(TestModels.CLASSES)
                .metadata("preset", "tiny-test")
                .metadata("preprocessing", Map.of("scale", 1.0))
                .logSink(lines::add)
                .build();

        TrainingResult result = trainer.fit(net, TestModels.iterator(train, 32), TestModels.iterator(val, 64));

        MetricsHistory h = result.history();
        assertEquals(6, h.size());
        EpochMetrics last = h.epochs().get(5);
        assertTrue(last.valAccuracy() > 0.75, "val accuracy " + last.valAccuracy());
        assertTrue(last.trainAccuracy() > 0.75, "train accuracy " + last.trainAccuracy());
        assertTrue(last.valLoss() < h.epochs().get(0).valLoss(), "validation loss should fall");
        assertEquals(6 * 512 / 32, last.iterations());
        assertEquals(0.01 * Math.pow(0.5, 5), last.learningRate(), 1e-9);

        // the loss reported for validation is the model's own score
        double score = net.score(val, false);
        assertEquals(score, result.lastEvaluation().loss(), 1e-3);

        List<String> epochLines =
                lines.stream().filter(l -> l.startsWith("Epoch")).toList();
        assertEquals(6, epochLines.size(), lines.toString());
        for (String l : epochLines) {
            assertTrue(EPOCH_LINE.matcher(l).matches(), l);
        }
        assertTrue(epochLines.get(5).startsWith("Epoch 6/6  "), epochLines.get(5));
        // after each epoch's line, where its time went; training and validation make up the epoch's seconds
        List<String> timeLines = lines.stream()
                .filter(l -> l.startsWith("  epoch ") && l.contains(" time: "))
                .toList();
        assertEquals(6, timeLines.size(), lines.toString());
        for (int i = 0; i < 6; i++) {
            Matcher t = TIME_LINE.matcher(timeLines.get(i));
            assertTrue(t.matches(), timeLines.get(i));
            assertEquals(i + 1, Integer.parseInt(t.group(1)));
            double training = Double.parseDouble(t.group(2));
            double validation = Double.parseDouble(t.group(3));
            double seconds = h.epochs().get(i).seconds();
            assertEquals(seconds, training + validation, 0.1 + 1e-9, timeLines.get(i) + " for " + seconds + " s");
        }

        for (Path f : List.of(
                RunFolder.last(run),
                RunFolder.best(run),
                Checkpoints.sidecar(RunFolder.last(run)),
                RunFolder.metricsCsv(run),
                RunFolder.metricsJson(run),
                RunFolder.report(run),
                RunFolder.runConfig(run),
                RunFolder.stats(run))) {
            assertTrue(Files.size(f) > 0, f.toString());
        }
        for (String png :
                List.of(Charts.ACCURACY_PNG, Charts.LOSS_PNG, Charts.LEARNING_RATE_PNG, Charts.CONFUSION_PNG)) {
            BufferedImage img = ImageIO.read(RunFolder.charts(run).resolve(png).toFile());
            assertNotNull(img, png);
            assertTrue(img.getWidth() >= 400 && img.getHeight() >= 300, png);
        }
        List<String> csv = Files.readAllLines(RunFolder.metricsCsv(run));
        assertEquals(EpochMetrics.CSV_HEADER, csv.get(0));
        assertEquals(7, csv.size());
        assertEquals(
                h.epochs(), MetricsHistory.readJson(RunFolder.metricsJson(run)).epochs());

        String html = Files.readString(RunFolder.report(run), StandardCharsets.UTF_8);
        for (String s : List.of(
                RunFolder.CHARTS_DIR + "/" + Charts.ACCURACY_PNG,
                RunFolder.CHARTS_DIR + "/" + Charts.LOSS_PNG,
                RunFolder.CHARTS_DIR + "/" + Charts.CONFUSION_PNG,
                "owl",
                "precision",
                "tiny-test",
                "<td>6</td>")) {
            assertTrue(html.contains(s), s);
        }

        Map<String, Object> meta = Checkpoints.readMetadata(RunFolder.last(run));
        assertEquals(6, ((Number) meta.get(CheckpointEnvelope.EPOCH_KEY)).intValue());
        ModelCard card = ModelCard.fromMetadata(meta);
        assertEquals(TestModels.CLASSES, card.classNames());
        assertEquals("tiny-test", card.training().get("preset"));
        int bestEpoch = h.best().orElseThrow().epoch();
        assertEquals(
                bestEpoch,
                ((Number) Checkpoints.readMetadata(RunFolder.best(run)).get(CheckpointEnvelope.EPOCH_KEY)).intValue());

        // the last checkpoint holds the final parameters and the counters
        ComputationGraph restored =
                (ComputationGraph) Checkpoints.load(RunFolder.last(run)).model();
        assertEquals(net.params(), restored.params());
        assertEquals(6, restored.getConfiguration().getEpochCount());
        assertEquals(96, restored.getConfiguration().getIterationCount());
        assertNotNull(restored.getUpdater().getStateViewArray());

        EvaluationReport report = EvaluationReport.evaluate(restored, TestModels.iterator(val, 64), TestModels.CLASSES);
        assertEquals(result.lastEvaluation().accuracy(), report.accuracy(), 1e-9);
        assertEquals(256, report.examples());
        String text = report.toText();
        assertTrue(text.contains("fox") && text.contains("confusion matrix"), text);
        long diagonal = 0;
        long[][] cm = report.confusionMatrix();
        for (int i = 0; i < cm.length; i++) {
            diagonal += cm[i][i];
        }
        assertEquals(report.accuracy(), diagonal / 256.0, 1e-9);
    }

    @Test
    void trainsMultiLayerNetworkToo(@TempDir Path tmp) throws Exception {
        TrainingResult r = TestModels.quietTrainer(tmp.resolve("mln"), 2)
                .build()
                .fit(
                        TestModels.multiLayer(3),
                        TestModels.iterator(TestModels.blobs(256, 5), 32),
                        TestModels.iterator(TestModels.blobs(128, 6), 64));
        EpochMetrics last = r.history().epochs().get(1);
        assertTrue(Double.isFinite(last.trainAccuracy()) && last.trainAccuracy() > 0.5, last.toString());
        assertTrue(last.valAccuracy() > 0.5, last.toString());
        assertEquals(List.of("0", "1", "2", "3"), r.lastEvaluation().classNames());
        assertFalse(r.stoppedEarly());
    }
}
