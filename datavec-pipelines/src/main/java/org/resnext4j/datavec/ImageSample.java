package org.resnext4j.datavec;

import java.nio.file.Path;

/**
 * One image of an {@link ImageFolder}.
 *
 * @param file         the image file
 * @param relativePath the path below the data set root with {@code /} separators
 *                     ({@code "cat/001.jpg"}), the machine-independent identity used for sorting
 *                     and splitting
 * @param label        the class index: position of the class folder in the sorted class names
 */
public record ImageSample(Path file, String relativePath, int label) {}
