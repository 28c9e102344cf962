package org.resnext4j.datavec;

/**
 * A train/validation pair of {@link ImageFolder}s with the same class names, from
 * {@link ImageFolder#split(double, long)} or from two roots.
 *
 * @param train              the training subset
 * @param validation         the validation subset
 * @param validationFraction the fraction requested, or {@code NaN} for two separate roots
 * @param seed               the split seed ({@code 0} for two separate roots)
 */
public record DatasetSplit(ImageFolder train, ImageFolder validation, double validationFraction, long seed) {

    /**
     * Pairs a training and a validation folder scanned separately, checking they have the
     * same classes.
     *
     * @param train      the training folder
     * @param validation the validation folder
     * @return the pair
     * @throws ImageFolderException if the class folders differ
     */
    public static DatasetSplit ofRoots(ImageFolder train, ImageFolder validation) {
        train.requireSameClasses(validation);
        return new DatasetSplit(train, validation, Double.NaN, 0L);
    }
}
