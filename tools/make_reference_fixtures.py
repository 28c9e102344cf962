#!/usr/bin/env python3
"""Reference fixtures from torchvision for resnext4j's parity tests.

Builds torchvision's ResNet from its own Bottleneck blocks (optionally with narrower stage widths, "planes", and
stem width, so committed fixtures stay small), gives it seeded random weights AND non-trivial BatchNorm running
statistics and affine parameters (so eval-mode BN is really exercised), and writes, per model:

  <name>.weights.safetensors   the state dict with torchvision's keys (num_batches_tracked included, as I64)
  <name>.io.safetensors        input [N,3,H,W], eval-mode logits, softmax, layer1..layer4 outputs
  <name>.features.safetensors  the stem feature "relu" of torchvision's create_feature_extractor (return nodes relu,
                               layer1..layer4: timm's features_only of a ResNet) for the FIRST sample of that input
                               (one sample keeps the stem's large map small); its layer1..layer4 equal the io file's
                               (checked here), so they are not stored twice

The spec is stored in the weights file's __metadata__ so the Java test builds the same network.
Python is a tool here, never a runtime dependency of the library.

  /usr/bin/python3 tools/make_reference_fixtures.py                      # small committed fixtures
  /usr/bin/python3 tools/make_reference_fixtures.py --full --out target/parity   # resnet50, resnext50_32x4d at 224
"""
import argparse
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
from torchvision.models.feature_extraction import create_feature_extractor
from torchvision.models.resnet import Bottleneck, ResNet

torch.set_num_threads(2)

TINY = [
    dict(name="tiny_resnext", blocks=[1, 2, 1, 1], cardinality=4, base_width=16, planes=[16, 32, 64, 128],
         stem_width=16, num_classes=10, size=64, batch=3, seed=1),
    dict(name="tiny_resnet", blocks=[2, 1, 1, 1], cardinality=1, base_width=64, planes=[8, 16, 32, 64],
         stem_width=8, num_classes=7, size=48, batch=3, seed=2),
]
FULL = [
    dict(name="resnext50_32x4d", blocks=[3, 4, 6, 3], cardinality=32, base_width=4, planes=[64, 128, 256, 512],
         stem_width=64, num_classes=1000, size=224, batch=2, seed=3),
    dict(name="resnet50", blocks=[3, 4, 6, 3], cardinality=1, base_width=64, planes=[64, 128, 256, 512],
         stem_width=64, num_classes=1000, size=224, batch=2, seed=4),
]


class NarrowResNet(ResNet):
    """torchvision's ResNet with configurable planes and stem width; identical to ResNet for the defaults."""

    def __init__(self, blocks, cardinality, base_width, planes, stem_width, num_classes):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = stem_width
        self.dilation = 1
        self.groups = cardinality
        self.base_width = base_width
        self.conv1 = nn.Conv2d(3, stem_width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem_width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(Bottleneck, planes[0], blocks[0])
        self.layer2 = self._make_layer(Bottleneck, planes[1], blocks[1], stride=2)
        self.layer3 = self._make_layer(Bottleneck, planes[2], blocks[2], stride=2)
        self.layer4 = self._make_layer(Bottleneck, planes[3], blocks[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(planes[3] * Bottleneck.expansion, num_classes)
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)


def build(spec):
    torch.manual_seed(spec["seed"])
    model = NarrowResNet(spec["blocks"], spec["cardinality"], spec["base_width"], spec["planes"],
                         spec["stem_width"], spec["num_classes"])
    if spec["planes"] == [64, 128, 256, 512] and spec["stem_width"] == 64:
        ref = ResNet(Bottleneck, spec["blocks"], groups=spec["cardinality"], width_per_group=spec["base_width"],
                     num_classes=spec["num_classes"])
        assert [k for k in ref.state_dict()] == [k for k in model.state_dict()], "NarrowResNet drifted from ResNet"
    randomise_batch_norm(model, spec["size"])
    return model


def randomise_batch_norm(model, size):
    """Makes eval-mode BatchNorm matter: running statistics calibrated by a few train-mode passes on random batches
    (cumulative average), then perturbed, random affine parameters, a random fc bias; leaves the model in eval mode.
    Draws from torch's global generator, so the caller's seed fixes the result."""
    # Realistic running statistics: a few train-mode passes with a cumulative average ...
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(4, 3, size, size) * 0.8 + 0.1)
    # ... then non-trivial affine parameters and perturbed statistics.
    with torch.no_grad():
        for m in bns:
            m.momentum = 0.1
            m.weight.uniform_(0.5, 1.5)
            m.bias.normal_(0.0, 0.2)
            m.running_mean.add_(torch.randn_like(m.running_mean) * 0.05)
            m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.8, 1.25))
        model.fc.bias.normal_(0.0, 0.1)
    model.eval()


def save_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer: 8-byte LE header length, JSON header (sorted keys, space-padded), raw LE data."""
    dtypes = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
              torch.int64: "I64", torch.int32: "I32"}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def write_model_fixture(spec, out):
    model = build(spec)
    torch.manual_seed(spec["seed"] + 100)
    # varied samples (per-sample, per-channel scale and offset) so that predictions differ between samples
    n, size = spec["batch"], spec["size"]
    x = torch.randn(n, 3, size, size) * torch.empty(n, 3, 1, 1).uniform_(0.5, 1.5) \
        + torch.empty(n, 3, 1, 1).uniform_(-1.0, 1.0)
    feats = {}
    hooks = [getattr(model, f"layer{i}").register_forward_hook(
        (lambda name: lambda m, i, o: feats.__setitem__(name, o.detach()))(f"layer{i}")) for i in range(1, 5)]
    with torch.no_grad():
        logits = model(x)
    for h in hooks:
        h.remove()
    meta = {k: (",".join(map(str, v)) if isinstance(v, list) else v) for k, v in spec.items()}
    meta["torch"] = torch.__version__
    save_safetensors(os.path.join(out, spec["name"] + ".weights.safetensors"), model.state_dict(), meta)
    io = {"input": x, "logits": logits, "softmax": torch.softmax(logits, dim=1)}
    io.update(feats)
    save_safetensors(os.path.join(out, spec["name"] + ".io.safetensors"), io, meta)
    nodes = ["relu", "layer1", "layer2", "layer3", "layer4"]
    extractor = create_feature_extractor(model, return_nodes={n: n for n in nodes}).eval()
    with torch.no_grad():
        features = extractor(x)
    for i in range(1, 5):
        assert torch.equal(features[f"layer{i}"], feats[f"layer{i}"]), "feature extractor differs from the hooks"
    save_safetensors(os.path.join(out, spec["name"] + ".features.safetensors"),
                     {"relu": features["relu"][:1]}, meta)
    print(f"{spec['name']}: {sum(p.numel() for p in model.parameters())} trainable params, "
          f"logits scale {logits.abs().max().item():.3f}, top-1 {logits.argmax(1).tolist()}")


def write_dtype_fixture(out):
    """The same values as F32, F16 and BF16 (and their float32 decodings), for the reader's conversions."""
    torch.manual_seed(5)
    v = torch.cat([torch.randn(20) * 3, torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1e-5, 5.96e-8, 1e-3])])
    tensors = {"f32": v, "f16": v.half(), "bf16": v.bfloat16(), "f64": v.double(),
               "f16_as_f32": v.half().float(), "bf16_as_f32": v.bfloat16().float(),
               "matrix": torch.arange(12, dtype=torch.float32).reshape(3, 4), "scalar": torch.tensor(7.5),
               "count": torch.tensor(42, dtype=torch.int64)}
    save_safetensors(os.path.join(out, "dtypes.safetensors"), tensors, {"purpose": "reader conversions"})


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(here, "..", "zoo-resnext", "src", "test", "resources", "fixtures"))
    p.add_argument("--full", action="store_true", help="full-size resnext50_32x4d and resnet50 at 224x224")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for spec in (FULL if a.full else TINY):
        write_model_fixture(spec, a.out)
    if not a.full:
        write_dtype_fixture(a.out)


if __name__ == "__main__":
    main()
