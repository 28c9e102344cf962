package org.resnext4j.ui;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.nd4j.linalg.learning.config.IUpdater;
import org.resnext4j.zoo.TorchNames;

/**
 * Learning rates for fine-tuning a pretrained ResNeXt/ResNet: a lower rate for the backbone than for the new head,
 * the "discriminative learning rates" of fast.ai and of torchvision's reference scripts' parameter groups. Freezing
 * the backbone up to a stage is {@link org.resnext4j.zoo.ResNeXt#freezeUntil} of the zoo.
 *
 * <p>The backbone is every layer that feeds {@code avgpool} (the stem and {@code layer1} .. {@code layer4}); the head
 * is what follows it ({@code fc}). Frozen layers have no rate and are left alone.
 */
public final class FineTuning {

    private FineTuning() {}

    /**
     * Multiplies the learning rate of every trainable backbone layer of {@code net} by {@code factor}: its updater's
     * schedule (or fixed rate) becomes a {@link ScaledSchedule} of it, so the run's schedule (step, cosine, ...) still
     * applies, at {@code factor} times the head's rate at every iteration and epoch; a later
     * {@link ReduceLrOnPlateau} reduction multiplies both alike. The schedules are part of the model configuration, so
     * checkpoints (and {@code --resume}) keep them. The updater state (Adam's moments, momentum) is kept.
     *
     * @param factor the backbone's rate relative to the head's, a finite number {@code > 0}
     * @return the names of the layers changed, in graph order
     * @throws IllegalArgumentException for a factor that is not a finite positive number, or a graph without
     *                                  {@code avgpool}
     */
    public static List<String> scaleBackboneLearningRate(ComputationGraph net, double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException(
                    "backbone learning-rate scale: expected a finite number > 0, got " + factor);
        }
        List<String> changed = new ArrayList<>();
        for (String name : backbone(net)) {
            if (!(net.getLayer(name) instanceof FrozenLayer)
                    && net.getLayer(name).conf().getLayer() instanceof BaseLayer bl
                    && bl.getIUpdater() != null
                    && bl.getIUpdater().hasLearningRate()) {
                IUpdater u = bl.getIUpdater().clone();
                u.setLrAndSchedule(Double.NaN, ScaledSchedule.of(ReduceLrOnPlateau.scheduleOf(u), factor));
                bl.setIUpdater(u);
                changed.add(name);
            }
        }
        if (!changed.isEmpty()) {
            // The updater's blocks were built from the old configurations: DL4J rebuilds them, keeping their state,
            // when a rate is set through the network. One such call, with the schedule just set, rebuilds all.
            String last = changed.get(changed.size() - 1);
            BaseLayer bl = (BaseLayer) net.getLayer(last).conf().getLayer();
            net.setLearningRate(last, ReduceLrOnPlateau.scheduleOf(bl.getIUpdater()));
        }
        return changed;
    }

    /** The layer vertices that {@code avgpool} depends on, in graph (topological) order. */
    static List<String> backbone(ComputationGraph net) {
        Map<String, List<String>> inputs = net.getConfiguration().getVertexInputs();
        if (!inputs.containsKey(TorchNames.AVGPOOL)) {
            throw new IllegalArgumentException("the graph has no \"" + TorchNames.AVGPOOL
                    + "\" vertex separating backbone and head (not a ResNeXt classifier of this library)");
        }
        Set<String> ancestors = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(inputs.get(TorchNames.AVGPOOL));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (ancestors.add(v) && inputs.containsKey(v)) {
                todo.addAll(inputs.get(v));
            }
        }
        List<String> layers = new ArrayList<>();
        for (int idx : net.topologicalSortOrder()) {
            String v = net.getVertices()[idx].getVertexName();
            if (ancestors.contains(v) && net.getConfiguration().getVertices().get(v) instanceof LayerVertex) {
                layers.add(v);
            }
        }
        return layers;
    }
}
