package org.resnext4j.datavec;

/** SplitMix64-based seed derivation: fixed arithmetic, identical on every JVM and machine. */
final class Seeds {

    private Seeds() {}

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A seed derived from a base seed and any number of indices (class, epoch, position...). */
    static long derive(long seed, long... parts) {
        long h = mix64(seed);
        for (long p : parts) {
            h = mix64(h + 0x9E3779B97F4A7C15L * (p + 1));
        }
        return h;
    }

    /** Fisher-Yates shuffle with {@link java.util.Random}, whose algorithm is specified by the JDK. */
    static void shuffle(int[] a, long seed) {
        java.util.Random r = new java.util.Random(seed);
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
