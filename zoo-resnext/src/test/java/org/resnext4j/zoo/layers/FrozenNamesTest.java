package org.resnext4j.zoo.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.junit.jupiter.api.Test;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtGraphBuilder;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TinySpecs;

/**
 * The classes of ours that a saved configuration names are exactly the frozen ones the package comment lists: a class
 * added to (or moved out of) a configuration must be listed (or aliased) before it ships.
 */
class FrozenNamesTest {

    /** The frozen names, as {@code package-info.java} of this package and of {@code org.resnext4j.zoo} list them. */
    private static final Set<String> FROZEN = Set.of(
            "org.resnext4j.zoo.layers.Conv2dNormActivation",
            "org.resnext4j.zoo.layers.ResidualAddRelu",
            "org.resnext4j.zoo.layers.MaxPool2d",
            "org.resnext4j.zoo.ChannelSliceVertex",
            "org.resnext4j.zoo.KaimingNormalFanOut");

    private static final Pattern OURS = Pattern.compile("org\\.resnext4j[A-Za-z0-9_.$]*");

    private static void collect(String json, Set<String> into) {
        Matcher m = OURS.matcher(json);
        while (m.find()) {
            into.add(m.group());
        }
    }

    @Test
    void everyClassAConfigurationNamesIsFrozen() {
        Set<String> named = new TreeSet<>();
        for (GraphForm form : GraphForm.values()) {
            ResNeXtSpec spec = TinySpecs.resnext().toBuilder().form(form).build();
            collect(
                    ResNeXtGraphBuilder.build(spec, new NeuralNetConfiguration.Builder())
                            .toJson(),
                    named);
            collect(
                    ResNeXtGraphBuilder.buildFeatures(spec, new NeuralNetConfiguration.Builder(), 0, 1, 4)
                            .toJson(),
                    named);
            collect(ResNeXt.builder(spec).build().init().getConfiguration().toJson(), named);
        }
        assertTrue(FROZEN.containsAll(named), "not frozen: " + named);
        assertEquals(new TreeSet<>(FROZEN), named, "every frozen name is in use");
    }
}
