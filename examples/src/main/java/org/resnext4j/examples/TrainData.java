package org.resnext4j.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.resnext4j.datavec.AutoAugment;
import org.resnext4j.datavec.ColorJitter;
import org.resnext4j.datavec.ImageFolderPipeline;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.RandomErasing;
import org.resnext4j.datavec.TrainTransform;
import org.resnext4j.ui.RunSettings;

/**
 * The data of a {@code train} run, the same for a new run and a resumed one: the folder (or the generated
 * {@link ShapesDataset}, written into the run folder) and the pipeline its {@link RunSettings} describe, with the
 * run's augmentation.
 */
final class TrainData {

    private TrainData() {}

    /**
     * The data folder of a new run: {@code data}, checked, or without it the built-in shapes, generated into
     * {@code runDir/data/shapes}.
     *
     * @throws IllegalArgumentException naming {@code --data} when it is not a folder
     */
    static Path prepare(Path runDir, Path data) throws IOException {
        if (data != null) {
            return TrainCommand.requireDataFolder(data.toString(), "--data");
        }
        Path dir = runDir.resolve("data").resolve("shapes");
        System.out.println("No --data given: generating the built-in shapes data set (" + ShapesDataset.CLASSES + ", "
                + ShapesDataset.DEFAULT_PER_CLASS + " images each, " + ShapesDataset.DEFAULT_SIZE + "x"
                + ShapesDataset.DEFAULT_SIZE + ") in " + dir.toAbsolutePath());
        ShapesDataset.write(
                dir, ShapesDataset.DEFAULT_PER_CLASS, ShapesDataset.DEFAULT_SIZE, ShapesDataset.DEFAULT_SEED);
        return dir;
    }

    /** On resume: the run's generated data set written again when it is missing (reused as it is when present). */
    static void regenerate(RunSettings settings) throws IOException {
        if (Boolean.TRUE.equals(settings.data().generated())) {
            ShapesDataset.write(
                    Path.of(settings.data().folder()),
                    generatedPerClass(settings),
                    ShapesDataset.DEFAULT_SIZE,
                    ShapesDataset.DEFAULT_SEED);
        }
    }

    /**
     * Images per class of a run's generated data set: the stored {@code data_per_class}, or 200 for runs made before
     * it was stored (the default then), so that their data set is recognised and reused on {@code --resume}.
     */
    static int generatedPerClass(RunSettings settings) {
        Integer n = settings.data().perClass();
        return n != null ? n : ShapesDataset.LEGACY_PER_CLASS;
    }

    /** The data pipeline of a run, from its settings. */
    static ImageFolderPipeline pipeline(RunSettings s) {
        int size = s.imageSize();
        ImageFolderPipeline.Builder b = ImageFolderPipeline.fromDirectory(
                        TrainCommand.requireDataFolder(s.data().folder(), "--data"))
                .validationSplit(s.data().validationSplit())
                .seed(s.seed())
                .imageSize(size)
                .batchSize(s.batchSize())
                .normalization(Normalization.IMAGENET);
        switch (s.augmentation().policy()) {
            case "none" -> b.augment(false);
            case "light" ->
                b.trainTransform(withExtraAugmentations(
                        new TrainTransform(size, 0.35, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5, Normalization.IMAGENET), s));
            default -> b.trainTransform(withExtraAugmentations(TrainTransform.imagenet(size), s));
        }
        return b.build();
    }

    /** The run's training transform: the crop and flip of {@code base} with the stored extra augmentations. */
    static TrainTransform withExtraAugmentations(TrainTransform base, RunSettings s) {
        RunSettings.Augmentation a = s.augmentation();
        TrainTransform t = base;
        if (a.colorJitter() != null) {
            List<Double> j = a.colorJitter();
            t = t.withColorJitter(new ColorJitter(j.get(0), j.get(1), j.get(2), j.get(3)));
        }
        if (a.autoAugment() != null) {
            t = t.withAutoAugment(AutoAugment.of(a.autoAugment()));
        }
        if (a.randomErase() != null) {
            t = t.withRandomErasing(RandomErasing.of(a.randomErase()));
        }
        return t;
    }

    /** The extra augmentations of a run for its console output ({@code ""} when none), torchvision's names. */
    static String extraAugmentationsDescription(RunSettings s) {
        TrainTransform t = withExtraAugmentations(TrainTransform.imagenet(1), s);
        StringBuilder b = new StringBuilder();
        for (Object o : new Object[] {t.colorJitter(), t.autoAugment(), t.randomErasing()}) {
            if (o != null) {
                b.append(", ").append(o);
            }
        }
        return b.toString();
    }
}
