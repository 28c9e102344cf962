#!/usr/bin/env python3
"""Writes the torchvision preprocessing-parity fixture of datavec-pipelines.

Generates a deterministic 400x300 test image (gradients, shapes, stripes fine enough to
exercise anti-aliasing, noise in one quarter), saves it as PNG (lossless: compares resampling only) and
JPEG (quality 90: adds decoder differences), and runs torchvision's evaluation transform

    Compose([Resize(256), CenterCrop(224), ToTensor(), Normalize(IMAGENET_MEAN, IMAGENET_STD)])

on the decoded images. Outputs, in datavec-pipelines/src/test/resources/parity/:

    image.png            the test image
    image.jpg            the same image as JPEG
    expected_png.f32     the full [3, 224, 224] tensor for image.png, float32 little-endian, CHW
    expected_jpg_blocks.f32
                         per-channel means of 8x8 blocks of the tensor for image.jpg,
                         [3, 28, 28] float32 little-endian (a downsampled statistic keeps the
                         fixture small; decoders differ, so pixels are not compared for JPEG)
    fixture.json         shapes and library versions

Run with Debian's interpreter (python3-torchvision):  /usr/bin/python3 tools/make_preprocess_fixture.py
Python is a tool only: the Java tests read the committed files.
"""
import json
import os
import sys

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms

torch.set_num_threads(2)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datavec-pipelines",
                   "src", "test", "resources", "parity")
W, H = 400, 300
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def make_image():
    rng = np.random.default_rng(20240601)
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    r = 255 * x / (W - 1)
    g = 255 * y / (H - 1)
    b = 127.5 + 127.5 * np.sin(x / 9.0) * np.cos(y / 13.0)
    img = np.stack([r, g, b], axis=-1)
    # fine vertical and diagonal stripes (aliasing test) in the top-left quarter
    stripes = ((x // 2 + y // 3) % 2 == 0) & (x < W / 2) & (y < H / 2)
    img[stripes] = [250, 250, 20]
    # a red disc and a blue square with hard edges
    disc = (x - 290) ** 2 + (y - 110) ** 2 < 55 ** 2
    img[disc] = [230, 20, 30]
    square = (x > 60) & (x < 170) & (y > 180) & (y < 270)
    img[square] = [20, 40, 220]
    # sensor-like noise in the bottom-right quarter only (noise does not compress)
    noisy = (x >= W / 2) & (y >= H / 2)
    img[noisy] += rng.normal(0, 3.0, img[noisy].shape)
    return Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "RGB")


def main():
    os.makedirs(OUT, exist_ok=True)
    image = make_image()
    png = os.path.join(OUT, "image.png")
    jpg = os.path.join(OUT, "image.jpg")
    image.save(png, optimize=True)
    image.save(jpg, quality=90)
    t = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(MEAN, STD),
    ])
    with Image.open(png) as im:
        expected = t(im.convert("RGB"))
    assert tuple(expected.shape) == (3, 224, 224), expected.shape
    expected.numpy().astype("<f4").tofile(os.path.join(OUT, "expected_png.f32"))
    with Image.open(jpg) as im:
        expected_jpg = t(im.convert("RGB"))
    blocks = expected_jpg.reshape(3, 28, 8, 28, 8).mean(dim=(2, 4))
    blocks.numpy().astype("<f4").tofile(os.path.join(OUT, "expected_jpg_blocks.f32"))
    meta = {
        "image": [W, H],
        "transform": "Resize(256), CenterCrop(224), ToTensor(), Normalize(mean, std)",
        "mean": MEAN,
        "std": STD,
        "expected_png.f32": [3, 224, 224],
        "expected_jpg_blocks.f32": [3, 28, 28],
        "blockSize": 8,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "pillow": PIL.__version__,
        "python": sys.version.split()[0],
    }
    with open(os.path.join(OUT, "fixture.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, name)):>8}  {name}")


if __name__ == "__main__":
    main()
