package org.resnext4j.zoo.weights;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The settings of pretrained weights on this machine (each a system property, else an environment variable) and the
 * verification of a weights file. The cache directory, where {@link WeightsDownloader} keeps what it downloaded:
 * <ol>
 *   <li>the system property {@value #DIR_PROPERTY}, else</li>
 *   <li>the environment variable {@value #DIR_ENV}, else</li>
 *   <li>{@code ~/.deeplearning4j/models/resnext4j} (beside DL4J's own zoo cache).</li>
 * </ol>
 * A mirror or an air-gapped site's server: {@value #BASE_URL_PROPERTY} / {@value #BASE_URL_ENV}, a URL under which
 * the primary sources' file names are found ({@code <base>/resnext50_32x4d-1a0047aa.pth}); no other host is then
 * contacted. Offline, the cache only: {@value #OFFLINE_PROPERTY} / {@value #OFFLINE_ENV} set to {@code true} or
 * {@code 1}. User catalogs, JSON files of extra entries ({@link WeightsCatalogFile}):
 * {@value #CATALOG_PROPERTY} / {@value #CATALOG_ENV}, one path or several separated by the path separator
 * ({@code :} on Unix, {@code ;} on Windows), read by {@link WeightsCatalog#fromEnvironment()}. Proxies are the JDK's ({@code https.proxyHost}, {@code https.proxyPort}, {@code http.nonProxyHosts},
 * {@code java.net.useSystemProxies}).
 *
 * <p>{@link #resolve} is the older, download-free lookup of a user-placed {@code <model>.safetensors}: a file
 * {@code <model>.safetensors.sha256} next to it (the {@code sha256sum} format) is checked when present.
 */
public final class PretrainedWeights {

    /** System property of the cache directory. */
    public static final String DIR_PROPERTY = "resnext4j.weights.dir";
    /** Environment variable of the cache directory. */
    public static final String DIR_ENV = "RESNEXT4J_WEIGHTS";
    /** System property of the base URL that replaces the catalog's hosts. */
    public static final String BASE_URL_PROPERTY = "resnext4j.weights.base-url";
    /** Environment variable of the base URL that replaces the catalog's hosts. */
    public static final String BASE_URL_ENV = "RESNEXT4J_WEIGHTS_BASE_URL";
    /** System property of the offline switch. */
    public static final String OFFLINE_PROPERTY = "resnext4j.weights.offline";
    /** Environment variable of the offline switch. */
    public static final String OFFLINE_ENV = "RESNEXT4J_WEIGHTS_OFFLINE";
    /** System property of the user catalog files ({@link WeightsCatalogFile}), separated by the path separator. */
    public static final String CATALOG_PROPERTY = "resnext4j.weights.catalog";
    /** Environment variable of the user catalog files, separated by the path separator. */
    public static final String CATALOG_ENV = "RESNEXT4J_WEIGHTS_CATALOG";

    private PretrainedWeights() {}

    /** The cache directory, as described above. */
    public static Path cacheDir() {
        String dir = setting(DIR_PROPERTY, DIR_ENV);
        return dir != null
                ? Paths.get(dir)
                : Paths.get(System.getProperty("user.home"), ".deeplearning4j", "models", "resnext4j");
    }

    /**
     * The base URL override, or null when none is set.
     *
     * @throws IllegalArgumentException naming the setting when it is not an http(s) URL
     */
    public static URI baseUrl() {
        String url = setting(BASE_URL_PROPERTY, BASE_URL_ENV);
        if (url == null) {
            return null;
        }
        try {
            URI uri = new URI(url.trim());
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
                throw new URISyntaxException(url, "not an http or https URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    BASE_URL_PROPERTY + " / " + BASE_URL_ENV + ": expected an http(s) URL, got \"" + url + "\"", e);
        }
    }

    /** Whether the offline switch is on ({@code true} or {@code 1}). */
    public static boolean offline() {
        String v = setting(OFFLINE_PROPERTY, OFFLINE_ENV);
        return v != null && (v.trim().equalsIgnoreCase("true") || v.trim().equals("1"));
    }

    /**
     * The user catalog files: the paths in {@value #CATALOG_PROPERTY}, else in {@value #CATALOG_ENV}, split at the
     * path separator (empty parts skipped); none when neither is set.
     */
    public static List<Path> catalogFiles() {
        String v = setting(CATALOG_PROPERTY, CATALOG_ENV);
        if (v == null) {
            return List.of();
        }
        List<Path> files = new ArrayList<>();
        for (String part : v.split(Pattern.quote(File.pathSeparator))) {
            if (!part.isBlank()) {
                files.add(Paths.get(part.trim()));
            }
        }
        return List.copyOf(files);
    }

    /** The system property, else the environment variable, else null (blank counts as unset). */
    private static String setting(String property, String env) {
        String prop = System.getProperty(property);
        if (prop != null && !prop.isBlank()) {
            return prop;
        }
        String value = System.getenv(env);
        return value != null && !value.isBlank() ? value : null;
    }

    /** {@code <dir>/<model>.safetensors} (a user-placed file, see {@link #resolve}), whether or not it exists. */
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
            throw new FileNotFoundException("No weights file for " + model + ": expected " + file
                    + "; ResNeXt.initPretrained() downloads the catalog's weights (WeightsCatalog) into "
                    + dir);
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
