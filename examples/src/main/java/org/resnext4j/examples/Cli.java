package org.resnext4j.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.resnext4j.datavec.ImageFolderException;
import org.resnext4j.ui.CheckpointException;
import org.resnext4j.ui.UiStartException;
import org.resnext4j.zoo.weights.WeightFileFormatException;
import org.resnext4j.zoo.weights.WeightsDownloadException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The resnext4j command line ({@code bin/resnext4j} of the distribution, or this class's {@code main}): picocli
 * subcommands, one small class each. Exit codes: 0 done, 2 bad input (one line {@code error: ...} naming the file or
 * option and what was expected, then where to find the usage), 1 an internal error (its stack trace follows),
 * 3/4/5 a weights download that failed on the network side / a downloaded file that failed its SHA-256 check / a
 * weights cache that cannot be written (one line {@code error: ...}, the downloader's sentence), 6 a prediction
 * over a folder that skipped some images (one {@code warning: ...} line each; the others were predicted), 130 stopped
 * by Ctrl-C.
 */
@Command(
        name = "resnext4j",
        mixinStandardHelpOptions = true,
        versionProvider = Cli.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "torchvision-grade ResNeXt and ResNet models for Deeplearning4j: train on an image folder, "
                + "evaluate, predict, summarise, import and export torchvision weights.",
        subcommands = {
            TrainCommand.class,
            EvaluateCommand.class,
            PredictCommand.class,
            QuantizeCommand.class,
            SummaryCommand.class,
            ImportWeightsCommand.class,
            ExportWeightsCommand.class,
            WeightsCommand.class,
            UiCommand.class,
            BenchCommand.class,
            TrainBenchCommand.class,
            RecipeBenchCommand.class
        },
        footer = {
            "",
            "Exit codes: 0 done, 1 internal error, 2 bad input (e.g. an unknown weights name), 3 weights download "
                    + "failed (HTTP status, host unreachable, network, offline without a cached file), 4 downloaded "
                    + "weights failed their SHA-256 check, 5 weights cache not writable or disk full, 6 predict skipped "
                    + "some images that cannot be decoded (the others were predicted), 130 stopped by Ctrl-C.",
            "Run 'resnext4j COMMAND --help' for a command's options."
        })
public final class Cli implements Callable<Integer> {

    /** Width of every usage text (fixed, so that docs/cli.md matches what --help prints). */
    static final int USAGE_WIDTH = 110;
    /** Exit code of bad input. */
    static final int BAD_INPUT = 2;
    /** Exit code of an internal error. */
    static final int INTERNAL_ERROR = 1;
    /** Exit code of a weights download that failed on the network side (also offline without a cached file). */
    static final int DOWNLOAD_FAILED = 3;
    /** Exit code of downloaded weights whose SHA-256 is not the expected one (or could not be checked). */
    static final int DIGEST_MISMATCH = 4;
    /** Exit code of a weights cache that cannot be written (disk full, permissions). */
    static final int CACHE_FAILED = 5;
    /** Exit code of a prediction over a folder that skipped some images (and predicted the others). */
    static final int SOME_SKIPPED = 6;
    /** Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it). */
    static final int INTERRUPTED = 130;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        // an application-wide choice, made here and not by the library: DL4J's oneDNN helpers for its own layers
        OneDnnHelpers.enableUnlessConfigured();
        System.exit(run(args));
    }

    @Override
    public Integer call() {
        throw new ParameterException(
                spec.commandLine(),
                "missing command: expected one of " + spec.subcommands().keySet());
    }

    /**
     * Runs one command line in this JVM, as {@code resnext4j ARGS...} does, printing to the current
     * {@code System.out} and {@code System.err}.
     *
     * @param args the command line, e.g. {@code "evaluate", "best.zip", "data/"}
     * @return the exit code (0 done, 1 internal error, 2 bad input, 3 weights download failed, 4 weights digest
     *     mismatch, 5 weights cache not writable or disk full, 6 predict skipped some images, 130 interrupted)
     */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with this project's error handling, printing to the current System.out and System.err. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Cli());
        cl.setOverwrittenOptionsAllowed(true); // the last of a repeated option wins, as in most tools
        cl.setOut(new PrintWriter(System.out, true));
        cl.setErr(new PrintWriter(System.err, true));
        // numbers are read by these converters so that a bad one is reported in words ("expected an integer")
        cl.registerConverter(Integer.class, Cli::parseInt).registerConverter(int.class, Cli::parseInt);
        cl.registerConverter(Long.class, Cli::parseLong).registerConverter(long.class, Cli::parseLong);
        cl.registerConverter(Double.class, Cli::parseDouble).registerConverter(double.class, Cli::parseDouble);
        cl.setParameterExceptionHandler(
                (e, args) -> badInput(e.getCommandLine(), unknownCommand(e).orElse(e.getMessage())));
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (isBadInput(e)) {
                return badInput(commandLine, message(e));
            }
            if (e instanceof WeightsDownloadException d) {
                commandLine.getErr().println("error: " + oneLine(d.getMessage()));
                return exitCode(d);
            }
            commandLine.getErr().println("error: internal error: " + e);
            e.printStackTrace(new PrintWriter(commandLine.getErr(), true));
            return INTERNAL_ERROR;
        });
        return cl;
    }

    /** The exit code of a weights download failure (documented in the usage's footer). */
    static int exitCode(WeightsDownloadException e) {
        return switch (e.reason()) {
            case HTTP_STATUS, UNREACHABLE, NETWORK, OFFLINE_NOT_CACHED -> DOWNLOAD_FAILED;
            case DIGEST_MISMATCH, NO_DIGEST -> DIGEST_MISMATCH;
            case DISK_FULL, CACHE_IO -> CACHE_FAILED;
        };
    }

    /** "unknown command" for an unmatched first argument of the top command, in place of picocli's wording. */
    private static Optional<String> unknownCommand(ParameterException e) {
        CommandSpec top = e.getCommandLine().getCommandSpec();
        if (e instanceof UnmatchedArgumentException u
                && top.parent() == null
                && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            return Optional.of("unknown command \"" + u.getUnmatched().get(0) + "\", expected one of "
                    + top.subcommands().keySet());
        }
        return Optional.empty();
    }

    private static Integer parseInt(String value) {
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("expected an integer, got \"" + value + "\"");
        }
    }

    private static Long parseLong(String value) {
        try {
            return Long.valueOf(value);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("expected an integer, got \"" + value + "\"");
        }
    }

    private static Double parseDouble(String value) {
        try {
            return Double.valueOf(value);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("expected a number, got \"" + value + "\"");
        }
    }

    private static int badInput(CommandLine commandLine, String message) {
        PrintWriter err = commandLine.getErr();
        err.println("error: " + oneLine(message));
        err.println("Run '" + commandLine.getCommandSpec().qualifiedName() + " --help' for usage.");
        return BAD_INPUT;
    }

    /**
     * Bad input: an unknown name or a bad number ({@link IllegalArgumentException}), a missing or unfit file or folder
     * (the libraries' input exceptions, a malformed weights file, a path that does not exist or cannot be read).
     */
    static boolean isBadInput(Throwable e) {
        return e instanceof IllegalArgumentException
                || e instanceof CheckpointException
                || e instanceof ImageFolderException
                || e instanceof UiStartException
                || e instanceof WeightFileFormatException
                || e instanceof NoSuchFileException
                || e instanceof AccessDeniedException;
    }

    /** The message of a bad-input exception, in words (no exception class names). */
    static String message(Throwable e) {
        if (e instanceof NoSuchFileException f) {
            return f.getFile() + " does not exist" + (f.getReason() == null ? "" : " (" + f.getReason() + ")");
        }
        if (e instanceof AccessDeniedException f) {
            return f.getFile() + ": permission denied";
        }
        return String.valueOf(e.getMessage());
    }

    private static String oneLine(String message) {
        return message == null
                ? "(no message)"
                : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** {@code --version}: this project's version (filtered in by Maven) and DL4J's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Cli.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {
                "resnext4j " + p.getProperty("version", "(unknown)") + " (Deeplearning4j "
                        + p.getProperty("dl4j.version", "(unknown)") + ", Java " + System.getProperty("java.version")
                        + ")"
            };
        }
    }
}
