package org.resnext4j.zoo.weights;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * The pretrained weights this project knows, one {@link WeightsEntry} per preset and tag, as torchvision's
 * {@code ResNeXt50_32X4D_Weights} and friends list them, with timm's Hugging Face copies
 * ({@code timm/<preset>.tv_in1k}, {@code .tv2_in1k}: {@code model.safetensors} with torchvision's key names) as a
 * second source of the same weights:
 * <pre>
 * entry                            acc@1   acc@5   eval transform
 * resnet50.imagenet1k_v1           76.130  92.862  resize 256, crop 224, bilinear
 * resnet50.imagenet1k_v2           80.858  95.434  resize 232, crop 224, bilinear
 * resnext50_32x4d.imagenet1k_v1    77.618  93.698  resize 256, crop 224, bilinear
 * resnext50_32x4d.imagenet1k_v2    81.198  95.340  resize 232, crop 224, bilinear
 * resnext101_32x8d.imagenet1k_v1   79.312  94.526  resize 256, crop 224, bilinear
 * resnext101_32x8d.imagenet1k_v2   82.834  96.228  resize 232, crop 224, bilinear
 * resnext101_64x4d.imagenet1k_v1   83.246  96.454  resize 232, crop 224, bilinear
 * </pre>
 * Each preset's {@code DEFAULT} is its newest tag, as in torchvision. Names are looked up case-insensitively;
 * {@code <preset>.default} and the bare preset name mean the default entry.
 *
 * <p>The torchvision files' digests are the hash prefixes of their names (torch.hub's {@code check_hash}); the timm
 * copies are checked against the SHA-256 the hub advertises (see {@link WeightsSource}). A custom catalog (your own
 * fine-tuned weights on an internal server) is {@link #of(List)}.
 */
public final class WeightsCatalog {

    /** torchvision's download folder. */
    static final String TORCHVISION = "https://download.pytorch.org/models/";
    /** timm's organisation on the Hugging Face hub. */
    static final String HUGGING_FACE = "https://huggingface.co/timm/";

    private static final String DEFAULT_TAG = "default";

    private static final WeightsCatalog BUILTIN = new WeightsCatalog(List.of(
            torchvision(
                    "resnet50",
                    "IMAGENET1K_V1",
                    "resnet50-0676ba61.pth",
                    "tv_in1k",
                    25_557_032L,
                    76.130,
                    92.862,
                    97.8,
                    256),
            torchvision(
                    "resnet50",
                    "IMAGENET1K_V2",
                    "resnet50-11ad3fa6.pth",
                    "tv2_in1k",
                    25_557_032L,
                    80.858,
                    95.434,
                    97.8,
                    232),
            torchvision(
                    "resnext50_32x4d",
                    "IMAGENET1K_V1",
                    "resnext50_32x4d-7cdf4587.pth",
                    "tv_in1k",
                    25_028_904L,
                    77.618,
                    93.698,
                    95.8,
                    256),
            torchvision(
                    "resnext50_32x4d",
                    "IMAGENET1K_V2",
                    "resnext50_32x4d-1a0047aa.pth",
                    "tv2_in1k",
                    25_028_904L,
                    81.198,
                    95.340,
                    95.8,
                    232),
            torchvision(
                    "resnext101_32x8d",
                    "IMAGENET1K_V1",
                    "resnext101_32x8d-8ba56ff5.pth",
                    "tv_in1k",
                    88_791_336L,
                    79.312,
                    94.526,
                    339.6,
                    256),
            torchvision(
                    "resnext101_32x8d",
                    "IMAGENET1K_V2",
                    "resnext101_32x8d-110c445d.pth",
                    "tv2_in1k",
                    88_791_336L,
                    82.834,
                    96.228,
                    339.7,
                    232),
            torchvision(
                    "resnext101_64x4d",
                    "IMAGENET1K_V1",
                    "resnext101_64x4d-173b62eb.pth",
                    "tv_in1k",
                    83_455_272L,
                    83.246,
                    96.454,
                    319.3,
                    232)));

    private final Map<String, WeightsEntry> entries;

    private WeightsCatalog(List<WeightsEntry> list) {
        Map<String, WeightsEntry> m = new LinkedHashMap<>();
        Map<String, String> files = new LinkedHashMap<>();
        for (WeightsEntry e : list) {
            if (m.put(e.name(), e) != null) {
                throw new IllegalArgumentException("entries: \"" + e.name() + "\" is listed twice");
            }
            for (WeightsSource s : e.sources()) {
                String other = files.put(s.fileName(), e.name());
                if (other != null && !other.equals(e.name())) {
                    throw new IllegalArgumentException("entries: " + other + " and " + e.name()
                            + " share the cache file name \"" + s.fileName() + "\"");
                }
            }
        }
        this.entries = m;
    }

    /** The catalog of torchvision's ImageNet weights (the table above). */
    public static WeightsCatalog builtin() {
        return BUILTIN;
    }

    /**
     * A catalog of other entries, e.g. weights on an internal server; within a preset, later entries are newer.
     *
     * @throws IllegalArgumentException when two entries share a name or a cache file name
     */
    public static WeightsCatalog of(List<WeightsEntry> entries) {
        return new WeightsCatalog(List.copyOf(entries));
    }

    /** Every entry, in catalog order (by preset, oldest tag first). */
    public List<WeightsEntry> entries() {
        return List.copyOf(entries.values());
    }

    /** Every entry's name. */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /**
     * The entry called {@code name} (any case): {@code <preset>.<tag>}, {@code <preset>.default} or {@code <preset>}
     * for the preset's default.
     *
     * @throws IllegalArgumentException naming the unknown entry and listing the known names
     */
    public WeightsEntry get(String name) {
        return find(name)
                .orElseThrow(() -> new IllegalArgumentException(
                        "unknown weights \"" + name + "\", expected one of " + names() + " (or <preset>.default)"));
    }

    /** {@link #get(String)}, empty when unknown. */
    public Optional<WeightsEntry> find(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String key = name.trim().toLowerCase(Locale.ROOT);
        WeightsEntry e = entries.get(key);
        if (e != null) {
            return Optional.of(e);
        }
        String preset =
                key.endsWith("." + DEFAULT_TAG) ? key.substring(0, key.length() - DEFAULT_TAG.length() - 1) : key;
        return defaultFor(preset);
    }

    /** The newest entry of a preset (torchvision's {@code DEFAULT}), empty when the catalog has none. */
    public Optional<WeightsEntry> defaultFor(String preset) {
        WeightsEntry newest = null;
        for (WeightsEntry e : entries.values()) {
            if (e.preset().equalsIgnoreCase(preset)) {
                newest = e;
            }
        }
        return Optional.ofNullable(newest);
    }

    /** The entries of a preset, oldest first. */
    public List<WeightsEntry> forPreset(String preset) {
        List<WeightsEntry> out = new ArrayList<>();
        for (WeightsEntry e : entries.values()) {
            if (e.preset().equalsIgnoreCase(preset)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Whether {@code e} is its preset's default (newest) entry. */
    public boolean isDefault(WeightsEntry e) {
        return defaultFor(e.preset()).map(d -> d.name().equals(e.name())).orElse(false);
    }

    private static WeightsEntry torchvision(
            String preset,
            String tag,
            String file,
            String timmTag,
            long params,
            double acc1,
            double acc5,
            double sizeMb,
            int resize) {
        WeightFormat format = tag.endsWith("V1") && !preset.equals("resnext101_64x4d")
                ? WeightFormat.PYTORCH_LEGACY
                : WeightFormat.PYTORCH_ZIP;
        String hub = preset + "." + timmTag;
        WeightsSource timm = new WeightsSource(
                URI.create(HUGGING_FACE + hub + "/resolve/main/model.safetensors"),
                WeightFormat.SAFETENSORS,
                null,
                hub + WeightFormat.SAFETENSORS.extension());
        return new WeightsEntry(
                ResNeXtSpec.preset(preset),
                tag,
                List.of(WeightsSource.hashNamed(TORCHVISION + file, format), timm),
                params,
                acc1,
                acc5,
                sizeMb,
                InputTransform.imagenet(resize, 224),
                ImageNetClasses.names());
    }
}
