#!/usr/bin/env python3
"""Convert torchvision ImageNet weights to a safetensors file that resnext4j imports.

  /usr/bin/python3 tools/torchvision_to_safetensors.py resnext50_32x4d out/resnext50_32x4d.safetensors
  /usr/bin/python3 tools/torchvision_to_safetensors.py resnet50 out/resnet50.safetensors --pth resnet50-11ad3fa6.pth

Without --pth, torchvision fetches its default ImageNet weights (needs internet; resnext4j itself never downloads).
A <out>.sha256 file is written beside the weights; resnext4j verifies it when loading from its cache directory.
"""
import argparse
import hashlib
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference_fixtures import save_safetensors  # noqa: E402

torch.set_num_threads(2)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", choices=["resnet50", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d"])
    p.add_argument("out")
    p.add_argument("--pth", help="a local torchvision .pth state dict instead of torchvision's download")
    a = p.parse_args()
    if a.pth:
        model = getattr(torchvision.models, a.model)()
        model.load_state_dict(torch.load(a.pth, map_location="cpu"))
    else:
        model = getattr(torchvision.models, a.model)(weights="DEFAULT")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    save_safetensors(a.out, model.state_dict(), {"source": "torchvision " + torchvision.__version__, "model": a.model})
    digest = hashlib.sha256(open(a.out, "rb").read()).hexdigest()
    with open(a.out + ".sha256", "w") as f:
        f.write(f"{digest}  {os.path.basename(a.out)}\n")
    print(a.out, digest)


if __name__ == "__main__":
    main()
