package org.resnext4j.zoo.weights;

import java.net.URI;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TinySpecs;

/** Catalog entries and files for download tests. Their URLs point to a host that never resolves ({@code .invalid}). */
final class TestEntries {

    /** A host reserved never to resolve (RFC 2606): a test that forgot the base URL override fails, offline. */
    static final String NOWHERE = "https://weights.invalid/models/";

    private TestEntries() {}

    /** Seeded bytes. */
    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Unseeded bytes, for a digest nobody's file has. */
    static byte[] otherBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** An entry for the tiny ResNeXt whose primary source is {@code tiny_resnext-<8 hex of sha256>.safetensors}. */
    static WeightsEntry tiny(String tag, String sha256) {
        String file = "tiny_resnext_" + tag.toLowerCase() + "-" + sha256.substring(0, 8) + ".safetensors";
        return entry(tag, List.of(WeightsSource.hashNamed(NOWHERE + file, WeightFormat.SAFETENSORS)));
    }

    /** An entry for the tiny ResNeXt with these sources. */
    static WeightsEntry entry(String tag, List<WeightsSource> sources) {
        ResNeXtSpec spec = TinySpecs.resnext();
        return new WeightsEntry(
                spec,
                tag,
                sources,
                30_000,
                50.0,
                Double.NaN,
                0.1,
                InputTransform.imagenet(36, 32),
                IntStream.range(0, spec.numClasses()).mapToObj(i -> "class" + i).toList());
    }

    /** A source at {@code url} with this digest (or null) and cache name. */
    static WeightsSource source(URI url, String sha256, String fileName) {
        return new WeightsSource(url, WeightFormat.SAFETENSORS, sha256, fileName);
    }
}
