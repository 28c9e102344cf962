package org.resnext4j.zoo.weights;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Map;
import org.resnext4j.zoo.ResNeXtSpec;

/** The reference fixtures written by {@code tools/make_reference_fixtures.py}. */
final class Fixtures {

    private Fixtures() {}

    static Path file(String name) {
        try {
            return Paths.get(Fixtures.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException(
                    "test fixture /fixtures/" + name + " is missing: run "
                            + "/usr/bin/python3 tools/make_reference_fixtures.py",
                    e);
        }
    }

    /** The spec the script stored in the weights file's metadata. */
    static ResNeXtSpec spec(Path weights) throws IOException {
        try (SafeTensorsReader r = SafeTensorsReader.open(weights)) {
            return spec(r.metadata());
        }
    }

    static ResNeXtSpec spec(Map<String, String> m) {
        int size = Integer.parseInt(m.get("size"));
        return ResNeXtSpec.builder()
                .name(m.get("name"))
                .blocks(ints(m.get("blocks")))
                .cardinality(Integer.parseInt(m.get("cardinality")))
                .baseWidth(Integer.parseInt(m.get("base_width")))
                .planes(ints(m.get("planes")))
                .stemWidth(Integer.parseInt(m.get("stem_width")))
                .numClasses(Integer.parseInt(m.get("num_classes")))
                .inputShape(3, size, size)
                .build();
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
