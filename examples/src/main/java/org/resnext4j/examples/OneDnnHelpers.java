package org.resnext4j.examples;

import org.deeplearning4j.config.DL4JSystemProperties;

/**
 * Turns on DL4J's oneDNN layer helpers (convolution, batch normalization, pooling, ...), which DL4J 1.0.0-M2.1
 * leaves off by default, unless the user decided otherwise with {@code -Dorg.eclipse.deeplearning4j.helpers.disable}.
 * A JVM-wide setting for every DL4J model, so the application decides: the CLI does ({@link Cli#main}); the library
 * modules never do. They speed up DL4J's own layers: the SPLIT form's and DL4J's zoo ResNet50's (the FUSED form's
 * layers, its max pool included, call oneDNN themselves and need no helper).
 *
 * <p>The helpers only exist when ND4J's native CPU backend is a oneDNN build (this project's default
 * {@code nd4j-native} classifier {@code linux-x86_64-onednn}); on another build or backend they are simply not
 * created. M2.1 looks them up under a class name it moved; the shim {@link org.nd4j.nativeblas.Nd4jCpu}, shipped with
 * this application (not with the library), repairs the lookup. An application of your own does the same: this
 * class's one call, and the shim's one class on its class path.
 */
final class OneDnnHelpers {

    private OneDnnHelpers() {}

    /** Sets {@code org.eclipse.deeplearning4j.helpers.disable=false} unless it is already set; idempotent. */
    static void enableUnlessConfigured() {
        String key = DL4JSystemProperties.DISABLE_HELPER_PROPERTY;
        if (System.getProperty(key) == null) {
            System.setProperty(key, "false");
        }
    }
}
