package org.resnext4j.zoo.weights;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One place a weights file can be downloaded from, and what it must hash to.
 *
 * <p>{@code sha256} is the lower-case hex SHA-256 of the file: the full 64 digits, or a prefix of at least 8 digits,
 * checked as torch.hub's {@code check_hash} does (the file's digest must start with it; torchvision's file names end
 * in such a prefix, {@code resnext50_32x4d-1a0047aa.pth}); or null when the catalog does not know it, in which case
 * the downloader accepts the file only with the digest its server advertises (Hugging Face's {@code X-Linked-Etag}).
 *
 * @param url      where the file is
 * @param format   what the file holds
 * @param sha256   the expected digest, a prefix of it, or null (see above)
 * @param fileName the name of the file in the cache, unique in the catalog
 */
public record WeightsSource(URI url, WeightFormat format, String sha256, String fileName) {

    /** torch.hub's {@code HASH_REGEX}: the hex between the last {@code -} and the first {@code .} after it. */
    private static final Pattern HASH_IN_NAME = Pattern.compile("-([a-f0-9]+)\\.");

    private static final Pattern HEX = Pattern.compile("[a-f0-9]{8,64}");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** Validates: an http(s) URL, a digest of 8 to 64 hex digits or null, a plain file name. */
    public WeightsSource {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(format, "format");
        if (!"https".equalsIgnoreCase(url.getScheme()) && !"http".equalsIgnoreCase(url.getScheme())) {
            throw new IllegalArgumentException("url: expected an http or https URL, got " + url);
        }
        if (sha256 != null) {
            sha256 = sha256.toLowerCase(Locale.ROOT);
            if (!HEX.matcher(sha256).matches()) {
                throw new IllegalArgumentException(
                        "sha256: expected 8 to 64 hex digits (a SHA-256 or its prefix), got \"" + sha256 + "\"");
            }
        }
        if (fileName == null || !SAFE_NAME.matcher(fileName).matches() || fileName.contains("..")) {
            throw new IllegalArgumentException("fileName: expected a plain file name, got \"" + fileName + "\"");
        }
    }

    /**
     * A file whose name ends in its hash prefix, as torchvision's do: the digest is that prefix, the cache name the
     * URL's last path segment.
     *
     * @throws IllegalArgumentException when the file name holds no {@code -<hex>.}
     */
    public static WeightsSource hashNamed(String url, WeightFormat format) {
        URI uri = URI.create(url);
        String name = lastSegment(uri);
        return new WeightsSource(uri, format, hashPrefixOf(name), name);
    }

    /** The hash prefix in a torch.hub-style file name ({@code resnet50-0676ba61.pth} gives {@code 0676ba61}). */
    public static String hashPrefixOf(String fileName) {
        Matcher m = HASH_IN_NAME.matcher(fileName);
        String prefix = null;
        while (m.find()) {
            prefix = m.group(1);
        }
        if (prefix == null) {
            throw new IllegalArgumentException(
                    "\"" + fileName + "\": expected a file name with a hash prefix, <name>-<hex>.<ext>");
        }
        return prefix;
    }

    /** Whether {@link #sha256()} is a prefix (torch.hub style) rather than the full digest. */
    public boolean digestIsPrefix() {
        return sha256 != null && sha256.length() < 64;
    }

    /** This source at another base URL: {@code base} (with a trailing slash added) resolved with the file name. */
    public WeightsSource atBase(URI base) {
        String b = base.toString();
        URI url = URI.create(b.endsWith("/") ? b : b + "/").resolve(lastSegment(this.url));
        return new WeightsSource(url, format, sha256, fileName);
    }

    /** Whether a digest (full, lower-case hex) is the one expected; always false when none is expected. */
    public boolean matches(String actualSha256) {
        return sha256 != null && actualSha256.toLowerCase(Locale.ROOT).startsWith(sha256);
    }

    private static String lastSegment(URI uri) {
        String path = uri.getPath();
        if (path == null || path.isEmpty() || path.endsWith("/")) {
            throw new IllegalArgumentException("url: expected a URL ending in a file name, got " + uri);
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
