package org.resnext4j.zoo;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.ZooType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.resnext4j.zoo.weights.PretrainedWeights;
import org.resnext4j.zoo.weights.TorchvisionWeights;
import org.resnext4j.zoo.weights.WeightsCatalog;
import org.resnext4j.zoo.weights.WeightsDownloader;
import org.resnext4j.zoo.weights.WeightsEntry;
import org.resnext4j.zoo.weights.WeightsSource;

/**
 * A ResNeXt or ResNet (torchvision v1.5) as a DL4J {@link ZooModel}, usable wherever DL4J's zoo {@code ResNet50} is:
 * <pre>{@code
 * ComputationGraph imagenet = ResNeXt.builder("resnext50_32x4d").build().initPretrained(); // downloaded, verified
 * ComputationGraph birds = ResNeXt.builder("resnext50_32x4d").build()
 *         .initFineTune(WeightsCatalog.builtin().get("resnext50_32x4d.imagenet1k_v2"), 200);
 * ComputationGraph scratch = ResNeXt.builder("resnext50_32x4d").numClasses(4).seed(42).build().init();
 * ComputationGraph backbone = ResNeXt.builder("resnext50_32x4d").featuresOnly(1, 2, 3, 4).build()
 *         .initPretrained(); // outputs: layer1..layer4 at strides 4, 8, 16, 32
 * }</pre>
 * Pretrained weights come from the {@link WeightsCatalog} through the {@link WeightsDownloader} (cache, offline
 * switch and mirror settings in {@link PretrainedWeights}), or from a file you name.
 * The architecture is a {@link ResNeXtSpec} (a preset or a custom spec); this class adds the training settings DL4J's
 * zoo models carry: seed (default 1234), updater (default Adam 1e-3), workspace mode (default ENABLED) and cache mode
 * (default NONE). {@link #setInputShape(int[][])} changes the input shape of later {@link #init()} calls, validated
 * like any spec.
 */
public final class ResNeXt extends ZooModel<ResNeXt> {

    private ResNeXtSpec spec;
    private final long seed;
    private final IUpdater updater;
    private final WorkspaceMode workspaceMode;
    private final CacheMode cacheMode;
    /** The feature indices of a features-only model (ascending), or null for the classifier. */
    private final int[] features;

    private ResNeXt(Builder b) {
        this.features = b.features;
        this.spec = b.spec;
        this.seed = b.seed;
        this.updater = b.updater;
        this.workspaceMode = b.workspaceMode;
        this.cacheMode = b.cacheMode;
    }

    /** A builder for a preset ({@link ResNeXtSpec#presetNames()}), with 1000 classes and 3x224x224 input. */
    public static Builder builder(String preset) {
        return new Builder(ResNeXtSpec.preset(preset));
    }

    /** A builder for any spec. */
    public static Builder builder(ResNeXtSpec spec) {
        return new Builder(Objects.requireNonNull(spec, "spec"));
    }

    /** The graph configuration, without allocating parameters. */
    public ComputationGraphConfiguration conf() {
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater.clone())
                .trainingWorkspaceMode(workspaceMode)
                .inferenceWorkspaceMode(workspaceMode)
                .cacheMode(cacheMode);
        return features == null
                ? ResNeXtGraphBuilder.build(spec, base)
                : ResNeXtGraphBuilder.buildFeatures(spec, base, features);
    }

    /** Whether this is a feature extractor ({@link Builder#featuresOnly(int...)}) rather than a classifier. */
    public boolean isFeaturesOnly() {
        return features != null;
    }

    /**
     * What the graph's outputs are, in output order: for a features-only model the selected feature maps (name,
     * channels, reduction; see {@link FeatureInfo}), for a classifier none (its one output is the softmax).
     */
    public List<FeatureInfo> featureInfo() {
        if (features == null) {
            return List.of();
        }
        List<FeatureInfo> all = spec.featureInfo();
        return Arrays.stream(features).mapToObj(all::get).toList();
    }

    /** A new, initialised graph with torchvision's initialisation, seeded by {@link #seed()}. */
    @Override
    @SuppressWarnings("unchecked")
    public ComputationGraph init() {
        ComputationGraph net = new ComputationGraph(conf());
        net.init();
        return net;
    }

    /**
     * Sets the input shape of later {@link #init()} calls, as DL4J's zoo models do.
     *
     * @param inputShape {@code {{channels, height, width}}}
     * @throws IllegalArgumentException for anything but one shape of three positive integers
     */
    @Override
    public void setInputShape(int[][] inputShape) {
        if (inputShape == null || inputShape.length != 1 || inputShape[0] == null || inputShape[0].length != 3) {
            throw new IllegalArgumentException("inputShape: expected one shape {{channels, height, width}}, got "
                    + java.util.Arrays.deepToString(inputShape));
        }
        spec = spec.withInputShape(inputShape[0][0], inputShape[0][1], inputShape[0][2]);
    }

    /** @deprecated as in DL4J's {@link ZooModel}; use {@link #spec()}. */
    @Override
    @Deprecated
    public ModelMetaData metaData() {
        return new ModelMetaData(new int[][] {spec.inputShape()}, spec.numClasses(), ZooType.CNN);
    }

    @Override
    public Class<? extends Model> modelType() {
        return ComputationGraph.class;
    }

    /**
     * A new graph with the ImageNet weights of this preset's default catalog entry (torchvision's {@code DEFAULT},
     * the newest tag, unless a user catalog entry says {@code "default": true}; the catalog is
     * {@link WeightsCatalog#fromEnvironment()}), downloaded once, verified and cached by
     * {@link WeightsDownloader#fromEnvironment()}:
     * <pre>{@code
     * ComputationGraph net = ResNeXt.builder("resnext50_32x4d").build().initPretrained();
     * }</pre>
     *
     * @throws IllegalArgumentException          when the catalog has no weights for this model, listing its entries
     * @throws IllegalStateException             when this model does not have the entry's number of classes
     * @throws org.resnext4j.zoo.weights.WeightsDownloadException saying in one sentence why no file could be had
     */
    public ComputationGraph initPretrained() throws IOException {
        return initPretrained(defaultEntry());
    }

    /**
     * A new graph with the weights of a catalog entry (e.g. {@code WeightsCatalog.builtin().get(
     * "resnext50_32x4d.imagenet1k_v1")}), downloaded once, verified and cached by
     * {@link WeightsDownloader#fromEnvironment()}; loaded strictly.
     *
     * @throws IllegalStateException when this model does not have the entry's number of classes (fine-tune instead)
     */
    public ComputationGraph initPretrained(WeightsEntry entry) throws IOException {
        return initPretrained(entry, WeightsDownloader.fromEnvironment());
    }

    /** {@link #initPretrained(WeightsEntry)} with a downloader of your own settings or progress listener. */
    public ComputationGraph initPretrained(WeightsEntry entry, WeightsDownloader downloader) throws IOException {
        if (features == null && spec.numClasses() != entry.spec().numClasses()) {
            throw new IllegalStateException("numClasses: the weights " + entry.name() + " have "
                    + entry.spec().numClasses() + " classes, this model " + spec.numClasses()
                    + "; use initFineTune(entry, numClasses)");
        }
        return initPretrained(downloader.fetch(entry));
    }

    /**
     * A new graph holding the weights of a torchvision/timm weights file ({@code .safetensors}, or a PyTorch
     * {@code .pth}/{@code .pt} of either {@code torch.save} format: see {@link org.resnext4j.zoo.weights.WeightFile}),
     * loaded strictly by {@link TorchvisionWeights#load(ComputationGraph, Path)}: every tensor on both sides mapped,
     * shapes equal (so the file's classifier must have {@link ResNeXtSpec#numClasses()} outputs). A features-only
     * model loads the same files: the file's tensors of the modules its graph does not build ({@code fc}, and the
     * stages after its last feature) are ignored, every tensor the graph needs must still be in the file.
     *
     * @throws IllegalArgumentException naming the keys or shapes that do not fit
     */
    public ComputationGraph initPretrained(Path weights) throws IOException {
        ComputationGraph net = init();
        TorchvisionWeights.load(net, weights);
        return net;
    }

    /**
     * Transfer learning from a catalog entry: a new graph of this architecture with {@code numClasses} outputs, every
     * weight of the entry but the classifier (downloaded as {@link #initPretrained(WeightsEntry)} does), and a freshly
     * initialised {@code fc}. Everything trains; see {@link #initFineTune(WeightsEntry, int, boolean)} to freeze the
     * backbone.
     */
    public ComputationGraph initFineTune(WeightsEntry entry, int numClasses) throws IOException {
        return initFineTune(entry, numClasses, false);
    }

    /**
     * {@link #initFineTune(WeightsEntry, int)}; with {@code freezeBackbone}, everything up to {@code avgpool} is frozen
     * and only {@code fc} trains.
     */
    public ComputationGraph initFineTune(WeightsEntry entry, int numClasses, boolean freezeBackbone)
            throws IOException {
        requireClassifier();
        Path file = WeightsDownloader.fromEnvironment().fetch(entry);
        return withNumClasses(numClasses).initFineTune(file, freezeBackbone);
    }

    /**
     * Transfer learning in one call: a new graph with every weight of {@code weights} (safetensors or PyTorch
     * {@code .pth}/{@code .pt}) but the classifier, and a
     * freshly initialised {@code fc} for this model's number of classes. With {@code freezeBackbone}, everything up
     * to {@code avgpool} is frozen (DL4J's feature-extractor mode) and only {@code fc} trains.
     */
    public ComputationGraph initFineTune(Path weights, boolean freezeBackbone) throws IOException {
        return initFineTune(weights, freezeBackbone ? Stage.LAYER4 : null);
    }

    /**
     * {@link #initFineTune(Path, boolean)}, freezing the backbone up to and including {@code freezeUntil} ({@code
     * null}: nothing frozen; {@link Stage#LAYER4}: the whole backbone, only {@code fc} trains); see
     * {@link #freezeUntil}.
     */
    public ComputationGraph initFineTune(Path weights, Stage freezeUntil) throws IOException {
        requireClassifier();
        ComputationGraph net = init();
        TorchvisionWeights.load(net, weights, TorchvisionWeights.Options.allButClassifier());
        return freezeUntil == null ? net : freezeUntil(net, freezeUntil);
    }

    /**
     * A copy of {@code net} (a graph of this library) whose layers up to and including stage {@code stage} are
     * frozen: {@code stem} freezes {@code conv1} and {@code bn1}; {@code layer3} the stem and {@code layer1} ..
     * {@code layer3}; {@code layer4} the whole backbone. DL4J's feature-extractor mode
     * ({@code TransferLearning.GraphBuilder.setFeatureExtractor} on the stage's last vertex) wraps each of those layers
     * in a {@code FrozenLayer}: its parameters get no updates, and it always runs in inference mode.
     *
     * <p><b>Batch norm.</b> A frozen batch norm therefore normalises with its running statistics and never updates
     * them, in training too: the behaviour of timm's {@code freeze()} and detectron2's {@code FrozenBatchNorm2d}. Plain
     * torchvision fine-tuning with {@code requires_grad = False} differs: there a frozen batch norm in {@code train()}
     * mode still normalises with the batch's statistics and updates its running ones. Keeping the pretrained
     * statistics is the choice here because DL4J's frozen layers work that way and because the small batches of
     * fine-tuning give noisy statistics; unfreeze a stage (a later {@code stage}) to let its batch norms adapt.
     *
     * @throws IllegalArgumentException when {@code net} has no such stage
     */
    public static ComputationGraph freezeUntil(ComputationGraph net, Stage stage) {
        String last = stage.lastVertex(net.getConfiguration().getVertices());
        return new TransferLearning.GraphBuilder(net).setFeatureExtractor(last).build();
    }

    /**
     * DL4J's zoo call: {@link PretrainedType#IMAGENET} is {@link #initPretrained()} (this preset's default catalog
     * entry, downloaded, verified and cached).
     *
     * @throws UnsupportedOperationException for any type but {@link PretrainedType#IMAGENET}
     * @throws IllegalArgumentException      when the catalog has no ImageNet weights for this model
     * @throws IllegalStateException         when this model does not have 1000 classes (use {@link #initFineTune})
     */
    @Override
    @SuppressWarnings("unchecked")
    public <M extends Model> M initPretrained(PretrainedType pretrainedType) throws IOException {
        if (pretrainedType != PretrainedType.IMAGENET) {
            throw new UnsupportedOperationException("Pretrained " + pretrainedType + " weights: only IMAGENET "
                    + "(torchvision's, see WeightsCatalog) is available for " + modelName());
        }
        return (M) initPretrained();
    }

    /** Whether the catalog has weights of this type for this model (cached or not; see {@link WeightsDownloader}). */
    @Override
    public boolean pretrainedAvailable(PretrainedType pretrainedType) {
        return pretrainedType == PretrainedType.IMAGENET
                && WeightsCatalog.fromEnvironment().defaultFor(modelName()).isPresent();
    }

    /**
     * The URL of the default catalog entry's file (with the base URL override of {@link PretrainedWeights}, if
     * set), or null when the catalog has none for this model and type.
     */
    @Override
    public String pretrainedUrl(PretrainedType pretrainedType) {
        if (!pretrainedAvailable(pretrainedType)) {
            return null;
        }
        WeightsEntry entry = defaultEntry();
        URI base = PretrainedWeights.baseUrl();
        return (base == null ? entry.primary() : entry.primary().atBase(base))
                .url()
                .toString();
    }

    /**
     * Always 0, which tells DL4J's own {@code ZooModel.initPretrained} to skip its Adler-32 check: this class does not
     * use that code path, and its files are verified by SHA-256 instead ({@link WeightsSource#sha256()} of the
     * catalog entry, checked by {@link WeightsDownloader} after every download and before every use of a cached
     * file). torchvision publishes no Adler-32 values, so none is invented here.
     */
    @Override
    public long pretrainedChecksum(PretrainedType pretrainedType) {
        return 0L;
    }

    private WeightsEntry defaultEntry() {
        WeightsCatalog catalog = WeightsCatalog.fromEnvironment();
        return catalog.defaultFor(modelName())
                .orElseThrow(() -> new IllegalArgumentException(
                        "no pretrained weights for " + modelName() + " in the catalog; it has " + catalog.names()));
    }

    private void requireClassifier() {
        if (features != null) {
            throw new IllegalStateException("initFineTune: a features-only model has no classifier to fine-tune; "
                    + "load its weights with initPretrained");
        }
    }

    /** This model with another number of classes (same architecture and training settings). */
    private ResNeXt withNumClasses(int numClasses) {
        Builder b = new Builder(spec.withNumClasses(numClasses))
                .seed(seed)
                .updater(updater)
                .workspaceMode(workspaceMode)
                .cacheMode(cacheMode);
        return b.build();
    }

    /** The spec's name, e.g. {@code resnext50_32x4d}. */
    @Override
    public String modelName() {
        return spec.name();
    }

    public ResNeXtSpec spec() {
        return spec;
    }

    public long seed() {
        return seed;
    }

    public IUpdater updater() {
        return updater.clone();
    }

    public WorkspaceMode workspaceMode() {
        return workspaceMode;
    }

    public CacheMode cacheMode() {
        return cacheMode;
    }

    /** Builder of {@link ResNeXt}; every setter validates its argument. */
    public static final class Builder {
        private ResNeXtSpec spec;
        private long seed = 1234;
        private IUpdater updater = new Adam(1e-3);
        private WorkspaceMode workspaceMode = WorkspaceMode.ENABLED;
        private CacheMode cacheMode = CacheMode.NONE;
        private int[] features;

        private Builder(ResNeXtSpec spec) {
            this.spec = spec;
        }

        /**
         * A feature extractor instead of a classifier (timm's {@code features_only=True}): the graph returns the
         * stem's output and the outputs of {@code layer1} .. {@code layer4} (reductions 2, 4, 8, 16, 32; see
         * {@link FeatureInfo}), and has no pooling, classifier or loss.
         */
        public Builder featuresOnly() {
            return featuresOnly(0, 1, 2, 3, 4);
        }

        /**
         * A feature extractor returning the features {@code outIndices} (timm's {@code out_indices}: 0 the stem at
         * reduction 2, 1..4 {@code layer1} .. {@code layer4} at 4, 8, 16, 32), in that order. {@code
         * featuresOnly(1, 2, 3, 4)} gives the stage outputs at strides 4 to 32 that detection necks (FPN) read.
         *
         * @throws IllegalArgumentException unless the indices are in 0..4, strictly ascending, and at least one
         */
        public Builder featuresOnly(int... outIndices) {
            if (outIndices == null || outIndices.length == 0) {
                throw new IllegalArgumentException("outIndices: expected at least one feature index in 0.."
                        + ResNeXtSpec.NUM_STAGES + ", got none");
            }
            for (int i = 0; i < outIndices.length; i++) {
                if (outIndices[i] < 0
                        || outIndices[i] > ResNeXtSpec.NUM_STAGES
                        || (i > 0 && outIndices[i] <= outIndices[i - 1])) {
                    throw new IllegalArgumentException("outIndices: expected strictly ascending feature indices in "
                            + "0.." + ResNeXtSpec.NUM_STAGES + " (0 the stem, 1..4 layer1..layer4), got "
                            + Arrays.toString(outIndices));
                }
            }
            this.features = outIndices.clone();
            return this;
        }

        public Builder numClasses(int numClasses) {
            spec = spec.withNumClasses(numClasses);
            return this;
        }

        public Builder inputShape(int channels, int height, int width) {
            spec = spec.withInputShape(channels, height, width);
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder updater(IUpdater updater) {
            this.updater = Objects.requireNonNull(updater, "updater");
            return this;
        }

        public Builder workspaceMode(WorkspaceMode workspaceMode) {
            this.workspaceMode = Objects.requireNonNull(workspaceMode, "workspaceMode");
            return this;
        }

        public Builder cacheMode(CacheMode cacheMode) {
            this.cacheMode = Objects.requireNonNull(cacheMode, "cacheMode");
            return this;
        }

        public ResNeXt build() {
            return new ResNeXt(this);
        }
    }
}
