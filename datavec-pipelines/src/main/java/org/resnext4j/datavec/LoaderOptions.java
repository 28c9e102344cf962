package org.resnext4j.datavec;

import java.util.Objects;

/**
 * The loading options that {@link ImageFolder.Builder}, {@link ImageFolderIterator.Builder},
 * {@link ImageFolderRecordReader.Builder} and {@link ImageFolderPipeline.Builder} share, with their defaults and their
 * checks written once. Each builder holds one and delegates its setters here (a builder offers only the options that
 * concern it); the pipeline hands its own to the folder scans and iterators it builds, so every option travels
 * unchanged from the setter the user called to the object that uses it.
 *
 * <p>Defaults: seed as the owning builder says, no shuffle, batch 32, prefetch 2 batches on
 * {@code max(1, min(4, cores / 2))} workers, lenient, {@link ImageFolder.Verification#HEADER}, {@link ImageIoDecoder}.
 */
final class LoaderOptions {

    private long seed;
    private boolean shuffle;
    private int batchSize = 32;
    private int prefetchBatches = 2;
    private int workers = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    private boolean strict;
    private ImageFolder.Verification verification = ImageFolder.Verification.HEADER;
    private ImageDecoder decoder;

    /** @param seed the default seed of the owning builder (0, or the pipeline's 123) */
    LoaderOptions(long seed) {
        this.seed = seed;
    }

    long seed() {
        return seed;
    }

    void seed(long seed) {
        this.seed = seed;
    }

    boolean shuffle() {
        return shuffle;
    }

    void shuffle(boolean shuffle) {
        this.shuffle = shuffle;
    }

    int batchSize() {
        return batchSize;
    }

    void batchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        this.batchSize = batchSize;
    }

    int prefetchBatches() {
        return prefetchBatches;
    }

    void prefetchBatches(int prefetchBatches) {
        if (prefetchBatches < 0) {
            throw new IllegalArgumentException("prefetchBatches must be >= 0, got " + prefetchBatches);
        }
        this.prefetchBatches = prefetchBatches;
    }

    int workers() {
        return workers;
    }

    void workers(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        this.workers = workers;
    }

    boolean strict() {
        return strict;
    }

    void strict(boolean strict) {
        this.strict = strict;
    }

    ImageFolder.Verification verification() {
        return verification;
    }

    void verification(ImageFolder.Verification verification) {
        this.verification = Objects.requireNonNull(verification, "verification");
    }

    /** @return the decoder set, or else one {@link ImageIoDecoder} made on first use (builders that never decode make none) */
    ImageDecoder decoder() {
        if (decoder == null) {
            decoder = new ImageIoDecoder();
        }
        return decoder;
    }

    void decoder(ImageDecoder decoder) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
    }

    /**
     * Checks a validation fraction, for {@link ImageFolder#split(double, long)} and the pipeline's setter.
     *
     * @param fraction the fraction of each class for validation
     * @return the fraction, when in (0, 1)
     */
    static double validationFraction(double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + fraction);
        }
        return fraction;
    }
}
