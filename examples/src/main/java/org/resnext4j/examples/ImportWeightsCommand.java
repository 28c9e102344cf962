package org.resnext4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.weights.TorchvisionWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code import-weights <weights> <model.zip>}: a torchvision/timm weights file (safetensors, or a PyTorch
 * {@code .pth}/{@code .pt} of either {@code torch.save} format) loaded strictly
 * (every tensor mapped, every shape equal) into a preset, saved as a DL4J model zip with ImageNet preprocessing at the
 * input size in its metadata, ready for {@code predict}, {@code evaluate} or {@code export-weights}. A file whose
 * classifier has another number of classes is refused: fine-tune it with {@code train --pretrained} instead.
 */
@Command(
        name = "import-weights",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "Loads torchvision/timm weights (.safetensors, or PyTorch .pth/.pt as torchvision publishes "
                + "them) strictly (every tensor mapped, every shape equal) into a preset and saves a DL4J model zip with ImageNet preprocessing, ready for predict, "
                + "evaluate or export-weights.")
final class ImportWeightsCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            paramLabel = "WEIGHTS",
            description = "torchvision/timm state dict: .safetensors, .pth or .pt")
    Path weights;

    @Parameters(index = "1", paramLabel = "MODEL.zip", description = "the DL4J model zip to write")
    Path out;

    @Option(
            names = "--model",
            paramLabel = "PRESET",
            defaultValue = "resnext50_32x4d",
            completionCandidates = TrainDataMixin.ModelNames.class,
            description = "(default ${DEFAULT-VALUE})")
    String model;

    @Option(
            names = "--classes",
            paramLabel = "K",
            defaultValue = "" + ImageNetClasses.COUNT,
            description = "classes of the file's classifier (default ${DEFAULT-VALUE})")
    int classes;

    @Option(
            names = "--size",
            paramLabel = "N",
            defaultValue = "224",
            description = "input side in pixels (default ${DEFAULT-VALUE})")
    int size;

    @Mixin
    ProgressMixin progress;

    @Override
    public Integer call() throws Exception {
        TrainCommand.atLeast("--classes", classes, 1);
        TrainCommand.atLeast("--size", size, 1);
        ResNeXtSpec spec = Models.spec(model, classes, size);
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException("WEIGHTS: " + weights.toAbsolutePath() + " does not exist");
        }
        ComputationGraph net = ResNeXt.builder(spec).build().init();
        int tensors = TorchvisionWeights.table(net).size();
        try (Progress.Bar bar = Progress.start(progress.enabled(), "import", tensors + 1L)) {
            try {
                TorchvisionWeights.load(net, weights, TorchvisionWeights.Options.strictAll(), bar::stepTo);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        e.getMessage() + "; import-weights loads strictly into " + model
                                + " with " + classes
                                + " classes: for another number of classes or another data set use "
                                + "train --pretrained " + weights + " (a new classifier is trained)",
                        e);
            }
            bar.extra("saving");
            save(net, spec);
            bar.step();
        }
        System.out.println("Imported " + weights + " into " + spec);
        System.out.println("  " + tensors + " torchvision tensors loaded strictly, "
                + net.numParams() + " DL4J parameters, " + classes + " classes"
                + (classes == ImageNetClasses.COUNT ? " (ImageNet names)" : ""));
        System.out.println(
                "  preprocessing " + PreprocessingConfig.imagenet(size).toJson());
        System.out.println("Wrote " + out.toAbsolutePath());
        return 0;
    }

    private void save(ComputationGraph net, ResNeXtSpec spec) throws IOException {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", "resnext4j-imported/1");
        meta.put("imported_from", weights.toAbsolutePath().toString());
        meta.put(
                ModelCard.KEY,
                ModelCard.of(spec, PreprocessingConfig.imagenet(size))
                        .withModel(model)
                        // stored, not inferred from the 1000 outputs when the model is read back
                        .withClassNames(classes == ImageNetClasses.COUNT ? ImageNetClasses.names() : null)
                        .toMap());
        Checkpoints.save(net, out, meta);
    }
}
