package org.resnext4j.examples;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The resnext4j command line: {@code <command> [arguments]}. Each command is a small class of its own; this class
 * only dispatches and turns a bad argument into a one-line error and exit code 2.
 */
public final class Cli {

    /** A subcommand. */
    interface Command {
        String usage();

        void run(String[] args) throws Exception;
    }

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("summary", new SummaryCommand());
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
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: " + command.usage());
            return 2;
        } catch (Exception e) {
            System.err.println("error: " + e);
            return 1;
        }
    }

    static String usage() {
        StringBuilder sb = new StringBuilder("usage: <command> [arguments]\ncommands:\n");
        COMMANDS.forEach((name, c) -> sb.append("  ").append(c.usage()).append('\n'));
        return sb.toString();
    }
}
