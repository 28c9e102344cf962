package org.resnext4j.zoo.weights;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * One pretrained weights file and what is known about it, as one value of torchvision's {@code Weights} enums or one
 * timm {@code pretrained_cfg}: the architecture, where the file is (first source first, the others mirrors of the
 * same weights), its published accuracy and the transform it was evaluated with, and the names of its classes.
 *
 * <p>Its {@link #name()} is {@code <preset>.<tag>} in lower case, e.g. {@code resnext50_32x4d.imagenet1k_v2}.
 *
 * @param spec        the architecture, with the file's number of classes and the transform's crop as input size
 * @param tag         torchvision's tag, e.g. {@code IMAGENET1K_V2}
 * @param sources     where the file is, the primary source first (at least one)
 * @param numParams   trainable parameters, torchvision's {@code num_params} (DL4J's {@code numParams()} also counts
 *                    BatchNorm's running statistics)
 * @param acc1        published ImageNet-1k top-1 accuracy in percent, NaN if unknown
 * @param acc5        published top-5 accuracy in percent, NaN if unknown
 * @param fileSizeMb  published file size in MB (torchvision's {@code _file_size}), NaN if unknown
 * @param transform   the evaluation transform
 * @param classNames  the class names in output order
 */
public record WeightsEntry(
        ResNeXtSpec spec,
        String tag,
        List<WeightsSource> sources,
        long numParams,
        double acc1,
        double acc5,
        double fileSizeMb,
        InputTransform transform,
        List<String> classNames) {

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_]+");

    /** Validates and copies the lists. */
    public WeightsEntry {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(transform, "transform");
        if (tag == null || !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("tag: expected letters, digits and _, got \"" + tag + "\"");
        }
        if (sources == null || sources.isEmpty()) {
            throw new IllegalArgumentException("sources: expected at least one source for " + spec.name());
        }
        sources = List.copyOf(sources);
        classNames = List.copyOf(classNames);
        if (classNames.size() != spec.numClasses()) {
            throw new IllegalArgumentException("classNames: " + classNames.size() + " names for a spec with "
                    + spec.numClasses() + " classes (" + spec.name() + "." + tag + ")");
        }
    }

    /** {@code <preset>.<tag>} in lower case, e.g. {@code resnext50_32x4d.imagenet1k_v2}. */
    public String name() {
        return (spec.name() + "." + tag).toLowerCase(Locale.ROOT);
    }

    /** The architecture's name, e.g. {@code resnext50_32x4d}. */
    public String preset() {
        return spec.name();
    }

    /** The primary source. */
    public WeightsSource primary() {
        return sources.get(0);
    }

    @Override
    public String toString() {
        return name();
    }
}
