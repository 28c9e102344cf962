package org.resnext4j.examples.tutorial;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The few command-line arguments a tutorial program takes: positional arguments, {@code --name value} options and
 * {@code --flag}s, parsed by picocli's programmatic API (the library the {@code resnext4j} command uses, here without
 * annotations so that each example stays a plain {@code main} a reader can copy); an unknown option or a value that
 * does not parse fails with a message naming it.
 */
final class Args {

    private final List<String> positional;
    private final Map<String, String> options = new LinkedHashMap<>();

    private Args(List<String> positional) {
        this.positional = List.copyOf(positional);
    }

    /**
     * @param args         the program's arguments
     * @param valueOptions options that take a value, e.g. {@code --epochs}
     * @param flags        options without a value, e.g. {@code --no-ui}
     * @throws IllegalArgumentException naming an unknown option, or an option without its value
     */
    static Args parse(String[] args, Set<String> valueOptions, Set<String> flags) {
        CommandSpec spec = CommandSpec.create();
        valueOptions.forEach(o -> spec.addOption(
                OptionSpec.builder(o).arity("1").type(String.class).build()));
        flags.forEach(f -> spec.addOption(
                OptionSpec.builder(f).arity("0").type(boolean.class).build()));
        spec.addPositional(
                PositionalParamSpec.builder().arity("0..*").type(String[].class).build());
        ParseResult parsed;
        try {
            parsed = new CommandLine(spec).parseArgs(args);
        } catch (UnmatchedArgumentException e) {
            Set<String> known = new TreeSet<>(valueOptions);
            known.addAll(flags);
            throw new IllegalArgumentException(
                    "unknown option " + e.getUnmatched().get(0) + ", expected one of " + known, e);
        } catch (MissingParameterException e) {
            String message = e.getMissing().get(0) instanceof OptionSpec o
                    ? o.longestName() + ": expected a value after it"
                    : e.getMessage();
            throw new IllegalArgumentException(message, e);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        String[] rest = parsed.matchedPositionalValue(0, new String[0]);
        Args a = new Args(List.of(rest));
        for (OptionSpec o : parsed.matchedOptions()) {
            a.options.put(o.longestName(), flags.contains(o.longestName()) ? "true" : o.getValue());
        }
        return a;
    }

    /** The positional arguments, in order. */
    List<String> positional() {
        return positional;
    }

    /** The {@code index}th positional argument as a path, or {@code fallback} when there are fewer. */
    Path path(int index, Path fallback) {
        return index < positional.size() ? Path.of(positional.get(index)) : fallback;
    }

    /** The value of {@code name}, or {@code fallback}. */
    String string(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    /** The value of {@code name} as a path, or {@code fallback}. */
    Path path(String name, Path fallback) {
        String v = options.get(name);
        return v == null ? fallback : Path.of(v);
    }

    /**
     * The value of {@code name} as a positive integer, or {@code fallback}.
     *
     * @throws IllegalArgumentException naming the option and the value when it is not one
     */
    int positiveInt(String name, int fallback) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + ": expected a positive integer, got '" + v + "'");
    }

    /**
     * The value of {@code name} as a positive number, or {@code fallback}.
     *
     * @throws IllegalArgumentException naming the option and the value when it is not one
     */
    double positiveNumber(String name, double fallback) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v);
            if (d > 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + ": expected a positive number, got '" + v + "'");
    }

    /** Whether the flag {@code name} was given. */
    boolean flag(String name) {
        return options.containsKey(name);
    }
}
