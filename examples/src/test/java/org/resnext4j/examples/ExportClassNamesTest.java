package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.weights.SafeTensorsReader;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * {@code export-weights} stores the class names as a JSON array of strings, so that a name with a comma comes back
 * whole; files exported before, with the names joined by commas, still read.
 */
class ExportClassNamesTest {

    @TempDir
    Path tmp;

    @Test
    void namesWithCommasComeBackWhole() throws IOException {
        List<String> names = List.of("cat", "dog, hound", "[unsure]", "say \"hi\"");
        ResNeXtSpec spec = Models.spec(Models.TINY, names.size(), 32);
        ComputationGraph net = ResNeXt.builder(spec).seed(3).build().init();
        Path zip = tmp.resolve("model.zip");
        Checkpoints.save(
                net,
                zip,
                Map.of(
                        ModelCard.KEY,
                        ModelCard.of(spec, PreprocessingConfig.imagenet(32))
                                .withClassNames(names)
                                .toMap()));
        Path st = tmp.resolve("model.safetensors");
        CliRunner.Result r = CliRunner.run("export-weights", zip.toString(), st.toString());
        assertEquals(0, r.code(), r.toString());
        try (SafeTensorsReader file = SafeTensorsReader.open(st)) {
            String stored = file.metadata().get(ClassNamesMetadata.KEY);
            assertEquals("[\"cat\",\"dog, hound\",\"[unsure]\",\"say \\\"hi\\\"\"]", stored);
            assertEquals(names, ClassNamesMetadata.read(stored));
            assertEquals("4", file.metadata().get("num_classes"));
        }
    }

    /** A file written by export-weights up to f300108: the names joined by commas. */
    @Test
    void filesOfTheOldCommaFormStillReadTheirNames() throws IOException {
        ComputationGraph net =
                ResNeXt.builder(Models.spec(Models.TINY, 3, 32)).seed(3).build().init();
        Path st = tmp.resolve("old.safetensors");
        TorchvisionWeights.save(
                net,
                st,
                Map.of("format", "pt", "model", "tiny", "num_classes", "3", "class_names", "circle,[x],square"));
        try (SafeTensorsReader file = SafeTensorsReader.open(st)) {
            assertEquals(
                    List.of("circle", "[x]", "square"),
                    ClassNamesMetadata.read(file.metadata().get("class_names")));
        }
        assertEquals(List.of("[a", "b]"), ClassNamesMetadata.read("[a,b]"), "not JSON: the comma form");
        assertEquals(List.of("a"), ClassNamesMetadata.read("a"));
        assertTrue(ClassNamesMetadata.read("").isEmpty());
        assertEquals(List.of("[1]"), ClassNamesMetadata.read("[1]"), "a JSON array of non-strings: the comma form");
    }
}
