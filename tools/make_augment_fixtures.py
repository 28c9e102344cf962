#!/usr/bin/env python3
"""Writes the augmentation-parity fixtures of datavec-pipelines (issue 22, part 1).

torchvision 0.14's augmentations on PIL images, each called with FIXED operations and magnitudes, so the Java
implementation (org.resnext4j.datavec.AugmentOps, AutoAugment, ColorJitter, RandomErasing) can be compared pixel by
pixel without sharing a random number generator:

  * every operation of transforms.autoaugment._apply_op (Identity, ShearX/Y, TranslateX/Y, Rotate, Brightness, Color,
    Contrast, Sharpness, Posterize, Solarize, AutoContrast, Equalize) at several magnitudes of both signs, with the
    default fill (None -> 0) and with a given fill, NEAREST interpolation as the policies use;
  * rotations by 90, 180 and 270 degrees of a square image (Pillow's transpose fast paths);
  * F.adjust_hue and ColorJitter's four adjustments with fixed factors in a fixed order;
  * F.erase on a normalised tensor with a fixed box (RandomErasing with value 0 and with a given value);
  * the magnitude bins of TrivialAugmentWide (31 bins) and RandAugment (31 bins, as float32) for two image sizes.

Outputs, in datavec-pipelines/src/test/resources/augment/:

    images.bin.gz   gzip of the inputs then every expected output, uint8 RGB interleaved row by row (as RgbImage)
    cases.tsv       one line per case: name, input image, op, magnitude or factors, fill, byte offset, width, height
    bins.tsv        policy, width, height, op, signed, then the bin values (float32 printed with repr of float())
    erase.bin.gz    the normalised input tensor [3, 29, 37] float32 little-endian, then the erased ones
    erase.tsv       one line per erase case: name, i, j, h, w, value, float offset

The bins are float32 values of torch.linspace, whose last bit depends on the CPU kernel torch dispatches to: the
script pins torch's AVX2 kernels (ATEN_CPU_CAPABILITY=avx2, what torch 1.13 picks on common x86 CPUs), which the
Java code reproduces; 'default' and 'avx512' kernels round a few bins differently.

Run with Debian's interpreter (python3-torchvision 0.14, Pillow 9.4):
    /usr/bin/python3 tools/make_augment_fixtures.py
Python is a tool only: the Java tests (AugmentParityTest) read the committed files.
"""
import gzip
import os

os.environ["ATEN_CPU_CAPABILITY"] = "avx2"  # before torch is imported: see the docstring

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as F
from torchvision.transforms.autoaugment import RandAugment, TrivialAugmentWide, _apply_op

torch.set_num_threads(1)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datavec-pipelines",
                   "src", "test", "resources", "augment")
W, H = 37, 29
SQUARE = 16
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def make_image(w, h, seed):
    """Gradients, hard-edged shapes and noise, values kept inside 12..235 so AutoContrast has work to do."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 30 + 190 * x / (w - 1)
    g = 40 + 170 * y / (h - 1)
    b = 120 + 100 * np.sin(x / 3.0) * np.cos(y / 4.0)
    img = np.stack([r, g, b], axis=-1)
    img[(x - w * 0.7) ** 2 + (y - h * 0.35) ** 2 < (h * 0.22) ** 2] = [220, 30, 40]
    img[(x > w * 0.1) & (x < w * 0.35) & (y > h * 0.55) & (y < h * 0.9)] = [25, 50, 200]
    img[((x + y) % 5 == 0) & (x < w / 2) & (y < h / 2)] = [230, 225, 20]
    img += rng.normal(0, 6.0, img.shape)
    return Image.fromarray(np.clip(np.rint(img), 12, 235).astype(np.uint8), "RGB")


def main():
    os.makedirs(OUT, exist_ok=True)
    images = {"rect": make_image(W, H, 22), "square": make_image(SQUARE, SQUARE, 23)}
    blob = bytearray()
    lines = []

    def add(name, image_key, op, magnitude, fill, out):
        assert out.mode == "RGB"
        lines.append("\t".join([name, image_key, op, magnitude, fill, str(len(blob)), str(out.width),
                                str(out.height)]))
        blob.extend(np.asarray(out, dtype=np.uint8).tobytes())

    for key, im in images.items():
        add("input_" + key, key, "Input", "0", "-", im)

    nearest = InterpolationMode.NEAREST
    signed = {
        "ShearX": [0.05, -0.05, 0.3, -0.3, 0.99, -0.99, 0.6930000185966492],
        "ShearY": [0.05, -0.05, 0.3, -0.3, 0.99, -0.99],
        "TranslateX": [3.0, -3.0, 16.0, -16.0, 40.0, -7.7],
        "TranslateY": [3.0, -3.0, 16.0, -16.0, 31.9, -5.2],
        "Rotate": [4.5, -4.5, 30.0, -30.0, 90.0, -90.0, 135.0, -130.5, 180.0],
        "Brightness": [0.3, -0.3, 0.99, -0.99, 0.297, -0.5],
        "Color": [0.3, -0.3, 0.99, -0.99, 0.5, -0.5],
        "Contrast": [0.3, -0.3, 0.99, -0.99, 0.5, -0.5],
        "Sharpness": [0.3, -0.3, 0.99, -0.99, 0.5, -0.5],
    }
    for op, mags in signed.items():
        for m in mags:
            m = float(np.float32(m))  # the policies' magnitudes are float32 bin values
            out = _apply_op(images["rect"], op, m, interpolation=nearest, fill=None)
            add(f"{op}_{m!r}", "rect", op, repr(m), "-", out)
    for op, m in [("ShearX", 0.3), ("ShearY", -0.3), ("TranslateX", 16.0), ("TranslateY", -12.0),
                  ("Rotate", 30.0), ("Rotate", -135.0)]:
        m = float(np.float32(m))
        fill = [128, 64, 200]
        out = _apply_op(images["rect"], op, m, interpolation=nearest, fill=fill)
        add(f"{op}_{m!r}_fill", "rect", op, repr(m), ",".join(map(str, fill)), out)
    for m in [90.0, -90.0, 180.0, 45.0, -13.5]:
        out = _apply_op(images["square"], "Rotate", m, interpolation=nearest, fill=None)
        add(f"Rotate_square_{m!r}", "square", "Rotate", repr(m), "-", out)
    for op, mags in [("Posterize", [8, 7, 6, 4, 2, 1, 0]),
                     ("Solarize", [255.0, 246.5, 127.5, 100.0, 8.5, 0.0])]:
        for m in mags:
            out = _apply_op(images["rect"], op, float(m), interpolation=nearest, fill=None)
            add(f"{op}_{float(m)!r}", "rect", op, repr(float(m)), "-", out)
    for op in ["Identity", "AutoContrast", "Equalize"]:
        out = _apply_op(images["rect"], op, 0.0, interpolation=nearest, fill=None)
        add(op, "rect", op, "0.0", "-", out)
    for hue in [0.1, -0.1, 0.5, -0.5, 0.25, -0.03, 0.004]:
        add(f"Hue_{hue!r}", "rect", "Hue", repr(hue), "-", F.adjust_hue(images["rect"], hue))
    # ColorJitter: the four adjustments with fixed factors in a fixed order (ColorJitter draws the order with
    # torch.randperm(4): 0 brightness, 1 contrast, 2 saturation, 3 hue)
    for order, factors in [((0, 1, 2, 3), (1.3, 0.7, 1.4, 0.08)), ((3, 2, 1, 0), (0.65, 1.35, 0.6, -0.12)),
                           ((2, 0, 3, 1), (1.1, 1.6, 0.0, 0.5))]:
        img = images["rect"]
        for fn in order:
            if fn == 0:
                img = F.adjust_brightness(img, factors[0])
            elif fn == 1:
                img = F.adjust_contrast(img, factors[1])
            elif fn == 2:
                img = F.adjust_saturation(img, factors[2])
            else:
                img = F.adjust_hue(img, factors[3])
        add("ColorJitter_" + "".join(map(str, order)), "rect", "ColorJitter",
            ",".join(map(repr, factors)) + ";" + ",".join(map(str, order)), "-", img)

    with open(os.path.join(OUT, "cases.tsv"), "w") as f:
        f.write("# name\timage\top\tmagnitude\tfill\toffset\twidth\theight  (written by tools/make_augment_fixtures.py"
                f" with torchvision {torchvision.__version__}, Pillow {PIL.__version__})\n")
        f.write("\n".join(lines) + "\n")
    with gzip.GzipFile(os.path.join(OUT, "images.bin.gz"), "wb", mtime=0) as f:
        f.write(bytes(blob))

    # magnitude bins, exactly as the policies compute them (float32 tensors)
    bin_lines = []
    for w, h in [(W, H), (224, 224)]:
        for policy, space in [("trivialaugment", TrivialAugmentWide()._augmentation_space(31)),
                              ("randaugment", RandAugment()._augmentation_space(31, (h, w)))]:
            for op, (mags, sgn) in space.items():
                values = [repr(float(v)) for v in mags.reshape(-1).tolist()] if mags.ndim > 0 else []
                bin_lines.append("\t".join([policy, str(w), str(h), op, str(bool(sgn)).lower()] + values))
    with open(os.path.join(OUT, "bins.tsv"), "w") as f:
        f.write("# policy\twidth\theight\top\tsigned\tbins...  (torchvision " + torchvision.__version__ + ")\n")
        f.write("\n".join(bin_lines) + "\n")

    # RandomErasing: F.erase on the normalised tensor with a fixed box
    tensor = F.normalize(F.to_tensor(images["rect"]), MEAN, STD)
    eblob = bytearray(tensor.numpy().astype("<f4").tobytes())
    elines = []
    for name, (i, j, h, w), value in [("zero", (3, 5, 10, 20), 0.0), ("value", (0, 0, 29, 7), 1.5),
                                      ("corner", (20, 30, 9, 7), -0.25)]:
        v = torch.tensor([value], dtype=torch.float32)[:, None, None]
        out = F.erase(tensor.clone(), i, j, h, w, v)
        elines.append("\t".join([name, str(i), str(j), str(h), str(w), repr(value), str(len(eblob) // 4)]))
        eblob.extend(out.numpy().astype("<f4").tobytes())
    with open(os.path.join(OUT, "erase.tsv"), "w") as f:
        f.write("# name\ttop\tleft\theight\twidth\tvalue\tfloat offset  (input tensor at offset 0, [3, 29, 37])\n")
        f.write("\n".join(elines) + "\n")
    with gzip.GzipFile(os.path.join(OUT, "erase.bin.gz"), "wb", mtime=0) as f:
        f.write(bytes(eblob))
    print(f"{len(lines)} image cases ({len(blob)} bytes), {len(bin_lines)} bin rows, {len(elines)} erase cases")


if __name__ == "__main__":
    main()
