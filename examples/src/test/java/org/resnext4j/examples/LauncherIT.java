package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The distribution {@code mvn package} makes ({@code target/resnext4j}): its {@code bin/resnext4j} script runs the
 * CLI from a shell with nothing but the distribution's own {@code lib/} (run by failsafe after {@code package}), and
 * a tutorial program runs from that {@code lib/} too.
 */
class LauncherIT {

    private static final Path LAUNCHER = Path.of("target", "resnext4j", "bin", "resnext4j");

    record Run(int code, String out, String err) {}

    private static Run launch(String... args) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(LAUNCHER), LAUNCHER.toAbsolutePath() + " is not there: run mvn package first");
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private static Run run(List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // the user's environment, not this JVM's class path
        pb.environment().remove("CLASSPATH");
        pb.environment().put("JAVA_OPTS", "-Xmx1g");
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not end in 120 s");
        }
        Run r = new Run(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    @Test
    void summaryOfResnet50() throws Exception {
        Run r = launch("summary", "resnet50");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Trainable parameters (torchvision's count):                25,557,032"), r.out());
        assertTrue(r.out().contains("layer4.2.conv3"), r.out());
    }

    @Test
    void versionHelpAndBadInput() throws Exception {
        Run version = launch("--version");
        assertEquals(0, version.code(), version.err());
        assertTrue(version.out().startsWith("resnext4j "), version.out());
        Run help = launch("train", "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().startsWith("Usage: resnext4j train"), help.out());
        Run bad = launch("summary", "resnet49");
        assertEquals(2, bad.code(), bad.out() + bad.err());
        assertTrue(
                bad.err().startsWith("error: ") && bad.err().contains("unknown model preset \"resnet49\""), bad.err());
    }

    @Test
    void aTutorialProgramRunsFromTheDistributionsClassPath() throws Exception {
        Path lib = LAUNCHER.getParent().getParent().resolve("lib");
        Run r = run(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                lib + "/*",
                "org.resnext4j.examples.tutorial.SplitVersusFusedForm",
                "--model",
                "tiny",
                "--size",
                "32",
                "--rounds",
                "1"));
        assertEquals(0, r.code(), r.out() + r.err());
        String line = r.out()
                .lines()
                .filter(l -> l.startsWith("logits: relative difference "))
                .findFirst()
                .orElseThrow(() -> new AssertionError(r.out()));
        double diff = Double.parseDouble(line.substring("logits: relative difference ".length()));
        assertTrue(diff < 1e-5, line);
    }
}
