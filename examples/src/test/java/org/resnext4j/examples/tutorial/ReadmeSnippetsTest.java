package org.resnext4j.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's Java is compiled code: every {@code ```java} block of README.md is, line for line (indentation
 * removed), a region of a tutorial program marked {@code // tag::NAME[]} ... {@code // end::NAME[]}; and the README's
 * table of examples names every tutorial program with the command that runs it.
 */
class ReadmeSnippetsTest {

    private static final Path ROOT = Path.of("..");
    private static final Path README = ROOT.resolve("README.md");
    private static final List<Path> SOURCES = List.of(
            ROOT.resolve("examples/src/main/java/org/resnext4j/examples/tutorial"),
            ROOT.resolve("training-spark/src/main/java/org/resnext4j/spark/examples"));
    private static final Pattern TAG = Pattern.compile("^\\s*// tag::([\\w-]+)\\[]\\s*$");

    /** Every tagged region of the tutorial sources, dedented, by "File.java#name". */
    private static Map<String, String> regions() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Path dir : SOURCES) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java"))
                        .sorted()
                        .toList()) {
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++) {
                        Matcher m = TAG.matcher(lines.get(i));
                        if (!m.matches()) {
                            continue;
                        }
                        String end = "// end::" + m.group(1) + "[]";
                        int j = i + 1;
                        while (j < lines.size() && !lines.get(j).trim().equals(end)) {
                            j++;
                        }
                        assertTrue(j < lines.size(), f + ": " + lines.get(i).trim() + " has no " + end);
                        out.put(f.getFileName() + "#" + m.group(1), dedent(lines.subList(i + 1, j)));
                    }
                }
            }
        }
        return out;
    }

    private static String dedent(List<String> lines) {
        int indent = lines.stream()
                .filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l.isBlank() ? "" : l.substring(indent).stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** The README's {@code ```java} blocks. */
    private static List<String> javaBlocks(List<String> readme) {
        List<String> blocks = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            if (readme.get(i).trim().equals("```java")) {
                int j = i + 1;
                while (j < readme.size() && !readme.get(j).trim().equals("```")) {
                    j++;
                }
                blocks.add(dedent(readme.subList(i + 1, j)));
                i = j;
            }
        }
        return blocks;
    }

    @Test
    void everyJavaBlockOfTheReadmeIsATaggedRegionOfATutorialProgram() throws IOException {
        Map<String, String> regions = regions();
        assertFalse(regions.isEmpty(), "no tagged regions in " + SOURCES);
        List<String> blocks = javaBlocks(Files.readAllLines(README));
        assertFalse(blocks.isEmpty(), "README.md has no ```java block");
        for (String block : blocks) {
            if (!regions.containsValue(block)) {
                fail("README.md's Java block starting \""
                        + block.lines().findFirst().orElse("")
                        + "\" is not a tagged region of a tutorial program (copy it from one of " + regions.keySet()
                        + ", or tag the code it shows)");
            }
        }
    }

    @Test
    void theReadmesTableRunsEveryTutorialProgram() throws IOException {
        String readme = Files.readString(README);
        for (Path dir : SOURCES) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java"))
                        .sorted()
                        .toList()) {
                    if (!Files.readString(f).contains("public static void main(")) {
                        continue;
                    }
                    String name = f.getFileName().toString().replace(".java", "");
                    Pattern command = Pattern.compile("-D(exec\\.mainClass|spark\\.main)=[\\w.]+\\." + name + "\\b");
                    assertTrue(command.matcher(readme).find(), "README.md has no command that runs " + name);
                }
            }
        }
    }
}
