package org.resnext4j.zoo;

/**
 * One feature map a features-only {@link ResNeXt} returns, described as timm's {@code feature_info} describes it
 * ({@code module}, {@code num_chs}, {@code reduction}).
 *
 * <p>The five features of a torchvision ResNet/ResNeXt, in output order (index = timm's {@code out_indices}):
 * <pre>
 *   index  name     channels (resnext50_32x4d)  reduction
 *   0      relu     64    stemWidth             2    the stem after conv1, bn1, relu (timm calls it act1)
 *   1      layer1   256   4 x planes[0]         4    (after the 3x3/2 max pool; layer1 keeps the resolution)
 *   2      layer2   512   4 x planes[1]         8
 *   3      layer3   1024  4 x planes[2]         16
 *   4      layer4   2048  4 x planes[3]         32
 * </pre>
 *
 * @param name      the torchvision module whose output this is ({@code relu} for the stem, {@code layer1} ..
 *                  {@code layer4}), as {@code torchvision.models.feature_extraction.create_feature_extractor}
 *                  names its return nodes
 * @param channels  the number of channels of the feature map
 * @param reduction the input side divided by the feature map's side (its total stride)
 */
public record FeatureInfo(String name, int channels, int reduction) {}
