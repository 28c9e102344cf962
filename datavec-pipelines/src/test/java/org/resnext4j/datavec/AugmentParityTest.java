package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Augmentation parity with torchvision 0.14 (Pillow 9.4) on the committed fixtures of
 * {@code tools/make_augment_fixtures.py}: every operation of {@code _apply_op} at fixed magnitudes of both signs
 * (with the default and a given fill), Pillow's rotation fast paths, {@code adjust_hue}, ColorJitter's four
 * adjustments in fixed orders with fixed factors, {@code F.erase} with fixed boxes, and the magnitude bins of both
 * policies. All comparisons are EXACT (every byte, every float): each operation reproduces Pillow's own rounding,
 * so no tolerance is needed anywhere.
 */
class AugmentParityTest {

    private static final int[] NO_FILL = {0, 0, 0};

    private static byte[] blob;
    private static final Map<String, RgbImage> INPUTS = new HashMap<>();
    private static final List<String[]> CASES = new ArrayList<>();

    @BeforeAll
    static void load() throws IOException {
        blob = gunzip("/augment/images.bin.gz");
        for (String line : lines("/augment/cases.tsv")) {
            String[] f = line.split("\t");
            CASES.add(f);
            if (f[2].equals("Input")) {
                INPUTS.put(f[1], image(f));
            }
        }
    }

    private static byte[] gunzip(String resource) throws IOException {
        try (InputStream in = new GZIPInputStream(AugmentParityTest.class.getResourceAsStream(resource))) {
            return in.readAllBytes();
        }
    }

    private static List<String> lines(String resource) throws IOException {
        try (InputStream in = AugmentParityTest.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> !l.startsWith("#") && !l.isBlank())
                    .toList();
        }
    }

    private static RgbImage image(String[] f) {
        int offset = Integer.parseInt(f[5]);
        int w = Integer.parseInt(f[6]);
        int h = Integer.parseInt(f[7]);
        return new RgbImage(w, h, Arrays.copyOfRange(blob, offset, offset + w * h * 3));
    }

    private static RgbImage javaResult(String[] f) {
        RgbImage in = INPUTS.get(f[1]);
        int[] fill = f[4].equals("-")
                ? NO_FILL
                : Arrays.stream(f[4].split(",")).mapToInt(Integer::parseInt).toArray();
        return switch (f[2]) {
            case "Hue" -> AugmentOps.hue(in, Double.parseDouble(f[3]));
            case "ColorJitter" -> {
                String[] parts = f[3].split(";");
                double[] factors = Arrays.stream(parts[0].split(","))
                        .mapToDouble(Double::parseDouble)
                        .toArray();
                int[] order = Arrays.stream(parts[1].split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
                yield ColorJitter.apply(in, order, factors);
            }
            default -> AutoAugment.apply(in, AutoAugment.Op.ofTorchName(f[2]), Double.parseDouble(f[3]), fill);
        };
    }

    @Test
    void everyOperationIsPixelExact() {
        List<String> failures = new ArrayList<>();
        Set<AutoAugment.Op> covered = EnumSet.noneOf(AutoAugment.Op.class);
        int compared = 0;
        for (String[] f : CASES) {
            if (f[2].equals("Input")) {
                continue;
            }
            RgbImage expected = image(f);
            RgbImage actual = javaResult(f);
            compared++;
            if (!f[2].equals("Hue") && !f[2].equals("ColorJitter")) {
                covered.add(AutoAugment.Op.ofTorchName(f[2]));
            }
            int differing = 0;
            int maxDiff = 0;
            for (int i = 0; i < expected.pixels().length; i++) {
                int d = Math.abs((expected.pixels()[i] & 0xFF) - (actual.pixels()[i] & 0xFF));
                if (d != 0) {
                    differing++;
                    maxDiff = Math.max(maxDiff, d);
                }
            }
            if (differing > 0) {
                failures.add(f[0] + ": " + differing + " values differ, max " + maxDiff);
            }
        }
        assertEquals(EnumSet.allOf(AutoAugment.Op.class), covered, "every operation has fixtures");
        assertEquals(95, compared, "fixture cases");
        assertTrue(failures.isEmpty(), "differences from torchvision:\n" + String.join("\n", failures));
    }

    @Test
    void fixturesShowEveryOperationAtWork() {
        // a fixture that leaves the image unchanged would prove nothing: all but Identity and the neutral
        // magnitudes (Posterize 8 bits, Solarize above the image's largest value 235) change pixels
        RgbImage in = INPUTS.get("rect");
        for (String[] f : CASES) {
            boolean neutral = f[2].equals("Input")
                    || f[2].equals("Identity")
                    || (f[2].equals("Posterize") && f[3].equals("8.0"))
                    || (f[2].equals("Solarize") && Double.parseDouble(f[3]) > 235)
                    || f[1].equals("square");
            if (!neutral) {
                assertFalse(Arrays.equals(in.pixels(), image(f).pixels()), f[0] + " changes the image");
            }
        }
    }

    @Test
    void binsAreTorchvisionsFloat32Values() throws IOException {
        int rows = 0;
        for (String line : lines("/augment/bins.tsv")) {
            String[] f = line.split("\t");
            AutoAugment policy = AutoAugment.of(f[0]);
            AutoAugment.Op op = AutoAugment.Op.ofTorchName(f[3]);
            float[] expected = new float[f.length - 5];
            for (int i = 5; i < f.length; i++) {
                expected[i - 5] = (float) Double.parseDouble(f[i]);
            }
            assertEquals(Boolean.parseBoolean(f[4]), op.signed(), f[3] + " signed");
            assertArrayEquals(
                    expected,
                    policy.bins(op, Integer.parseInt(f[1]), Integer.parseInt(f[2])),
                    f[0] + " " + f[3] + " " + f[1] + "x" + f[2]);
            rows++;
        }
        assertEquals(56, rows, "two policies x 14 operations x 2 sizes");
    }

    @Test
    void policiesDrawFromTheBinsAndApplyTheDrawnOperations() {
        RgbImage in = INPUTS.get("rect");
        for (AutoAugment policy : List.of(AutoAugment.trivialAugmentWide(), AutoAugment.randAugment())) {
            Set<AutoAugment.Op> seen = EnumSet.noneOf(AutoAugment.Op.class);
            int negative = 0;
            for (long seed = 0; seed < 600; seed++) {
                List<AutoAugment.Choice> choices = policy.choose(in.width(), in.height(), new SplittableRandom(seed));
                boolean trivial = policy.policy() == AutoAugment.Policy.TRIVIAL_AUGMENT_WIDE;
                assertEquals(trivial ? 1 : 2, choices.size(), policy + " operations per image");
                RgbImage expected = in;
                for (AutoAugment.Choice c : choices) {
                    seen.add(c.op());
                    float[] bins = policy.bins(c.op(), in.width(), in.height());
                    double m = Math.abs(c.magnitude());
                    if (bins.length == 0) {
                        assertEquals(0.0, c.magnitude(), c.op() + " has no magnitude");
                    } else if (trivial) {
                        boolean inBins = false;
                        for (float b : bins) {
                            inBins |= b == m;
                        }
                        assertTrue(inBins, c.op() + " magnitude " + m + " is one of the bins");
                    } else {
                        assertEquals(bins[9], m, c.op() + " RandAugment's magnitude is bin 9");
                    }
                    if (c.magnitude() < 0) {
                        assertTrue(c.op().signed(), c.op() + " is signed");
                        negative++;
                    }
                    expected = AutoAugment.apply(expected, c.op(), c.magnitude(), NO_FILL);
                }
                assertArrayEquals(
                        expected.pixels(),
                        policy.augment(in, new SplittableRandom(seed)).pixels(),
                        policy + " " + seed);
            }
            assertEquals(EnumSet.allOf(AutoAugment.Op.class), seen, policy + " draws every operation");
            assertTrue(negative > 100, policy + " negates signed magnitudes half of the time: " + negative);
        }
    }

    @Test
    void eraseIsTorchvisionsErase() throws IOException {
        float[] all = toFloats(gunzip("/augment/erase.bin.gz"));
        int n = 3 * 29 * 37;
        float[] input = Arrays.copyOf(all, n);
        for (String line : lines("/augment/erase.tsv")) {
            String[] f = line.split("\t");
            int[] box = {Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4])
            };
            int offset = Integer.parseInt(f[6]);
            float[] actual = input.clone();
            RandomErasing.erase(actual, 0, 3, 29, 37, box, Float.parseFloat(f[5]));
            assertArrayEquals(Arrays.copyOfRange(all, offset, offset + n), actual, f[0]);
        }
    }

    private static float[] toFloats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
