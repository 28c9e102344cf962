package org.resnext4j.examples;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.resnext4j.datavec.ImageFolderException;
import org.resnext4j.ui.CheckpointException;
import org.resnext4j.ui.UiStartException;

/**
 * The resnext4j command line: {@code <command> [arguments]}. Each command is a small class of its own; this class
 * only dispatches and turns a bad argument into a one-line error and exit code 2.
 */
public final class Cli {

    /** A subcommand; {@link IllegalArgumentException} (and the libraries' input exceptions) mean bad input. */
    interface Command {
        String usage();

        void run(String[] args) throws Exception;
    }

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("train", new TrainCommand());
        COMMANDS.put("evaluate", new EvaluateCommand());
        COMMANDS.put("predict", new PredictCommand());
        COMMANDS.put("summary", new SummaryCommand());
        COMMANDS.put("import-weights", new ImportWeightsCommand());
        COMMANDS.put("export-weights", new ExportWeightsCommand());
        COMMANDS.put("ui", new UiCommand());
        COMMANDS.put("bench", new BenchCommand());
    }

    private Cli() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line; returns the process exit code. */
    static int run(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            System.out.println(usage());
            return args.length == 0 ? 2 : 0;
        }
        Command command = COMMANDS.get(args[0]);
        if (command == null) {
            System.err.println("error: unknown command \"" + args[0] + "\", expected one of " + COMMANDS.keySet());
            return 2;
        }
        try {
            command.run(Arrays.copyOfRange(args, 1, args.length));
            return 0;
        } catch (IllegalArgumentException | CheckpointException | ImageFolderException | UiStartException e) {
            // bad input: a missing or unfit file or folder, an unknown name, a bad number
            System.err.println("error: " + oneLine(e.getMessage()));
            System.err.println("usage: " + command.usage());
            return 2;
        } catch (Exception e) {
            System.err.println("error: " + oneLine(String.valueOf(e)));
            return 1;
        }
    }

    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    static String usage() {
        StringBuilder sb = new StringBuilder("usage: <command> [arguments]\ncommands:\n");
        COMMANDS.forEach((name, c) -> sb.append("  ").append(c.usage()).append('\n'));
        return sb.toString();
    }
}
