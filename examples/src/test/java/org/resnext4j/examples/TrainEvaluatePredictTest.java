package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.datavec.DatasetSplit;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.datavec.ImagePreprocessor;
import org.resnext4j.ui.EpochMetrics;
import org.resnext4j.ui.MetricsHistory;
import org.resnext4j.ui.SavedModel;

/**
 * End to end through the command line on a generated shapes data set with the tiny spec, UI off: {@code train}
 * (2 epochs), {@code train --resume} to 3 epochs, then {@code evaluate} and {@code predict} on the saved checkpoints.
 *
 * <p>Accuracy bar: with 4 balanced classes chance is 25%; a broken pipeline (labels shuffled against images,
 * preprocessing that destroys the image, no weight updates) stays near 25% on the 120 validation images (binomial
 * standard deviation 4 points), so the run must reach at least 35%, 2.5 standard deviations above chance
 * (p &lt; 0.01 for a model that guesses), and its training loss must fall below 3/4 of the first epoch's. The tiny model
 * learns these shapes slowly at 32x32, and not at all in 8 epochs under ImageNet's RandomResizedCrop (scale down
 * to 8% of a 32x32 image; best 33% measured), so the run trains without augmentation: best 42.5% at epoch 7 of 9
 * (training loss 1.81 to 0.32).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainEvaluatePredictTest {

    static final int PER_CLASS = 150;
    static final int IMAGE_SIZE = 32;
    static final double CHANCE = 0.25;
    static final double MIN_ACCURACY = 0.35;

    Path tmp;
    Path data;
    Path run;

    @BeforeAll
    void data(@TempDir Path dir) throws IOException {
        tmp = dir;
        data = ShapesDataset.write(tmp.resolve("shapes"), PER_CLASS, ShapesDataset.DEFAULT_SIZE, 11);
        run = tmp.resolve("run");
    }

    private String[] train(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "train",
                "--data",
                data.toString(),
                "--model",
                "tiny",
                "--size",
                Integer.toString(IMAGE_SIZE),
                "--batch",
                "16",
                "--seed",
                "3",
                "--lr",
                "0.003",
                "--augment",
                "none",
                "--no-ui",
                "--out",
                run.toString()));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    @Test
    @Order(1)
    void trainWritesModelMetricsChartsAndReport() throws IOException {
        CliRunner.Result r = CliRunner.run(train("--epochs", "8", "--ui-stats", "default"));
        assertEquals(0, r.code(), r.toString());
        for (String f : List.of(
                "checkpoints/last.zip",
                "checkpoints/best.zip",
                "checkpoints/last.json",
                "metrics.csv",
                "metrics.json",
                "charts/accuracy.png",
                "charts/loss.png",
                "charts/learning_rate.png",
                "charts/confusion_matrix.png",
                "report.html",
                "ui-stats.dl4j")) {
            assertTrue(Files.size(run.resolve(f)) > 0, f);
        }
        assertEquals(8, MetricsHistory.readJson(run.resolve("metrics.json")).size());
        assertTrue(r.out().contains("Model:   " + run.resolve("checkpoints/best.zip")), r.out());
        assertTrue(r.out().contains(run.resolve("report.html").toString()), r.out());
        SavedModel last = SavedModel.load(run.resolve("checkpoints/last.zip"));
        assertEquals(ShapesDataset.CLASSES, last.card().classNames());
        assertEquals(IMAGE_SIZE, last.preprocessing().imageSize());
        assertEquals("tiny", last.card().model());
        assertEquals(Models.spec("tiny", 4, IMAGE_SIZE), last.card().spec(), "the spec round trips");
        assertEquals(IMAGE_SIZE, ((Number) last.card().setting("image_size").orElseThrow()).intValue());
    }

    @Test
    @Order(2)
    void resumeContinuesToTheRequestedEpochsWithoutGapsOrDuplicates() throws IOException {
        EpochMetrics eighth =
                MetricsHistory.readJson(run.resolve("metrics.json")).epochs().get(7);
        CliRunner.Result r = CliRunner.run("train", "--resume", "--out", run.toString(), "--epochs", "9", "--no-ui");
        assertEquals(0, r.code(), r.toString());
        MetricsHistory h = MetricsHistory.readJson(run.resolve("metrics.json"));
        assertEquals(
                List.of(1, 2, 3, 4, 5, 6, 7, 8, 9),
                h.epochs().stream().map(EpochMetrics::epoch).toList());
        List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(10, csv.size(), "header and 9 epochs: " + csv);
        assertEquals(eighth, h.epochs().get(7), "earlier epochs kept as they were");
        EpochMetrics ninth = h.epochs().get(8);
        long perEpoch = h.epochs().get(0).iterations();
        assertEquals(8 * perEpoch, eighth.iterations());
        assertEquals(9 * perEpoch, ninth.iterations(), "the resumed epoch continues the iteration count");
        // cosine planned over 8 epochs: epoch index 7 has lr * (1 + cos(7 pi / 8)) / 2; past its end the rate stays
        assertEquals(0.003 * (1 + Math.cos(7 * Math.PI / 8)) / 2, eighth.learningRate(), 1e-9);
        assertEquals(eighth.learningRate(), ninth.learningRate(), 1e-12);
        double best = h.best().orElseThrow().valAccuracy();
        assertTrue(h.epochs().get(8).trainLoss() < 0.75 * h.epochs().get(0).trainLoss(), "training loss fell: " + h);
        assertTrue(
                best >= MIN_ACCURACY,
                "best validation accuracy " + best + " is below " + MIN_ACCURACY + " (chance " + CHANCE + ")");
    }

    @Test
    @Order(3)
    void evaluateReproducesTheRecordedValidationAccuracyOfEachCheckpoint() throws IOException {
        MetricsHistory h = MetricsHistory.readJson(run.resolve("metrics.json"));
        EpochMetrics best = h.best().orElseThrow();
        EpochMetrics last = h.epochs().get(h.size() - 1);
        for (String name : List.of("best", "last")) {
            Path png = tmp.resolve(name + "-cm.png");
            CliRunner.Result r = CliRunner.run(
                    "evaluate",
                    run.resolve("checkpoints/" + name + ".zip").toString(),
                    data.toString(),
                    "--subset",
                    "validation",
                    "--png",
                    png.toString());
            assertEquals(0, r.code(), r.toString());
            double expected = name.equals("best") ? best.valAccuracy() : last.valAccuracy();
            assertEquals(expected, number(r.out(), "accuracy (\\d\\.\\d+)"), 1e-4, r.out());
            for (String c : ShapesDataset.CLASSES) {
                assertTrue(
                        Pattern.compile("(?m)^" + c + "\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+"
                                        + (int) (PER_CLASS * 0.2))
                                .matcher(r.out())
                                .find(),
                        "per-class P/R/F1 row of " + c);
            }
            assertTrue(r.out().contains("confusion matrix (rows: actual, columns: predicted)"));
            assertTrue(Files.size(png) > 0);
        }
        CliRunner.Result all =
                CliRunner.run("evaluate", run.resolve("checkpoints/last.zip").toString(), data.toString());
        assertEquals(0, all.code(), all.toString());
        assertTrue(all.out().contains("examples " + 4 * PER_CLASS + " "), all.out());
    }

    @Test
    @Order(4)
    void predictTop1IsTheModelsOwnArgmaxWithStoredNamesAndPreprocessing() throws IOException {
        Path checkpoint = run.resolve("checkpoints/best.zip");
        DatasetSplit split = ImageFolder.scan(data).split(0.2, 3);
        List<Path> images = split.validation().samples().stream()
                .map(s -> s.file())
                .limit(8)
                .toList();
        SavedModel model = SavedModel.load(checkpoint);
        assertTrue(model.usesInferenceForm(), "predict and evaluate run on the inference form by default");
        ComputationGraph net = model.graph();
        ImagePreprocessor pre = new ImagePreprocessor(model.preprocessing());
        for (Path image : images) {
            CliRunner.Result r = CliRunner.run("predict", checkpoint.toString(), image.toString(), "--top", "2");
            assertEquals(0, r.code(), r.toString());
            INDArray p = net.outputSingle(false, pre.preprocess(image));
            int argmax = p.argMax(1).getInt(0);
            String expected = String.format(
                    Locale.ROOT, "%s  %s %.4f  ", image, ShapesDataset.CLASSES.get(argmax), p.getFloat(0, argmax));
            assertTrue(r.out().startsWith(expected), "expected \"" + expected + "\" in " + r.out());
        }
        CliRunner.Result folder = CliRunner.run(
                "predict", checkpoint.toString(), data.resolve("cross").toString());
        assertEquals(0, folder.code(), folder.toString());
        assertEquals(PER_CLASS, folder.out().lines().count());

        // the whole folder as CSV: its top-1 against the class folders is evaluate's accuracy
        Path last = run.resolve("checkpoints/last.zip");
        CliRunner.Result csv =
                CliRunner.run("predict", last.toString(), data.toString(), "--format", "csv", "--top", "1");
        assertEquals(0, csv.code(), csv.toString());
        int correct = 0;
        int total = 0;
        try (CSVParser p = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .build()
                .parse(new StringReader(csv.out()))) {
            for (CSVRecord rec : p) {
                String actual =
                        Path.of(rec.get("path")).getParent().getFileName().toString();
                correct += actual.equals(rec.get("label_1")) ? 1 : 0;
                total++;
            }
        }
        assertEquals(4 * PER_CLASS, total);
        CliRunner.Result evaluate = CliRunner.run("evaluate", last.toString(), data.toString());
        assertEquals(0, evaluate.code(), evaluate.toString());
        assertEquals(number(evaluate.out(), "accuracy (\\d\\.\\d+)"), (double) correct / total, 1e-4, csv.err());
    }

    @Test
    @Order(5)
    void quantizeWritesAnInt8ModelThatPredictAndEvaluateRunWithoutCalibrating() throws IOException {
        Path last = run.resolve("checkpoints/last.zip");
        Path int8 = tmp.resolve("int8.zip");
        CliRunner.Result q = CliRunner.run(
                "quantize",
                last.toString(),
                data.toString(),
                int8.toString(),
                "--images",
                "64",
                "--validation",
                data.toString());
        assertEquals(0, q.code(), q.toString());
        assertTrue(q.out().contains("calibrated on 64 images"), q.out());
        SavedModel model = SavedModel.load(int8);
        assertEquals(org.resnext4j.zoo.InferencePrecision.INT8, model.precision());
        assertEquals(64, model.card().int8().images());
        assertEquals(ShapesDataset.CLASSES, model.card().classNames(), "the card is kept");

        // quantize's report: fp32 accuracy is evaluate's in fp32, int8 accuracy evaluate's on the int8 zip
        CliRunner.Result fp32 = CliRunner.run("evaluate", last.toString(), data.toString(), "--precision", "fp32");
        assertEquals(0, fp32.code(), fp32.toString());
        CliRunner.Result quantized = CliRunner.run("evaluate", int8.toString(), data.toString());
        assertEquals(0, quantized.code(), quantized.toString());
        assertTrue(quantized.out().contains("precision int8"), quantized.out());
        assertEquals(number(fp32.out(), "accuracy (\\d\\.\\d+)"), number(q.out(), "fp32 accuracy (\\d\\.\\d+)"), 1e-4);
        assertEquals(
                number(quantized.out(), "accuracy (\\d\\.\\d+)"), number(q.out(), "int8 accuracy (\\d\\.\\d+)"), 1e-4);
        double agreement = number(q.out(), "top-1 agreement (\\d+\\.\\d+)%");
        assertTrue(agreement >= 95, q.out());

        CliRunner.Result predict =
                CliRunner.run("predict", int8.toString(), data.resolve("cross").toString());
        assertEquals(0, predict.code(), predict.toString());
        assertEquals(PER_CLASS, predict.out().lines().count());

        CliRunner.Result refused = CliRunner.run("evaluate", last.toString(), data.toString(), "--precision", "int8");
        assertEquals(2, refused.code(), refused.toString());
        assertTrue(refused.err().contains("resnext4j quantize"), refused.err());
        CliRunner.Result unknown = CliRunner.run("predict", last.toString(), data.toString(), "--precision", "fp16");
        assertEquals(2, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("expected fp32, bf16 or int8"), unknown.err());
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in " + text);
        return Double.parseDouble(m.group(1));
    }
}
