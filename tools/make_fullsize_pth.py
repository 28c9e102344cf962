#!/usr/bin/env python3
"""The full-size fixture of resnext4j's pretrained-weights check (issue 21): a real torchvision checkpoint, as
initPretrained() downloads it, with torchvision's own logits.

torchvision's resnext50_32x4d (torchvision.models.resnext50_32x4d(weights=None), not a rebuilt copy) with seeded
random weights, BatchNorm running statistics calibrated on random batches then perturbed, and random affine
parameters (make_reference_fixtures.randomise_batch_norm, so eval-mode BN matters), written as torch.save of its
state_dict in both of torch's formats, plus an input batch and the eval-mode logits:

  resnext50_32x4d.zip.pth        torch.save(model.state_dict(), f)   (zip format, as torchvision's V2 files)
  resnext50_32x4d.legacy.pth     the same, _use_new_zipfile_serialization=False   (as torchvision's 2017 V1 files)
  resnext50_32x4d.io.safetensors input [2,3,224,224], logits, softmax, layer1..layer4 outputs

Each .pth is read back with torch.load(weights_only=True) into a fresh model, which must give the same logits.
About 200 MB in all, into target/ (never committed). The Java side is FullSizePretrainedParityTest:

  mvn -B -pl zoo-resnext -Ppretrained-parity test -Dtest=FullSizePretrainedParityTest

Python is a tool here, never a runtime dependency of the library.
"""
import argparse
import os
import time

import torch
import torchvision

from make_reference_fixtures import randomise_batch_norm, save_safetensors

torch.set_num_threads(2)

NAME = "resnext50_32x4d"
SEED = 21
BATCH = 2
SIZE = 224


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output folder, e.g. zoo-resnext/target/pretrained-parity")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    start = time.time()

    torch.manual_seed(SEED)
    model = torchvision.models.resnext50_32x4d(weights=None)
    randomise_batch_norm(model, SIZE)

    torch.manual_seed(SEED + 100)
    # varied samples (per-sample, per-channel scale and offset) so that predictions differ between samples
    x = torch.randn(BATCH, 3, SIZE, SIZE) * torch.empty(BATCH, 3, 1, 1).uniform_(0.5, 1.5) \
        + torch.empty(BATCH, 3, 1, 1).uniform_(-1.0, 1.0)
    feats = {}
    hooks = [getattr(model, f"layer{i}").register_forward_hook(
        (lambda name: lambda m, i, o: feats.__setitem__(name, o.detach()))(f"layer{i}")) for i in range(1, 5)]
    with torch.no_grad():
        logits = model(x)
    for h in hooks:
        h.remove()

    for fmt in ("zip", "legacy"):
        path = os.path.join(a.out, f"{NAME}.{fmt}.pth")
        tmp = path + ".tmp"
        torch.save(model.state_dict(), tmp, _use_new_zipfile_serialization=(fmt == "zip"))
        os.replace(tmp, path)
        again = torchvision.models.resnext50_32x4d(weights=None).eval()
        again.load_state_dict(torch.load(path, weights_only=True))
        with torch.no_grad():
            assert torch.equal(again(x), logits), f"{path} does not reproduce the logits"
        print(f"{path}: {os.path.getsize(path)} bytes")

    meta = {"model": NAME, "seed": SEED, "torch": torch.__version__, "torchvision": torchvision.__version__}
    io = {"input": x, "logits": logits, "softmax": torch.softmax(logits, dim=1)}
    io.update(feats)
    save_safetensors(os.path.join(a.out, f"{NAME}.io.safetensors"), io, meta)
    print(f"{NAME}: {sum(p.numel() for p in model.parameters())} trainable params, "
          f"logits scale {logits.abs().max().item():.3f}, top-1 {logits.argmax(1).tolist()}, "
          f"{time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
