package org.resnext4j.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * {@code import-weights <weights.safetensors> <model.zip>}: a torchvision/timm safetensors file loaded strictly
 * (every tensor mapped, every shape equal) into a preset, saved as a DL4J model zip with ImageNet preprocessing at the
 * input size in its metadata, ready for {@code predict}, {@code evaluate} or {@code export-weights}. A file whose
 * classifier has another number of classes is refused: fine-tune it with {@code train --pretrained} instead.
 */
final class ImportWeightsCommand implements Cli.Command {

    @Override
    public String usage() {
        return "import-weights <weights.safetensors> <model.zip> [--model PRESET] [--classes K] [--size N]";
    }

    @Override
    public void run(String[] args) throws Exception {
        Args a = Args.parse(args);
        Path weights = Path.of(a.positional(0, "weights.safetensors"));
        Path out = Path.of(a.positional(1, "model.zip"));
        String model = a.option("--model", "resnext50_32x4d");
        int classes = a.intOption("--classes", ImageNetClasses.COUNT, 1);
        int size = a.intOption("--size", 224, 1);
        a.requireAllUsed();
        ResNeXtSpec spec = Models.spec(model, classes, size);
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException("<weights.safetensors>: " + weights.toAbsolutePath() + " does not exist");
        }
        ComputationGraph net;
        try {
            net = ResNeXt.builder(spec).build().initPretrained(weights);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; import-weights loads strictly into " + model
                    + " with " + classes + " classes: for another number of classes or another data set use "
                    + "train --pretrained " + weights + " (a new classifier is trained)", e);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", "resnext4j-imported/1");
        meta.put("imported_from", weights.toAbsolutePath().toString());
        meta.put(Models.KEY_MODEL, model);
        meta.put(Models.KEY_SPEC, Models.describe(spec));
        meta.put(Models.KEY_PREPROCESSING, Models.describe(PreprocessingConfig.imagenet(size)));
        Checkpoints.save(net, out, meta);
        System.out.println("Imported " + weights + " into " + spec);
        System.out.println("  " + TorchvisionWeights.table(net).size() + " torchvision tensors loaded strictly, "
                + net.numParams() + " DL4J parameters, " + classes + " classes"
                + (classes == ImageNetClasses.COUNT ? " (ImageNet names)" : ""));
        System.out.println("  preprocessing " + PreprocessingConfig.imagenet(size).toJson());
        System.out.println("Wrote " + out.toAbsolutePath());
    }
}
