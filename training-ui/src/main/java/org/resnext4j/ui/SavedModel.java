package org.resnext4j.ui;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.datavec.ImagePreprocessor;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.InferenceModel;
import org.resnext4j.zoo.InferencePrecision;
import org.resnext4j.zoo.Int8Calibration;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TorchNames;
import org.resnext4j.zoo.weights.InputTransform;
import org.resnext4j.zoo.weights.WeightsDownloader;
import org.resnext4j.zoo.weights.WeightsEntry;

/**
 * A saved model with what it needs to be used: the network, its class names and the preprocessing of its inputs,
 * from its {@link ModelCard}. Any checkpoint of a {@link TrainingRun} or {@link Trainer} and any imported model loads,
 * including files written before model cards existed.
 *
 * <pre>{@code
 * SavedModel model = SavedModel.load(Path.of("runs/birds/checkpoints/best.zip"));
 * List<SavedModel.Prediction> top = model.predict(Path.of("photo.jpg"), 3);
 * System.out.println(top.get(0).label() + " " + top.get(0).probability());
 *
 * SavedModel imagenet = SavedModel.pretrained(WeightsCatalog.builtin().get("resnext50_32x4d.imagenet1k_v2"));
 * }</pre>
 *
 * <p>Predictions of a ResNeXt/ResNet whose card holds its spec run on its {@link InferenceModel} (batch norm folded,
 * add and ReLU fused, oneDNN layouts kept between layers; 1.6x the graph's speed, measured) where
 * {@link InferenceModel#available()} says it runs (the kernel seam chooses oneDNN: not with
 * {@code -Dresnext4j.kernel=nd4j}, not on ND4J's CUDA backend), else on the graph. The inference form is a snapshot of the weights at the first prediction: after
 * changing the network's weights, load the model again.
 *
 * <p>Precision: a quantized model (its card holds an {@link Int8Calibration}, written by {@link #quantize} and
 * {@link #save}) predicts in INT8 without calibrating again; any other in FP32. {@link #withPrecision} chooses
 * another ({@code BF16} where the CPU has AVX512-BF16 or AMX).
 */
public final class SavedModel implements AutoCloseable {

    /** One class and its probability. */
    public record Prediction(String label, int index, double probability) {}

    private final Model model;
    private final ModelCard card;
    private final Path file;
    private final PreprocessingConfig preprocessing;
    private ImagePreprocessor preprocessor;
    private final InferencePrecision precision;
    private InferenceModel fast;
    private boolean fastTried;

    private SavedModel(Model model, ModelCard card, Path file, PreprocessingConfig preprocessing) {
        this(model, card, file, preprocessing, card.int8() != null ? InferencePrecision.INT8 : InferencePrecision.FP32);
    }

    private SavedModel(
            Model model, ModelCard card, Path file, PreprocessingConfig preprocessing, InferencePrecision precision) {
        this.model = model;
        this.card = card;
        this.file = file;
        this.preprocessing = preprocessing;
        this.precision = precision;
    }

    /**
     * Loads a checkpoint or imported model.
     *
     * @throws CheckpointException naming the file when it is missing, truncated, not a DL4J model or has an
     *                             unreadable model card
     */
    public static SavedModel load(Path file) {
        Checkpoints.Checkpoint cp = Checkpoints.load(file);
        ModelCard card = ModelCard.of(cp);
        return new SavedModel(cp.model(), card, cp.file(), card.preprocessing());
    }

    /**
     * This model with another preprocessing of its inputs: for a model whose card holds none (see
     * {@link #preprocessing()}), or to override the stored one. The network is shared with this instance.
     *
     * @param config the input size, resize and normalisation images get before the network
     * @return a model that preprocesses with {@code config}
     */
    public SavedModel withPreprocessing(PreprocessingConfig config) {
        return new SavedModel(model, card, file, java.util.Objects.requireNonNull(config, "config"), precision);
    }

    /**
     * This model predicting in {@code precision} on its inference form (the network is shared with this instance).
     *
     * @throws IllegalArgumentException when the model has no inference form (not a ResNeXt/ResNet with a spec in its
     *                                  card), or for INT8 when it is not quantized ({@link #quantize})
     * @throws IllegalStateException naming the missing instruction set when this CPU cannot run {@code precision}
     */
    public SavedModel withPrecision(InferencePrecision precision) {
        java.util.Objects.requireNonNull(precision, "precision");
        if (precision != InferencePrecision.FP32 && !hasInferenceForm()) {
            throw new IllegalArgumentException(
                    file + ": precision " + precision + " needs the inference form" + whyNoInferenceForm());
        }
        if (precision == InferencePrecision.INT8 && card.int8() == null) {
            throw new IllegalArgumentException(file + ": precision int8: the model is not quantized (its card holds no "
                    + "int8 calibration); make an int8 copy with 'resnext4j quantize MODEL.zip CALIBRATION_DIR OUT.zip'"
                    + " or SavedModel.quantize");
        }
        String refused = precision == InferencePrecision.FP32 ? null : InferenceModel.refusal(precision);
        if (refused != null) {
            throw new IllegalStateException(refused);
        }
        return new SavedModel(model, card, file, preprocessing, precision);
    }

    /** The precision predictions run in (see the class comment). */
    public InferencePrecision precision() {
        return precision;
    }

    /**
     * This model quantized to INT8 ({@link InferenceModel#calibrate}) with the activation ranges of
     * {@code calibrationBatches} (preprocessed as {@link #preprocessing()} says), its card holding them; it predicts in
     * INT8. {@link #save} stores it.
     *
     * @param calibrationBatches preprocessed images {@code [N, 3, H, W]}, iterated twice
     * @throws IllegalArgumentException when the model has no inference form, or the batches hold no image
     */
    public SavedModel quantize(Iterable<INDArray> calibrationBatches) {
        if (!hasInferenceForm()) {
            throw new IllegalArgumentException(
                    file + ": int8 quantization needs the inference form" + whyNoInferenceForm());
        }
        Int8Calibration calibration = InferenceModel.calibrate(
                graph(),
                card.spec(),
                calibrationBatches,
                InferenceModel.DEFAULT_METHOD,
                InferenceModel.DEFAULT_PERCENTILE);
        return new SavedModel(model, card.withInt8(calibration), file, preprocessing, InferencePrecision.INT8);
    }

    /**
     * Writes this model with its card (the int8 calibration included) as a model zip that {@link #load} reads back.
     *
     * @throws CheckpointException when writing fails; the previous file is then unchanged
     */
    public void save(Path out) {
        Map<String, Object> metadata = new java.util.LinkedHashMap<>();
        if (file != null && java.nio.file.Files.isRegularFile(file)) {
            try {
                metadata.putAll(Checkpoints.readMetadata(file));
            } catch (CheckpointException e) {
                // not a zip of ours (e.g. a pretrained weights file): the card alone describes the model
            }
        }
        ModelCard stored = new ModelCard(
                card.model(), card.spec(), card.classNames(), preprocessing, card.training(), card.int8());
        metadata.put(ModelCard.KEY, stored.toMap());
        Checkpoints.save(model, out, metadata);
    }

    private boolean hasInferenceForm() {
        return isInferenceShaped() && InferenceModel.available();
    }

    private boolean isInferenceShaped() {
        return model instanceof ComputationGraph g && card.spec() != null && g.getLayer(TorchNames.FC) != null;
    }

    /** Completes "... needs the inference form": the model is not one, or the kernel seam refuses it here. */
    private String whyNoInferenceForm() {
        return isInferenceShaped()
                ? ", which does not run here: " + InferenceModel.refusal(InferencePrecision.FP32)
                : " of a ResNeXt/ResNet whose model card holds its spec; this model has none";
    }

    /** Whether a preprocessing is known: stored in the card or given by {@link #withPreprocessing}. */
    public boolean hasPreprocessing() {
        return preprocessing != null;
    }

    /**
     * A model straight from a pretrained weights catalog entry, e.g. {@code WeightsCatalog.builtin().get(
     * "resnext50_32x4d.imagenet1k_v2")}: the file is fetched by {@link WeightsDownloader#fromEnvironment()} (cached,
     * verified), loaded strictly into the entry's architecture at the transform's crop size, with the entry's class
     * names (ImageNet's for the built-in catalog) and its evaluation transform as preprocessing.
     *
     * @throws org.resnext4j.zoo.weights.WeightsDownloadException saying in one sentence why no file could be had
     * @throws IllegalArgumentException when the entry's transform is not one {@link PreprocessingConfig} describes
     */
    public static SavedModel pretrained(WeightsEntry entry) throws IOException {
        return pretrained(entry, WeightsDownloader.fromEnvironment());
    }

    /** {@link #pretrained(WeightsEntry)} with a downloader of your own settings or progress listener. */
    public static SavedModel pretrained(WeightsEntry entry, WeightsDownloader downloader) throws IOException {
        PreprocessingConfig preprocessing = preprocessing(entry);
        ResNeXtSpec spec = entry.spec().withInputShape(3, preprocessing.imageSize(), preprocessing.imageSize());
        Path file = downloader.fetch(entry);
        ComputationGraph net = ResNeXt.builder(spec).build().initPretrained(file);
        ModelCard card = new ModelCard(entry.name(), spec, entry.classNames(), preprocessing, Map.of());
        return new SavedModel(net, card, file, preprocessing);
    }

    /**
     * The preprocessing of a catalog entry's evaluation transform.
     *
     * @throws IllegalArgumentException for a resize filter other than bilinear, which the pipelines do not offer
     */
    public static PreprocessingConfig preprocessing(WeightsEntry entry) {
        InputTransform t = entry.transform();
        if (t.interpolation() != InputTransform.Interpolation.BILINEAR) {
            throw new IllegalArgumentException(entry.name() + ": evaluated with " + t.interpolation()
                    + " resizing; the image pipelines resize bilinearly only");
        }
        return new PreprocessingConfig(t.cropSize(), t.resizeSize(), t.mean(), t.std());
    }

    /** The network (a {@link ComputationGraph} or a {@link MultiLayerNetwork}). */
    public Model model() {
        return model;
    }

    /**
     * The network as a graph.
     *
     * @throws IllegalArgumentException naming the file when it holds another kind of network
     */
    public ComputationGraph graph() {
        if (model instanceof ComputationGraph g) {
            return g;
        }
        throw new IllegalArgumentException(
                file + ": expected a ComputationGraph, got " + model.getClass().getSimpleName());
    }

    /** What was stored with the model. */
    public ModelCard card() {
        return card;
    }

    /** The file it was loaded from. */
    public Path file() {
        return file;
    }

    /** Outputs of the network (its number of classes). */
    public int numClasses() {
        if (model instanceof ComputationGraph g) {
            if (g.getLayer(TorchNames.FC) != null) {
                return (int) g.getLayer(TorchNames.FC).getParam("W").size(1);
            }
            if (card.spec() != null) {
                return card.spec().numClasses();
            }
            return (int) g.layerSize(g.getConfiguration().getNetworkOutputs().get(0));
        }
        MultiLayerNetwork m = (MultiLayerNetwork) model;
        return m.layerSize(m.getnLayers() - 1);
    }

    /** Whether the card stores the class names (else {@link #classNames()} falls back as it says). */
    public boolean hasClassNames() {
        return card.classNames() != null;
    }

    /**
     * Class names: the stored ones, else ImageNet's for a 1000-class model (what imports written before class names
     * were stored hold), else the indices as text. {@link #hasClassNames()} tells which.
     */
    public List<String> classNames() {
        if (card.classNames() != null) {
            return card.classNames();
        }
        int k = numClasses();
        return k == ImageNetClasses.COUNT
                ? ImageNetClasses.names()
                : IntStream.range(0, k).mapToObj(Integer::toString).toList();
    }

    /**
     * The preprocessing of the model's inputs: the one stored in its card, or the one given by
     * {@link #withPreprocessing}. Never guessed: a model trained at 32 px evaluated with ImageNet's 256 -> 224 is at
     * chance, so a card without preprocessing is refused rather than filled with a default.
     *
     * @throws CheckpointException naming the file and how to give the preprocessing, when none is known
     */
    public PreprocessingConfig preprocessing() {
        if (preprocessing == null) {
            throw new CheckpointException(file + ": its model card holds no preprocessing (the input size, resize and"
                    + " normalisation it was trained with); give it with SavedModel.withPreprocessing("
                    + "PreprocessingConfig)");
        }
        return preprocessing;
    }

    /**
     * Class probabilities of one image file, preprocessed as stored.
     *
     * @throws IOException when the image cannot be read or decoded
     */
    public INDArray probabilities(Path image) throws IOException {
        return probabilities(preprocessor().preprocess(image));
    }

    private synchronized ImagePreprocessor preprocessor() {
        if (preprocessor == null) {
            preprocessor = new ImagePreprocessor(preprocessing());
        }
        return preprocessor;
    }

    /** Class probabilities {@code [N, classes]} of a preprocessed batch {@code [N, 3, H, W]}. */
    public synchronized INDArray probabilities(INDArray images) {
        InferenceModel f = inferenceForm();
        if (f != null) {
            return f.output(images);
        }
        return model instanceof ComputationGraph g
                ? g.outputSingle(false, images)
                : ((MultiLayerNetwork) model).output(images, false);
    }

    /** Whether predictions run on the {@link InferenceModel} (see the class comment). */
    public synchronized boolean usesInferenceForm() {
        return inferenceForm() != null;
    }

    private InferenceModel inferenceForm() {
        if (!fastTried) {
            fastTried = true;
            if (hasInferenceForm()) {
                fast = switch (precision) {
                    case INT8 -> InferenceModel.of(graph(), card.spec(), card.int8());
                    default -> InferenceModel.of(graph(), card.spec(), precision);
                };
            }
        }
        return fast;
    }

    /** Releases the inference form's native resources. */
    @Override
    public synchronized void close() {
        if (fast != null) {
            fast.close();
            fast = null;
        }
    }

    /**
     * The {@code top} most probable classes of one image, most probable first.
     *
     * @throws IOException when the image cannot be read or decoded
     */
    public List<Prediction> predict(Path image, int top) throws IOException {
        checkTop(top);
        return top(probabilities(image).toFloatVector(), top);
    }

    /**
     * The {@code top} most probable classes of each image of a preprocessed batch {@code [N, 3, H, W]} (for example
     * an {@link org.resnext4j.datavec.ImageFileBatches} batch), in one forward pass: the same classes and
     * probabilities as {@link #predict(Path, int)} on each image alone.
     *
     * @return one list per row of the batch, most probable first
     */
    public List<List<Prediction>> predict(INDArray images, int top) {
        checkTop(top);
        float[][] p = probabilities(images).toFloatMatrix();
        List<List<Prediction>> out = new ArrayList<>(p.length);
        for (float[] row : p) {
            out.add(top(row, top));
        }
        return out;
    }

    private static void checkTop(int top) {
        if (top < 1) {
            throw new IllegalArgumentException("top: expected at least 1, got " + top);
        }
    }

    private List<Prediction> top(float[] p, int top) {
        List<String> names = classNames();
        List<Prediction> all = new ArrayList<>();
        for (int c = 0; c < p.length; c++) {
            all.add(new Prediction(names.get(c), c, p[c]));
        }
        // stable: equal probabilities keep class order
        all.sort(Comparator.comparingDouble(Prediction::probability).reversed());
        return List.copyOf(all.subList(0, Math.min(top, all.size())));
    }
}
