package org.resnext4j.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.resnext4j.zoo.weights.DownloadSettings;
import org.resnext4j.zoo.weights.PretrainedWeights;
import org.resnext4j.zoo.weights.WeightsCatalog;
import org.resnext4j.zoo.weights.WeightsDownloader;
import org.resnext4j.zoo.weights.WeightsEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code weights}: the pretrained weights catalog, one line per entry (name, ImageNet accuracy, file size,
 * parameters, cached or not), and {@code weights download NAME...} to fill the cache ahead of an offline run.
 */
@Command(
        name = "weights",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "Lists the pretrained weights catalog: name (* the preset's default), ImageNet top-1 and top-5 "
                + "accuracy, file size, trainable parameters, and whether the file is in the cache. The cache "
                + "folder, a mirror (base URL), the offline switch, proxies and user catalogs (JSON files of "
                + "your own entries, also --catalog) are set by system properties or environment variables: see "
                + "docs/weights.md.",
        subcommands = WeightsCommand.Download.class)
final class WeightsCommand implements Callable<Integer> {

    @Mixin
    CatalogMixin catalogOption;

    @Override
    public Integer call() {
        WeightsCatalog catalog = catalogOption.catalog();
        DownloadSettings settings = DownloadSettings.fromEnvironment();
        WeightsDownloader downloader = new WeightsDownloader(settings, null);
        List<Path> userCatalogs = new ArrayList<>(PretrainedWeights.catalogFiles());
        userCatalogs.addAll(catalogOption.files);
        System.out.println("Cache " + settings.cacheDir().toAbsolutePath()
                + (settings.baseUrl() != null ? ", base URL " + settings.baseUrl() : "")
                + (settings.offline() ? ", offline" : "")
                + (userCatalogs.isEmpty() ? "" : ", user catalogs " + userCatalogs));
        System.out.println(String.format(
                Locale.ROOT, "%-34s %7s %7s %9s %9s  %s", "NAME", "ACC@1", "ACC@5", "SIZE", "PARAMS", "CACHED"));
        for (WeightsEntry e : catalog.entries()) {
            Optional<Path> cached = downloader.cachedFile(e);
            System.out.println(String.format(
                    Locale.ROOT,
                    "%-34s %7s %7s %9s %7.1f M  %s",
                    e.name() + (catalog.isDefault(e) ? " *" : ""),
                    known(e.acc1(), "%.3f"),
                    known(e.acc5(), "%.3f"),
                    known(e.fileSizeMb(), "%.1f MB"),
                    e.numParams() / 1e6,
                    cached.map(p -> "yes (" + p.getFileName() + ")").orElse("no")));
        }
        System.out.println("* the preset's default (ResNeXt.initPretrained(), NAME <preset> or <preset>.default)");
        return 0;
    }

    /** A published value, or {@code -} when the catalog does not know it (NaN). */
    private static String known(double value, String format) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, format, value);
    }

    /** {@code weights download NAME...}: fetches entries into the cache (verified), printing where they are. */
    @Command(
            name = "download",
            mixinStandardHelpOptions = true,
            usageHelpWidth = Cli.USAGE_WIDTH,
            description = "Downloads catalog entries into the cache, verified by SHA-256, resuming an interrupted "
                    + "transfer; an entry already cached is checked and kept.")
    static final class Download implements Callable<Integer> {

        @Parameters(
                arity = "1..*",
                paramLabel = "NAME",
                description = "catalog entries, e.g. resnext50_32x4d.imagenet1k_v2 (see 'resnext4j weights')")
        List<String> names;

        @Mixin
        ProgressMixin progress;

        @Mixin
        CatalogMixin catalogOption;

        @Override
        public Integer call() throws Exception {
            WeightsCatalog catalog = catalogOption.catalog();
            List<WeightsEntry> entries = names.stream().map(catalog::get).toList();
            WeightsDownloader downloader = DownloadProgress.downloader(progress.enabled());
            for (WeightsEntry e : entries) {
                System.out.println(e.name() + "  " + downloader.fetch(e).toAbsolutePath());
            }
            return 0;
        }
    }
}
