package org.resnext4j.zoo.layers;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.kernels.Kernels;
import org.resnext4j.zoo.kernels.MaxPoolKernel;
import org.resnext4j.zoo.kernels.PoolGeometry;

/** The runtime vertex of {@link MaxPool2d}; keeps its training pass's saved buffer for the backward pass. */
public class MaxPool2dVertex extends ParameterFreeVertex {

    private static final long serialVersionUID = 1L;

    private final MaxPool2d conf;
    private final transient MaxPoolKernel kernel;
    private transient PoolGeometry trained;
    private transient INDArray saved;

    public MaxPool2dVertex(ComputationGraph graph, String name, int vertexIndex, MaxPool2d conf, DataType dataType) {
        super(graph, name, vertexIndex, dataType);
        this.conf = conf;
        this.kernel = Kernels.engine(dataType).maxPool();
    }

    @Override
    public String kernelName() {
        return kernel.name();
    }

    /** Whether the input is in the kernel's channel-blocked layout: configured so, and its channels divide. */
    private boolean blockedInput(PoolGeometry g) {
        int block = kernel.channelBlock();
        return conf.getInputLayout() == ActivationLayout.BLOCKED && block > 0 && g.c() % block == 0;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("MaxPool2d " + getVertexName() + ": input not set");
        }
        INDArray x = contiguous(inputs[0]);
        if (x.rank() != 4) {
            throw new IllegalStateException(
                    "MaxPool2d " + getVertexName() + ": expected rank 4 NCHW input, got " + x.shapeInfoToString());
        }
        PoolGeometry g = conf.geometry(x.size(0), x.size(1), x.size(2), x.size(3));
        boolean blocked = blockedInput(g);
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, g.outputShape(), 'c');
        if (training) {
            long n = kernel.savedLength(g);
            saved = n == 0
                    ? null
                    : workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[] {n}, 'c');
            kernel.forwardTraining(g, blocked, x, y, saved);
            trained = g;
        } else {
            kernel.forwardInference(g, blocked, x, y);
            trained = null;
            saved = null;
        }
        return y;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward() || trained == null) {
            throw new IllegalStateException(
                    "MaxPool2d " + getVertexName() + ": backward without a training-mode forward pass");
        }
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, trained.inputShape(), 'c');
        kernel.backward(trained, blockedInput(trained), contiguous(inputs[0]), saved, contiguous(epsilon), dx);
        trained = null;
        saved = null;
        return new Pair<>(null, new INDArray[] {dx});
    }

    @Override
    public void clear() {
        super.clear();
        trained = null;
        saved = null;
    }

    @Override
    public String toString() {
        return "MaxPool2dVertex(" + getVertexName() + ", " + conf + ")";
    }
}
