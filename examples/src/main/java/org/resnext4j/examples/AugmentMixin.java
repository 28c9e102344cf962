package org.resnext4j.examples;

import java.util.Arrays;
import java.util.List;
import org.resnext4j.datavec.AutoAugment;
import org.resnext4j.datavec.ColorJitter;
import org.resnext4j.ui.RunSettings;
import picocli.CommandLine.Option;

/**
 * {@code train}'s augmentation options: the crop-and-flip policy ({@code --augment}, {@code auto} choosing what suits
 * the run) and the extra augmentations after it ({@code --auto-augment}, {@code --color-jitter},
 * {@code --random-erase}), validated into the run's {@link RunSettings.Augmentation}.
 */
final class AugmentMixin {

    /** From this input size up, a from-scratch run on a folder gets ImageNet's augmentation by default. */
    static final int IMAGENET_AUGMENT_MIN_SIZE = 160;

    /** {@code --augment}. */
    enum Augment {
        auto,
        none,
        light,
        imagenet
    }

    @Option(
            names = "--augment",
            paramLabel = "NAME",
            defaultValue = "auto",
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}, see above)")
    Augment augment;

    @Option(
            names = "--auto-augment",
            paramLabel = "NAME",
            defaultValue = "none",
            description = "none, trivialaugment or randaugment: torchvision's TrivialAugmentWide or RandAugment(2, 9) "
                    + "after the crop and flip (default ${DEFAULT-VALUE})")
    String autoAugment;

    @Option(
            names = "--color-jitter",
            paramLabel = "B,C,S,H",
            description = "torchvision's ColorJitter(brightness, contrast, saturation, hue) before the policy, "
                    + "e.g. 0.4,0.4,0.4,0.1")
    String colorJitter;

    @Option(
            names = "--random-erase",
            paramLabel = "P",
            description = "torchvision's RandomErasing probability on the normalised tensor (value 0; default 0)")
    Double randomErase;

    /**
     * The augmentation a run gets: what was asked, or for {@code auto} what suits the run: none on the generated
     * shapes (their position and size are the signal), ImageNet's when fine-tuning or at ImageNet-like sizes, light
     * for small from-scratch runs.
     */
    String policy(boolean generated, boolean pretrained, int size) {
        if (augment != Augment.auto) {
            return augment.name();
        }
        if (generated) {
            return Augment.none.name();
        }
        return pretrained || size >= IMAGENET_AUGMENT_MIN_SIZE ? Augment.imagenet.name() : Augment.light.name();
    }

    /**
     * The run's augmentation settings: the {@code policy} and those of {@code --auto-augment}, {@code --color-jitter}
     * and {@code --random-erase} that were given, validated, so a run without them stores (and a checkpoint written
     * before them reads) none.
     *
     * @throws IllegalArgumentException naming the option of a bad value, or of an extra with the policy none
     */
    RunSettings.Augmentation settings(String policy) {
        String auto = null;
        if (!"none".equals(autoAugment)) {
            try {
                AutoAugment.of(autoAugment);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "--auto-augment: expected none, trivialaugment or randaugment, got \"" + autoAugment + "\"");
            }
            auto = autoAugment;
        }
        List<Double> jitter = null;
        if (colorJitter != null) {
            String[] parts = colorJitter.split(",", -1);
            double[] v = new double[parts.length];
            try {
                for (int i = 0; i < parts.length; i++) {
                    v[i] = Double.parseDouble(parts[i].trim());
                }
                if (parts.length != 4) {
                    throw new IllegalArgumentException("4 values");
                }
                new ColorJitter(v[0], v[1], v[2], v[3]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--color-jitter: expected 4 comma-separated numbers B,C,S,H "
                        + "(brightness, contrast, saturation >= 0, hue in [0, 0.5]), got \"" + colorJitter + "\"");
            }
            jitter = Arrays.stream(v).boxed().toList();
        }
        Double erase = null;
        if (randomErase != null) {
            if (!(randomErase >= 0 && randomErase <= 1)) {
                throw new IllegalArgumentException(
                        "--random-erase: expected a probability in [0, 1], got " + randomErase);
            }
            if (randomErase > 0) {
                erase = randomErase;
            }
        }
        if ("none".equals(policy) && (auto != null || jitter != null || erase != null)) {
            String first = auto != null ? "--auto-augment" : jitter != null ? "--color-jitter" : "--random-erase";
            throw new IllegalArgumentException(first
                    + " needs a training augmentation, but this run has none (--augment none, or auto on the "
                    + "generated shapes): add --augment light or --augment imagenet");
        }
        return new RunSettings.Augmentation(policy, auto, jitter, erase);
    }
}
