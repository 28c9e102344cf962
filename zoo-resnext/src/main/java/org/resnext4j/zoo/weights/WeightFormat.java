package org.resnext4j.zoo.weights;

/**
 * The serialisation of a weights file, recorded in the catalog for each source. Which reader loads a file is decided
 * by {@link TorchvisionWeights#load} from the file itself; the catalog's value documents what a source serves and
 * names the cached file's extension.
 */
public enum WeightFormat {
    /** {@code torch.save} zip archive (PyTorch 1.6 and later): torchvision's V2 files. */
    PYTORCH_ZIP(".pth"),
    /** The legacy (pre-1.6) {@code torch.save} format: torchvision's 2017 V1 files. */
    PYTORCH_LEGACY(".pth"),
    /** safetensors, as timm publishes on the Hugging Face hub. */
    SAFETENSORS(".safetensors");

    private final String extension;

    WeightFormat(String extension) {
        this.extension = extension;
    }

    /** The file name extension, with its dot. */
    public String extension() {
        return extension;
    }
}
