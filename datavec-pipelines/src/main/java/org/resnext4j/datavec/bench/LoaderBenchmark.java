package org.resnext4j.datavec.bench;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.deeplearning4j.datasets.iterator.AsyncDataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.resnext4j.datavec.AutoAugment;
import org.resnext4j.datavec.ColorJitter;
import org.resnext4j.datavec.DataVecImageDecoder;
import org.resnext4j.datavec.EvalTransform;
import org.resnext4j.datavec.ImageDecoder;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.datavec.ImageFolderIterator;
import org.resnext4j.datavec.ImageFolderRecordReader;
import org.resnext4j.datavec.ImageIoDecoder;
import org.resnext4j.datavec.ImageTransform;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.RandomErasing;
import org.resnext4j.datavec.RgbImage;
import org.resnext4j.datavec.TrainTransform;

/**
 * Loader throughput benchmark: images per second delivered as 224x224 batches from JPEG files,
 * with and without prefetch, for the evaluation and the training transform.
 *
 * <p>It writes its own JPEGs (default 128 images of 500x375, quality 0.9, 2 classes) into a
 * temporary folder, runs one warm-up epoch per configuration, times the following epochs and
 * deletes the folder. Configurations: decoding alone (ImageIO, DataVec); iterators with
 * prefetch 0 (calling thread), prefetch 2 with 1 worker, prefetch 4 with 2 workers; and the
 * same with a simulated training step (the consumer sleeps per batch), which shows how much
 * decoding prefetch hides; and the DataVec path, {@link ImageFolderRecordReader} through
 * {@code RecordReaderDataSetIterator}, on the calling thread and behind DL4J's
 * {@code AsyncDataSetIterator} (one prefetch thread, what {@code fit} adds).
 *
 * <p>With {@code --augmentations}, it also measures what torchvision's recipe augmentations cost at 224 px: each
 * operation of {@link AutoAugment} (at bin 15 of TrivialAugmentWide's 31, positive sign), the two policies,
 * {@link ColorJitter}{@code (0.4, 0.4, 0.4, 0.1)} and {@link RandomErasing} alone on one thread in microseconds per
 * image (on 224x224 crops of the decoded JPEGs), then the iterator with 2 workers and prefetch 4 (the 2-core loader)
 * for the training transform with each of them added, with and without the simulated training step.
 *
 * <pre>
 * java -cp ... org.resnext4j.datavec.bench.LoaderBenchmark [images] [width] [height] [epochs] [stepMillis]
 *     [--augmentations]
 * </pre>
 */
public final class LoaderBenchmark {

    private static final int SIZE = 224;
    private static final int BATCH = 16;

    private LoaderBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args optional: images, width, height, timed epochs, simulated step milliseconds per batch
     * @throws Exception on I/O errors
     */
    public static void main(String[] allArgs) throws Exception {
        boolean augmentations = Arrays.asList(allArgs).contains("--augmentations");
        String[] args =
                Arrays.stream(allArgs).filter(a -> !a.equals("--augmentations")).toArray(String[]::new);
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int width = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int height = args.length > 2 ? Integer.parseInt(args[2]) : 375;
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int stepMillis = args.length > 4 ? Integer.parseInt(args[4]) : 200;
        Path dir = Files.createTempDirectory("loader-bench");
        try {
            long bytes = generate(dir, images, width, height);
            System.out.printf(
                    "LoaderBenchmark: %d JPEGs %dx%d (%.1f KB avg), output %dx%d, batch %d, %d cores, %s%n",
                    images,
                    width,
                    height,
                    bytes / 1024.0 / images,
                    SIZE,
                    SIZE,
                    BATCH,
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.vm.version"));
            ImageFolder folder = ImageFolder.scan(dir);
            for (ImageDecoder d : new ImageDecoder[] {new ImageIoDecoder(), new DataVecImageDecoder()}) {
                decodeOnly(folder, d, epochs);
            }
            if (augmentations) {
                augmentationCosts(folder);
                TrainTransform base = TrainTransform.imagenet(SIZE);
                TrainTransform[] withExtras = {
                    base,
                    base.withAutoAugment(AutoAugment.trivialAugmentWide()),
                    base.withAutoAugment(AutoAugment.randAugment()),
                    base.withColorJitter(JITTER),
                    base.withRandomErasing(RandomErasing.of(0.25)),
                    base.withAutoAugment(AutoAugment.trivialAugmentWide()).withRandomErasing(RandomErasing.of(0.1)),
                };
                for (int step : new int[] {0, stepMillis}) {
                    for (TrainTransform t : withExtras) {
                        run(folder, t, 4, 2, epochs, step);
                    }
                }
                return;
            }
            ImageTransform eval = EvalTransform.imagenet(SIZE);
            ImageTransform train = TrainTransform.imagenet(SIZE);
            int[][] configs = {{0, 1}, {2, 1}, {4, 2}};
            for (int step : new int[] {0, stepMillis}) {
                for (ImageTransform t : new ImageTransform[] {eval, train}) {
                    for (int[] c : configs) {
                        run(folder, t, c[0], c[1], epochs, step);
                    }
                    for (boolean async : new boolean[] {false, true}) {
                        runRecordReader(folder, t, async, epochs, step);
                    }
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** torchvision's common ImageNet jitter strengths. */
    private static final ColorJitter JITTER = new ColorJitter(0.4, 0.4, 0.4, 0.1);

    /** Microseconds per 224x224 image of each augmentation alone, on one thread. */
    private static void augmentationCosts(ImageFolder folder) throws IOException {
        ImageDecoder decoder = new ImageIoDecoder();
        TrainTransform crop = TrainTransform.imagenet(SIZE);
        int n = Math.min(32, folder.size());
        RgbImage[] crops = new RgbImage[n];
        for (int i = 0; i < n; i++) {
            crops[i] = crop.augment(decoder.decode(folder.samples().get(i).file()), new SplittableRandom(i));
        }
        AutoAugment wide = AutoAugment.trivialAugmentWide();
        int[] fill = {0, 0, 0};
        for (AutoAugment.Op op : AutoAugment.Op.values()) {
            float[] bins = wide.bins(op, SIZE, SIZE);
            double m = bins.length == 0 ? 0.0 : bins[15];
            timeAugmentation(op.torchName() + " " + m, crops, (img, r) -> AutoAugment.apply(img, op, m, fill));
        }
        timeAugmentation("TrivialAugmentWide", crops, wide::augment);
        timeAugmentation("RandAugment(2, 9)", crops, AutoAugment.randAugment()::augment);
        timeAugmentation(JITTER.toString(), crops, JITTER::apply);
        RandomErasing erasing = RandomErasing.of(1.0);
        float[] tensor = new float[3 * SIZE * SIZE];
        timeAugmentation("ToTensor+Normalize (for scale)", crops, (img, r) -> {
            ImageTransform.toTensor(img, Normalization.IMAGENET, false, tensor, 0);
            return img;
        });
        timeAugmentation("RandomErasing(p=1)", crops, (img, r) -> {
            erasing.apply(tensor, 0, 3, SIZE, SIZE, r);
            return img;
        });
    }

    private static void timeAugmentation(
            String name, RgbImage[] crops, java.util.function.BiFunction<RgbImage, SplittableRandom, RgbImage> f) {
        SplittableRandom r = new SplittableRandom(7);
        long sink = 0;
        for (RgbImage img : crops) {
            sink += f.apply(img, r).pixels()[0];
        }
        int rounds = 5;
        long t0 = System.nanoTime();
        for (int k = 0; k < rounds; k++) {
            for (RgbImage img : crops) {
                sink += f.apply(img, r).pixels()[0];
            }
        }
        double micros = (System.nanoTime() - t0) / 1e3 / (rounds * crops.length);
        System.out.printf("  augment only    %-50s %8.0f us/img%s%n", name, micros, sink == Long.MIN_VALUE ? "!" : "");
    }

    private static long generate(Path dir, int images, int w, int h) throws IOException {
        Random r = new Random(1);
        long total = 0;
        for (int i = 0; i < images; i++) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setPaint(new GradientPaint(0, 0, new Color(r.nextInt()), w, h, new Color(r.nextInt())));
            g.fillRect(0, 0, w, h);
            for (int k = 0; k < 40; k++) {
                g.setColor(new Color(r.nextInt()));
                g.fillOval(r.nextInt(w), r.nextInt(h), 10 + r.nextInt(w / 3), 10 + r.nextInt(h / 3));
            }
            g.dispose();
            for (int y = 0; y < h; y += 2) {
                for (int x = 0; x < w; x += 2) {
                    img.setRGB(x, y, img.getRGB(x, y) ^ r.nextInt(16));
                }
            }
            Path f = dir.resolve("class" + (i % 2)).resolve(String.format("img%04d.jpg", i));
            Files.createDirectories(f.getParent());
            ImageIO.write(img, "jpeg", f.toFile());
            total += Files.size(f);
        }
        return total;
    }

    private static void decodeOnly(ImageFolder folder, ImageDecoder decoder, int epochs) throws IOException {
        for (int i = 0; i < folder.size(); i++) {
            decoder.decode(folder.samples().get(i).file());
        }
        long t0 = System.nanoTime();
        for (int e = 0; e < epochs; e++) {
            for (int i = 0; i < folder.size(); i++) {
                decoder.decode(folder.samples().get(i).file());
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                "  decode only     %-20s                      %8.1f img/s%n", decoder, epochs * folder.size() / s);
    }

    private static void run(ImageFolder folder, ImageTransform t, int prefetch, int workers, int epochs, int stepMillis)
            throws InterruptedException {
        try (ImageFolderIterator it = ImageFolderIterator.builder(folder)
                .transform(t)
                .batchSize(BATCH)
                .shuffle(true)
                .seed(1)
                .prefetchBatches(prefetch)
                .workers(workers)
                .build()) {
            report(
                    t,
                    String.format("prefetch %d, workers %d,", prefetch, workers),
                    stepMillis,
                    imagesPerSecond(it, epochs, stepMillis));
        }
    }

    private static void runRecordReader(ImageFolder folder, ImageTransform t, boolean async, int epochs, int stepMillis)
            throws Exception {
        ImageFolderRecordReader reader =
                ImageFolderRecordReader.builder(t).seed(1).shuffle(true).build();
        reader.initialize(folder.inputSplit());
        DataSetIterator base = reader.iterator(BATCH);
        DataSetIterator it = async ? new AsyncDataSetIterator(base, 2, true) : base;
        try {
            report(
                    t,
                    async ? "record reader, async 2    " : "record reader, calling thread",
                    stepMillis,
                    imagesPerSecond(it, epochs, stepMillis));
        } finally {
            if (it instanceof AsyncDataSetIterator a) {
                a.shutdown();
            }
        }
    }

    /** One warm-up epoch, then images per second over the timed epochs, sleeping {@code stepMillis} per batch. */
    private static double imagesPerSecond(DataSetIterator it, int epochs, int stepMillis) throws InterruptedException {
        while (it.hasNext()) {
            it.next();
        }
        long t0 = System.nanoTime();
        long n = 0;
        for (int e = 0; e < epochs; e++) {
            it.reset();
            while (it.hasNext()) {
                n += it.next().numExamples();
                if (stepMillis > 0) {
                    Thread.sleep(stepMillis);
                }
            }
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static void report(ImageTransform t, String config, int stepMillis, double imagesPerSecond) {
        String name = !(t instanceof TrainTransform tt)
                ? "eval (256/224)"
                : "train (RRC+flip" + (tt.colorJitter() != null ? "+jitter" : "")
                        + (tt.autoAugment() != null
                                ? "+" + tt.autoAugment().policy().key()
                                : "")
                        + (tt.randomErasing() != null
                                ? "+erase " + tt.randomErasing().probability()
                                : "") + ")";
        System.out.printf("  %-36s %s step %3d ms/batch %8.1f img/s%n", name, config, stepMillis, imagesPerSecond);
    }
}
