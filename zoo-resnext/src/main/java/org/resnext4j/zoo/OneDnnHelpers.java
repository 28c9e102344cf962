package org.resnext4j.zoo;

import org.deeplearning4j.config.DL4JSystemProperties;

/**
 * Turns on DL4J's oneDNN layer helpers (convolution, batch normalization, pooling, ...), which DL4J 1.0.0-M2.1
 * leaves off by default, unless the user decided otherwise with {@code -Dorg.eclipse.deeplearning4j.helpers.disable}.
 *
 * <p>The helpers only exist when ND4J's native CPU backend is a oneDNN build (this project's default
 * {@code nd4j-native} classifier {@code linux-x86_64-onednn}); on another build or backend they are simply not
 * created. The shim {@link org.nd4j.nativeblas.Nd4jCpu} repairs M2.1's lookup of them.
 */
public final class OneDnnHelpers {

    private OneDnnHelpers() {
    }

    /** Sets {@code org.eclipse.deeplearning4j.helpers.disable=false} unless it is already set; idempotent. */
    public static void enableUnlessConfigured() {
        String key = DL4JSystemProperties.DISABLE_HELPER_PROPERTY;
        if (System.getProperty(key) == null) {
            System.setProperty(key, "false");
        }
    }
}
