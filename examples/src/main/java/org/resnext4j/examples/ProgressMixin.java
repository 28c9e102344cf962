package org.resnext4j.examples;

import picocli.CommandLine.Option;

/** {@code --quiet}: no progress bars (they are off anyway when the output is not a terminal). */
final class ProgressMixin {

    @Option(
            names = {"-q", "--quiet"},
            description = "no progress bars (also off when the output is not a terminal)")
    boolean quiet;

    /** @return whether progress bars are drawn: not quiet, and standard output and error on a terminal */
    boolean enabled() {
        return !quiet && Progress.interactive();
    }
}
