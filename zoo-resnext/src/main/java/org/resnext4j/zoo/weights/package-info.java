/**
 * Weights in and out of the graphs, without Python: safetensors reading and writing, PyTorch {@code .pth} files (the
 * zip and the legacy format) read by a restricted unpickler that executes no code, the mapping between torchvision's
 * state-dict keys and the graph's parameters ({@code TorchvisionWeights}), and pretrained weights the way DL4J's zoo
 * promises them: a catalog of torchvision's ImageNet files (and users' own, as JSON), downloaded once, verified by
 * SHA-256 and cached ({@code WeightsCatalog}, {@code WeightsDownloader}).
 */
package org.resnext4j.zoo.weights;
