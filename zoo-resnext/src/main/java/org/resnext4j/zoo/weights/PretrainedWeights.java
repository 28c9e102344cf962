package org.resnext4j.zoo.weights;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Where pretrained weights live on this machine, and their verification. Nothing is downloaded: weights come from a
 * file the user names, or from a cache directory holding {@code <model>.safetensors}:
 * <ol>
 *   <li>the system property {@value #DIR_PROPERTY}, else</li>
 *   <li>the environment variable {@value #DIR_ENV}, else</li>
 *   <li>{@code ~/.deeplearning4j/models/resnext4j} (beside DL4J's own zoo cache).</li>
 * </ol>
 * A file {@code <model>.safetensors.sha256} next to the weights (the {@code sha256sum} format) is checked when
 * present: a mismatch is an error naming both digests.
 */
public final class PretrainedWeights {

    public static final String DIR_PROPERTY = "resnext4j.weights.dir";
    public static final String DIR_ENV = "RESNEXT4J_WEIGHTS";

    private PretrainedWeights() {}

    /** The cache directory, as described above. */
    public static Path cacheDir() {
        String prop = System.getProperty(DIR_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop);
        }
        String env = System.getenv(DIR_ENV);
        if (env != null && !env.isBlank()) {
            return Paths.get(env);
        }
        return Paths.get(System.getProperty("user.home"), ".deeplearning4j", "models", "resnext4j");
    }

    /** {@code <dir>/<model>.safetensors}, whether or not it exists. */
    public static Path fileFor(String model, Path dir) {
        return dir.resolve(model + ".safetensors");
    }

    /**
     * The verified weights file of {@code model} in {@code dir}.
     *
     * @throws FileNotFoundException saying where such a file comes from, when it is absent
     * @throws IOException           when its checksum file disagrees
     */
    public static Path resolve(String model, Path dir) throws IOException {
        Path file = fileFor(model, dir);
        if (!Files.isRegularFile(file)) {
            throw new FileNotFoundException("No pretrained weights for " + model + ": expected " + file
                    + ". resnext4j downloads nothing; get torchvision/timm weights as safetensors, e.g. timm's "
                    + "model.safetensors for " + model + " on the Hugging Face hub, or convert torchvision's with "
                    + "/usr/bin/python3 tools/torchvision_to_safetensors.py " + model + " " + file
                    + " (on a machine with internet), then place it there or set -D" + DIR_PROPERTY + "=<dir>");
        }
        Path sum = file.resolveSibling(file.getFileName() + ".sha256");
        if (Files.isRegularFile(sum)) {
            String expected =
                    Files.readString(sum, StandardCharsets.US_ASCII).trim().split("\\s+")[0];
            verifySha256(file, expected);
        }
        return file;
    }

    /**
     * Checks the SHA-256 of {@code file}.
     *
     * @throws IOException naming the file and both digests on a mismatch
     */
    public static void verifySha256(Path file, String expectedHex) throws IOException {
        String actual = sha256(file);
        if (!actual.equalsIgnoreCase(expectedHex)) {
            throw new IOException(file + ": SHA-256 mismatch: expected " + expectedHex.toLowerCase(Locale.ROOT)
                    + ", got " + actual + " (the file is corrupt or not the expected weights)");
        }
    }

    /** SHA-256 of a file, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
