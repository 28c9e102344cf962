package org.resnext4j.examples;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * {@code export-weights <model.zip> <weights.safetensors>}: a DL4J model zip (a training checkpoint or an imported
 * model) written as a torchvision-named F32 safetensors file, loadable with
 * {@code model.load_state_dict(safetensors.torch.load_file(...))} into the matching torchvision model.
 */
final class ExportWeightsCommand implements Cli.Command {

    @Override
    public String usage() {
        return "export-weights <model.zip> <weights.safetensors>";
    }

    @Override
    public void run(String[] args) throws Exception {
        Args a = Args.parse(args);
        Path checkpoint = Path.of(a.positional(0, "model.zip"));
        Path out = Path.of(a.positional(1, "weights.safetensors"));
        a.requireAllUsed();
        Models.Loaded model = Models.load(checkpoint);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        model.entry(Models.KEY_MODEL).ifPresent(m -> meta.put("model", String.valueOf(m)));
        meta.put("num_classes", Integer.toString(model.numClasses()));
        model.classNames().ifPresent(names -> meta.put("class_names", String.join(",", names)));
        TorchvisionWeights.save(model.graph(), out, meta);
        System.out.println("Wrote " + TorchvisionWeights.stateDict(model.graph()).size() + " torchvision tensors ("
                + model.numClasses() + " classes) to " + out.toAbsolutePath());
    }
}
