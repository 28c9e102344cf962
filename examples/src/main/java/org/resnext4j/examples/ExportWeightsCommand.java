package org.resnext4j.examples;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.zoo.weights.TorchvisionWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code export-weights <model.zip> <weights.safetensors>}: a DL4J model zip (a training checkpoint or an imported
 * model) written as a torchvision-named F32 safetensors file, loadable with
 * {@code model.load_state_dict(safetensors.torch.load_file(...))} into the matching torchvision model. Its metadata:
 * {@code format} {@code pt}, the {@code model} name, {@code num_classes} and, when the model stores them, the
 * {@code class_names} as a JSON array of strings ({@link ClassNamesMetadata}).
 */
@Command(
        name = "export-weights",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "Writes a DL4J model zip (checkpoint or import) as torchvision-named F32 safetensors, for "
                + "model.load_state_dict(safetensors.torch.load_file(...)).")
final class ExportWeightsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL.zip", description = "a checkpoint or an imported model")
    Path checkpoint;

    @Parameters(index = "1", paramLabel = "WEIGHTS.safetensors", description = "the file to write")
    Path out;

    @Override
    public Integer call() throws Exception {
        SavedModel model = Models.load(checkpoint);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        if (model.card().model() != null) {
            meta.put("model", model.card().model());
        }
        meta.put("num_classes", Integer.toString(model.numClasses()));
        if (model.card().classNames() != null) {
            meta.put(
                    ClassNamesMetadata.KEY,
                    ClassNamesMetadata.write(model.card().classNames()));
        }
        TorchvisionWeights.save(model.graph(), out, meta);
        System.out.println(
                "Wrote " + TorchvisionWeights.stateDict(model.graph()).size() + " torchvision tensors ("
                        + model.numClasses() + " classes) to " + out.toAbsolutePath());
        return 0;
    }
}
