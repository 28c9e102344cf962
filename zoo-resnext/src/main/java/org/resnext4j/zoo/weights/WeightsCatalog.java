package org.resnext4j.zoo.weights;

import java.net.URI;
import java.nio.file.Path;
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
 * copies are checked against the SHA-256 the hub advertises (see {@link WeightsSource}).
 *
 * <p>Your own weights (fine-tuned on an internal server, a private model hub) come in as user catalogs, JSON files
 * described by {@link WeightsCatalogFile}: {@link #fromEnvironment()} is the built-in catalog plus the files named by
 * {@value PretrainedWeights#CATALOG_PROPERTY} / {@value PretrainedWeights#CATALOG_ENV}, {@link #withUserCatalogs}
 * adds files in code; a user entry never replaces a built-in one nor changes a preset's default unless it says
 * {@code "default": true}. A catalog in code is {@link #of(List)}.
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
    /** Where each entry comes from: {@code built-in}, or a user catalog file and the entry's place in it. */
    private final Map<String, String> origins;
    /** Defaults fixed by a merge or a user entry's {@code "default": true}, by lower-case preset name. */
    private final Map<String, String> defaults;

    private WeightsCatalog(List<WeightsEntry> list) {
        this(list, Map.of(), Map.of());
    }

    private WeightsCatalog(List<WeightsEntry> list, Map<String, String> origins, Map<String, String> defaults) {
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
        this.origins = Map.copyOf(origins);
        this.defaults = Map.copyOf(defaults);
    }

    /** The catalog of torchvision's ImageNet weights (the table above). */
    public static WeightsCatalog builtin() {
        return BUILTIN;
    }

    /**
     * The built-in catalog plus the user catalog files of this process: {@link PretrainedWeights#catalogFiles()}
     * ({@value PretrainedWeights#CATALOG_PROPERTY}, else {@value PretrainedWeights#CATALOG_ENV}); the built-in
     * catalog alone when neither is set. Read anew on every call (the files are small), so a changed file counts.
     *
     * @throws WeightsCatalogException naming the file and field of the first problem in a user catalog
     */
    public static WeightsCatalog fromEnvironment() {
        return BUILTIN.withUserCatalogs(PretrainedWeights.catalogFiles());
    }

    /**
     * This catalog plus the entries of user catalog files ({@link WeightsCatalogFile}), read in order:
     * <ul>
     *   <li>a user entry whose name is already in the catalog (built-in or from an earlier file) is refused: a user
     *       catalog adds weights, it never replaces them (choose another tag);</li>
     *   <li>a preset's default stays what it was, unless one user entry says {@code "default": true} (two that say
     *       so for one preset are refused); a preset that only user entries have defaults to its last entry.</li>
     * </ul>
     *
     * @throws WeightsCatalogException naming the file and field of the first problem
     */
    public WeightsCatalog withUserCatalogs(List<Path> files) {
        if (files.isEmpty()) {
            return this;
        }
        List<WeightsEntry> all = new ArrayList<>(entries.values());
        Map<String, String> origin = new LinkedHashMap<>(origins);
        Map<String, String> fixed = new LinkedHashMap<>(defaults);
        for (WeightsEntry e : entries.values()) {
            origin.putIfAbsent(e.name(), this == BUILTIN ? "the built-in catalog" : "the catalog");
            String preset = e.preset().toLowerCase(Locale.ROOT);
            fixed.putIfAbsent(preset, defaultFor(preset).orElseThrow().name());
        }
        Map<String, String> askedBy = new LinkedHashMap<>();
        Map<String, String> fileNames = new LinkedHashMap<>();
        for (WeightsEntry e : all) {
            for (WeightsSource s : e.sources()) {
                fileNames.putIfAbsent(s.fileName(), e.name());
            }
        }
        for (Path file : files) {
            for (WeightsCatalogFile.Item item : WeightsCatalogFile.read(file)) {
                WeightsEntry e = item.entry();
                String here = file + " " + item.where();
                String before = origin.putIfAbsent(e.name(), here);
                if (before != null) {
                    throw new WeightsCatalogException(
                            file,
                            item.where() + "." + WeightsCatalogFile.NAME,
                            "\"" + e.name() + "\" is already an entry of " + before
                                    + "; a user catalog adds entries and never replaces one, choose another tag");
                }
                for (WeightsSource s : e.sources()) {
                    String other = fileNames.putIfAbsent(s.fileName(), e.name());
                    if (other != null && !other.equals(e.name())) {
                        throw new WeightsCatalogException(
                                file,
                                item.where() + "." + WeightsCatalogFile.NAME,
                                "its cache file name \"" + s.fileName() + "\" is also that of " + other);
                    }
                }
                all.add(e);
                String preset = e.preset().toLowerCase(Locale.ROOT);
                if (item.isDefault()) {
                    String first = askedBy.putIfAbsent(preset, here);
                    if (first != null) {
                        throw new WeightsCatalogException(
                                file,
                                item.where() + "." + WeightsCatalogFile.DEFAULT,
                                "true, but " + first + " is already the default of " + e.preset()
                                        + "; at most one entry per preset may say \"default\": true");
                    }
                    fixed.put(preset, e.name());
                }
            }
        }
        return new WeightsCatalog(all, origin, fixed);
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

    /**
     * The default entry of a preset (torchvision's {@code DEFAULT}): its newest (last) entry, or the one a merge kept
     * or a user entry asked for (see {@link #withUserCatalogs}); empty when the catalog has none.
     */
    public Optional<WeightsEntry> defaultFor(String preset) {
        String fixed = preset == null ? null : defaults.get(preset.toLowerCase(Locale.ROOT));
        if (fixed != null) {
            return Optional.of(entries.get(fixed));
        }
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

    /**
     * Where an entry comes from: {@code the built-in catalog}, or a user catalog file and the entry's place in it;
     * empty for an unknown name or a catalog made by {@link #of(List)}.
     */
    public Optional<String> origin(String name) {
        return find(name).map(e -> origins.get(e.name()));
    }

    /** Whether {@code e} is its preset's default entry. */
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
