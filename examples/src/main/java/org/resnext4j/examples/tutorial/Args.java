package org.resnext4j.examples.tutorial;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The few command-line arguments a tutorial program takes: positional arguments, {@code --name value} options and
 * {@code --flag}s. Written by hand rather than with picocli (which the {@code resnext4j} command uses) so that each
 * example stays a plain {@code main} a reader can copy without annotations; an unknown option or a value that does not
 * parse fails with a message naming it.
 */
final class Args {

    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new LinkedHashMap<>();

    private Args() {}

    /**
     * @param args         the program's arguments
     * @param valueOptions options that take a value, e.g. {@code --epochs}
     * @param flags        options without a value, e.g. {@code --no-ui}
     * @throws IllegalArgumentException naming an unknown option, or an option without its value
     */
    static Args parse(String[] args, Set<String> valueOptions, Set<String> flags) {
        Args a = new Args();
        for (int i = 0; i < args.length; i++) {
            String s = args[i];
            if (!s.startsWith("--")) {
                a.positional.add(s);
            } else if (flags.contains(s)) {
                a.options.put(s, "true");
            } else if (valueOptions.contains(s)) {
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException(s + ": expected a value after it");
                }
                a.options.put(s, args[++i]);
            } else {
                Set<String> known = new TreeSet<>(valueOptions);
                known.addAll(flags);
                throw new IllegalArgumentException("unknown option " + s + ", expected one of " + known);
            }
        }
        return a;
    }

    /** The positional arguments, in order. */
    List<String> positional() {
        return List.copyOf(positional);
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
