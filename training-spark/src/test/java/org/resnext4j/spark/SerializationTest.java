package org.resnext4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.resnext4j.ui.ScaledSchedule;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;

/**
 * What Spark ships: DL4J's training masters Java-serialize the graph configuration (broadcast to executors) and
 * evaluation sends it as JSON. Every custom class of both forms (and a reduced learning rate's {@link ScaledSchedule})
 * survives both round trips.
 */
class SerializationTest {

    @ParameterizedTest
    @EnumSource(GraphForm.class)
    void everyCustomClassSurvivesJavaSerializationAndJson(GraphForm form) throws Exception {
        ComputationGraph net = ResNeXt.builder(SparkTestData.tinySpec().withForm(form))
                .seed(1)
                .updater(new Adam(new ScaledSchedule(new StepSchedule(ScheduleType.EPOCH, 0.01, 0.5, 2), 0.1)))
                .build()
                .init();
        ComputationGraphConfiguration conf = net.getConfiguration();
        Set<String> custom = new TreeSet<>();
        for (GraphVertex v : conf.getVertices().values()) {
            Object o = v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : v;
            if (o.getClass().getName().startsWith("org.resnext4j")) {
                custom.add(o.getClass().getSimpleName());
            }
        }
        assertTrue(custom.size() >= 1, "the " + form + " graph has custom classes: " + custom);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(conf);
        }
        ComputationGraphConfiguration viaJava;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            viaJava = (ComputationGraphConfiguration) in.readObject();
        }
        assertEquals(conf, viaJava, "Java serialization of " + custom);
        ComputationGraphConfiguration viaJson = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, viaJson, "JSON of " + custom);
        assertEquals(conf.toJson(), viaJava.toJson());
        // the round-tripped configuration builds the same network
        ComputationGraph again = new ComputationGraph(viaJava);
        again.init(net.params().dup(), false);
        assertEquals(net.numParams(), again.numParams());
        System.out.println(form + " custom classes: " + custom);
    }
}
