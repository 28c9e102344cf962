package org.resnext4j.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The tutorial programs' argument parsing: values, flags, defaults, and errors that name the option. */
class ArgsTest {

    private static Args parse(String... args) {
        return Args.parse(args, Set.of("--epochs", "--lr", "--out"), Set.of("--no-ui"));
    }

    @Test
    void positionalValuesFlagsAndDefaults() {
        Args a = parse("data", "--epochs", "3", "--no-ui", "more.png", "--lr", "0.5");
        assertEquals(List.of("data", "more.png"), a.positional());
        assertEquals(Path.of("data"), a.path(0, null));
        assertEquals(Path.of("x"), a.path(2, Path.of("x")));
        assertEquals(3, a.positiveInt("--epochs", 9));
        assertEquals(0.5, a.positiveNumber("--lr", 1), 0);
        assertTrue(a.flag("--no-ui"));
        assertEquals(Path.of("runs"), a.path("--out", Path.of("runs")));
        assertFalse(parse().flag("--no-ui"));
        assertEquals(9, parse().positiveInt("--epochs", 9));
    }

    @Test
    void badInputIsNamed() {
        assertEquals(
                "unknown option --epoch, expected one of [--epochs, --lr, --no-ui, --out]",
                assertThrows(IllegalArgumentException.class, () -> parse("--epoch", "3"))
                        .getMessage());
        assertEquals(
                "--epochs: expected a value after it",
                assertThrows(IllegalArgumentException.class, () -> parse("--epochs"))
                        .getMessage());
        assertEquals(
                "--epochs: expected a positive integer, got '0'",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> parse("--epochs", "0").positiveInt("--epochs", 1))
                        .getMessage());
        assertEquals(
                "--lr: expected a positive number, got 'fast'",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> parse("--lr", "fast").positiveNumber("--lr", 1))
                        .getMessage());
    }
}
