package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every subcommand answers {@code --help} with exit code 0 and its usage; {@code --version} names the version; and
 * {@code docs/cli.md} is exactly the usage text the commands print (regenerate it with
 * {@code mvn -pl examples test -Dtest=CliHelpTest -Dresnext4j.updateDocs=true}).
 */
class CliHelpTest {

    /** Every command, nested ones as {@code weights download}. */
    static List<String> subcommands() {
        List<String> names = new java.util.ArrayList<>();
        Cli.commandLine().getSubcommands().forEach((name, cl) -> {
            names.add(name);
            cl.getSubcommands().keySet().forEach(sub -> names.add(name + " " + sub));
        });
        return names;
    }

    @ParameterizedTest
    @MethodSource("subcommands")
    void helpOfEachSubcommandExitsZero(String command) {
        CliRunner.Result r = CliRunner.run((command + " --help").split(" "));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().startsWith("Usage: resnext4j " + command + " "), r.out());
        assertTrue(r.out().contains("-h, --help"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void topLevelHelpListsEveryCommandAndVersionNamesTheRelease() {
        CliRunner.Result help = CliRunner.run("--help");
        assertEquals(0, help.code());
        for (String c : Cli.commandLine().getSubcommands().keySet()) {
            assertTrue(help.out().contains("\n  " + c + " ") || help.out().contains("\n  " + c + "\n"), c);
        }
        CliRunner.Result version = CliRunner.run("--version");
        assertEquals(0, version.code());
        assertTrue(
                version.out()
                        .matches("resnext4j \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(Deeplearning4j 1\\.0\\.0-M2\\.1, "
                                + "Java .*\\)\\R"),
                version.out());
    }

    @Test
    void docsCliMdIsTheUsageTheCommandsPrint() throws IOException {
        Path doc =
                Path.of(System.getProperty("user.dir")).resolveSibling("docs").resolve("cli.md");
        String expected = usageDoc();
        if (Boolean.getBoolean("resnext4j.updateDocs")) {
            Files.writeString(doc, expected, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(doc), doc + " is missing");
        assertEquals(
                expected,
                Files.readString(doc, StandardCharsets.UTF_8),
                doc + " is out of date: run mvn -pl " + "examples test -Dtest=CliHelpTest -Dresnext4j.updateDocs=true");
    }

    /** The reference page: the top-level usage, then each command's, as {@code --help} prints them. */
    static String usageDoc() {
        CommandLine cl = Cli.commandLine();
        StringBuilder sb = new StringBuilder("# resnext4j command line\n\n")
                .append("Generated from the commands' `--help` (`CliHelpTest` checks that this page matches them).\n")
                .append("Run as `examples/target/resnext4j/bin/resnext4j COMMAND ...` after `mvn -DskipTests ")
                .append("package`.\n\n```\n")
                .append(cl.getUsageMessage(CommandLine.Help.Ansi.OFF))
                .append("```\n");
        cl.getSubcommands().forEach((name, sub) -> appendUsage(sb, name, sub));
        return sb.toString();
    }

    /** A command's usage, then its own subcommands' ({@code weights download}). */
    private static void appendUsage(StringBuilder sb, String name, CommandLine command) {
        sb.append("\n## ")
                .append(name)
                .append("\n\n```\n")
                .append(command.getUsageMessage(CommandLine.Help.Ansi.OFF))
                .append("```\n");
        command.getSubcommands().forEach((sub, cl) -> appendUsage(sb, name + " " + sub, cl));
    }
}
