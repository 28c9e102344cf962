package org.resnext4j.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.resnext4j.zoo.weights.WeightsCatalog;
import picocli.CommandLine.Option;

/**
 * {@code --catalog FILE}: user weights catalogs (JSON, see docs/weights.md), added to the built-in catalog and to
 * those named by {@code resnext4j.weights.catalog} / {@code RESNEXT4J_WEIGHTS_CATALOG}.
 */
final class CatalogMixin {

    @Option(
            names = "--catalog",
            paramLabel = "FILE",
            description = "a user weights catalog (JSON entries of your own weights, see docs/weights.md), added to "
                    + "the built-in one and to those of resnext4j.weights.catalog / RESNEXT4J_WEIGHTS_CATALOG; "
                    + "may be repeated")
    List<Path> files = new ArrayList<>();

    /**
     * The catalog the command resolves names in.
     *
     * @throws org.resnext4j.zoo.weights.WeightsCatalogException naming the file and field of a bad user catalog
     */
    WeightsCatalog catalog() {
        return WeightsCatalog.fromEnvironment().withUserCatalogs(files);
    }
}
