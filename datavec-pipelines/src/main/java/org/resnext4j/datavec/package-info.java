/**
 * DataVec image pipelines for folder-per-class data sets ({@code root/<class>/<image>}), the
 * Java counterpart of torchvision's {@code ImageFolder} and Keras'
 * {@code image_dataset_from_directory}.
 *
 * <ul>
 *   <li>{@link org.resnext4j.datavec.ImageFolderPipeline}: one call from a folder to a
 *       training and a validation {@code DataSetIterator}, class names and the preprocessing
 *       description;</li>
 *   <li>{@link org.resnext4j.datavec.ImageFolder}: the scan (sorted class folders, image
 *       files, bad-file handling), the seeded stratified split, and
 *       {@link org.resnext4j.datavec.ImageFolderReport};</li>
 *   <li>{@link org.resnext4j.datavec.EvalTransform} and
 *       {@link org.resnext4j.datavec.TrainTransform}: torchvision's evaluation and training
 *       transforms, resampling as Pillow does;</li>
 *   <li>{@link org.resnext4j.datavec.ImageFolderIterator}: batches {@code [N, 3, H, W]} float32
 *       RGB with one-hot labels, per-epoch reshuffle, prefetch on worker threads;</li>
 *   <li>{@link org.resnext4j.datavec.PreprocessingConfig} and
 *       {@link org.resnext4j.datavec.ImagePreprocessor}: a model's input contract and
 *       single-image preprocessing for prediction.</li>
 * </ul>
 *
 * <p>This package depends on DataVec and ND4J only, never on model classes.
 */
package org.resnext4j.datavec;
