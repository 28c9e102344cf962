package org.resnext4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.resnext4j.ui.FineTuning;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.Stage;
import org.resnext4j.zoo.weights.WeightsCatalog;
import org.resnext4j.zoo.weights.WeightsEntry;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train}'s transfer learning ({@code --pretrained}): {@code --freeze-until STAGE} freezes the backbone up to and
 * including a stage ({@link ResNeXt#freezeUntil}; {@code --freeze-backbone} is {@code --freeze-until layer4}), and
 * {@code --backbone-lr-scale F} gives the unfrozen backbone F times the classifier's rate under the same schedule
 * ({@link FineTuning}). Both are stored in the run's settings; {@code --resume} keeps them (the checkpoint holds the
 * frozen layers and the scaled schedules). A {@code --pretrained} name is looked up in the weights catalog, with the
 * user catalogs of {@code --catalog}.
 */
final class FineTuneMixin {

    @Option(
            names = "--pretrained",
            paramLabel = "FILE|NAME",
            description =
                    "fine-tune (every weight but fc) from a torchvision/timm weights file (.safetensors, PyTorch .pth/.pt), or from a pretrained "
                            + "catalog entry such as resnext50_32x4d.imagenet1k_v2 (downloaded once, verified, cached; see "
                            + "'resnext4j weights')")
    String pretrained;

    @Option(
            names = "--freeze-backbone",
            description = "with --pretrained: train the new classifier only (the same as --freeze-until layer4)")
    boolean freeze;

    @Option(
            names = "--freeze-until",
            paramLabel = "STAGE",
            description = "with --pretrained: freeze stem|layer1|layer2|layer3|layer4 and everything before it; "
                    + "frozen batch norms keep their pretrained statistics (see docs/training.md)")
    String freezeUntil;

    @Option(
            names = "--backbone-lr-scale",
            paramLabel = "F",
            description = "with --pretrained: learning rate of the (unfrozen) backbone = F x the classifier's, "
                    + "under the same schedule (default 1)")
    Double backboneLrScale;

    @Mixin
    CatalogMixin catalogOption;

    /** @return whether the run fine-tunes pretrained weights */
    boolean fineTunes() {
        return pretrained != null;
    }

    /** @return whether the options freeze the whole backbone (a recipe then leaves the backbone's rate alone) */
    boolean wholeBackboneFrozen() {
        return freeze || "layer4".equals(freezeUntil);
    }

    /**
     * The catalog entry {@code --pretrained} names, or null when it names a file.
     *
     * @throws IllegalArgumentException when it is neither an existing file nor a catalog entry, or an entry of
     *                                  another architecture than {@code --model}
     */
    static WeightsEntry pretrainedEntry(String value, String model, WeightsCatalog catalog) {
        Path file = Path.of(value);
        boolean looksLikeFile = value.contains("/")
                || value.contains(java.io.File.separator)
                || value.endsWith(".st")
                || value.endsWith(".safetensors")
                || value.endsWith(".pth")
                || value.endsWith(".pt");
        if (Files.isRegularFile(file) || (looksLikeFile && catalog.find(value).isEmpty())) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(
                        "--pretrained: weights file " + file.toAbsolutePath() + " does not exist");
            }
            return null;
        }
        WeightsEntry entry = catalog.find(value)
                .orElseThrow(() -> new IllegalArgumentException("--pretrained: \"" + value + "\" is neither a "
                        + "weights file (" + file.toAbsolutePath() + " does not exist) nor a catalog entry, "
                        + "expected a file or one of " + catalog.names()));
        if (!entry.preset().equals(model)) {
            throw new IllegalArgumentException("--pretrained: " + entry.name() + " holds weights of " + entry.preset()
                    + ", but --model is " + model + "; add --model " + entry.preset());
        }
        return entry;
    }

    /**
     * The stage {@code --freeze-until} (or its alias {@code --freeze-backbone}, {@code layer4}) names, or null.
     *
     * @throws IllegalArgumentException for an unknown stage, both options at odds, or either without --pretrained
     */
    static Stage frozenStage(boolean freezeBackbone, String freezeUntil, boolean pretrained) {
        if (freezeUntil == null) {
            return freezeBackbone ? Stage.LAYER4 : null;
        }
        if (!pretrained) {
            throw new IllegalArgumentException("--freeze-until needs --pretrained FILE|NAME");
        }
        Stage stage;
        try {
            stage = Stage.parse(freezeUntil);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--freeze-until: " + e.getMessage(), e);
        }
        if (freezeBackbone && stage != Stage.LAYER4) {
            throw new IllegalArgumentException("--freeze-backbone is --freeze-until layer4, but --freeze-until is "
                    + freezeUntil + "; give one of them");
        }
        return stage;
    }

    /**
     * {@code --backbone-lr-scale}, 1 when not given.
     *
     * @throws IllegalArgumentException for a value that is not a finite number {@code > 0}, without --pretrained,
     *                                  or with the whole backbone frozen
     */
    static double backboneScale(Double scale, Stage frozen, boolean pretrained) {
        if (scale == null) {
            return 1.0;
        }
        if (!pretrained) {
            throw new IllegalArgumentException("--backbone-lr-scale needs --pretrained FILE|NAME");
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("--backbone-lr-scale: expected a finite number > 0, got " + scale);
        }
        if (frozen == Stage.LAYER4) {
            throw new IllegalArgumentException("--backbone-lr-scale: the whole backbone is frozen (--freeze-until "
                    + "layer4 or --freeze-backbone), so no backbone layer has a learning rate to scale");
        }
        return scale;
    }

    /**
     * The initial graph of a fine-tuning run: the pretrained weights of the backbone, a new classifier, the stages up
     * to {@code freezeUntil} frozen.
     *
     * @throws IllegalArgumentException naming {@code --pretrained} when the file does not fit the backbone
     */
    static ComputationGraph fineTune(ResNeXt zoo, Path weights, Stage freezeUntil) throws IOException {
        try {
            return zoo.initFineTune(weights, freezeUntil);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--pretrained: " + weights + " does not fit the backbone of "
                            + zoo.spec().name() + " (fine-tuning loads every weight but fc): " + e.getMessage(),
                    e);
        }
    }
}
