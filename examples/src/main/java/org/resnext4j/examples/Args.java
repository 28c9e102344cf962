package org.resnext4j.examples;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Minimal {@code --name value} / {@code --flag} / positional argument parsing with errors naming the argument. */
final class Args {

    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new LinkedHashMap<>();
    private final Set<String> used = new HashSet<>();

    private Args() {
    }

    static Args parse(String[] args) {
        Args a = new Args();
        for (int i = 0; i < args.length; i++) {
            String s = args[i];
            if (s.startsWith("--")) {
                int eq = s.indexOf('=');
                if (eq > 0) {
                    a.options.put(s.substring(0, eq), s.substring(eq + 1));
                } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    a.options.put(s, args[++i]);
                } else {
                    a.options.put(s, "true");
                }
            } else {
                a.positional.add(s);
            }
        }
        return a;
    }

    String positional(int index, String name) {
        if (index >= positional.size()) {
            throw new IllegalArgumentException("missing argument <" + name + ">");
        }
        used.add("#" + index);
        return positional.get(index);
    }

    String option(String name, String dflt) {
        used.add(name);
        return options.getOrDefault(name, dflt);
    }

    int intOption(String name, int dflt) {
        String v = option(name, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected an integer, got \"" + v + "\"");
        }
    }

    double doubleOption(String name, double dflt) {
        String v = option(name, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected a number, got \"" + v + "\"");
        }
    }

    /** An integer option that must be at least {@code min}. */
    int intOption(String name, int dflt, int min) {
        int v = intOption(name, dflt);
        if (v < min) {
            throw new IllegalArgumentException(name + ": expected an integer >= " + min + ", got " + v);
        }
        return v;
    }

    /** A number option that must lie in the open interval {@code (lo, hi)}; {@code hi} may be infinite. */
    double doubleOption(String name, double dflt, double lo, double hi) {
        double v = doubleOption(name, dflt);
        if (!(v > lo && v < hi)) {
            throw new IllegalArgumentException(name + ": expected a number " + (Double.isInfinite(hi)
                    ? "> " + lo : "between " + lo + " and " + hi + " (exclusive)") + ", got " + v);
        }
        return v;
    }

    /** A long option (e.g. a seed). */
    long longOption(String name, long dflt) {
        String v = option(name, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected an integer, got \"" + v + "\"");
        }
    }

    /** One of a fixed set of words. */
    String choice(String name, String dflt, String... allowed) {
        String v = option(name, dflt);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new IllegalArgumentException(name + ": expected one of " + java.util.Arrays.toString(allowed)
                + ", got \"" + v + "\"");
    }

    /** The options given, in order. */
    Set<String> optionNames() {
        return options.keySet();
    }

    /** Whether the option was given at all. */
    boolean has(String name) {
        return options.containsKey(name);
    }

    /** A flag: given or not ({@code --flag=false} also works); a value after it is an error, not swallowed. */
    boolean flag(String name) {
        String v = option(name, "false");
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(name + " takes no value, got \"" + v + "\"");
        }
        return Boolean.parseBoolean(v);
    }

    /** Fails on any option or positional argument that no command read. */
    void requireAllUsed() {
        for (String o : options.keySet()) {
            if (!used.contains(o)) {
                throw new IllegalArgumentException("unknown option " + o);
            }
        }
        for (int i = 0; i < positional.size(); i++) {
            if (!used.contains("#" + i)) {
                throw new IllegalArgumentException("unexpected argument \"" + positional.get(i) + "\"");
            }
        }
    }
}
