#!/usr/bin/env python3
"""Small image fixtures for datavec-pipelines' format tests (FormatsTest), written with Pillow.

    /usr/bin/python3 tools/make_format_fixtures.py datavec-pipelines/src/test/resources/formats

source.png        40x30 RGB test card (gradient, coloured squares): the pixels the lossless files must decode to
lossless.webp     source, WebP lossless
image.tif         source, TIFF (LZW)
cmyk.jpg          source as a CMYK JPEG (Adobe APP14 marker, inverted CMYK as Photoshop writes it)
cmyk_pillow.png   what Pillow decodes cmyk.jpg to with convert("RGB")
exif_rotated.jpg  source turned 90 degrees counter-clockwise (30x40) with EXIF Orientation 6 (display: turn clockwise)
exif_pillow.png   Pillow's ImageOps.exif_transpose(open(exif_rotated.jpg)).convert("RGB"): 40x30, upright
"""
import sys
from pathlib import Path

from PIL import Image, ImageOps


def card():
    w, h = 40, 30
    img = Image.new("RGB", (w, h))
    px = img.load()
    for y in range(h):
        for x in range(w):
            px[x, y] = (x * 255 // (w - 1), y * 255 // (h - 1), 128)
    for x in range(4, 14):
        for y in range(4, 12):
            px[x, y] = (255, 0, 0)        # red square, top left
    for x in range(26, 36):
        for y in range(18, 26):
            px[x, y] = (0, 0, 255)        # blue square, bottom right
    return img


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    src = card()
    src.save(out / "source.png")
    src.save(out / "lossless.webp", lossless=True)
    src.save(out / "image.tif", compression="tiff_lzw")
    src.convert("CMYK").save(out / "cmyk.jpg", quality=95)
    Image.open(out / "cmyk.jpg").convert("RGB").save(out / "cmyk_pillow.png")
    exif = Image.Exif()
    exif[0x0112] = 6
    # stored rotated 90 degrees counter-clockwise, so that display (rotate clockwise) shows the card upright
    src.transpose(Image.Transpose.ROTATE_90).save(out / "exif_rotated.jpg", quality=95, exif=exif)
    ImageOps.exif_transpose(Image.open(out / "exif_rotated.jpg")).convert("RGB").save(out / "exif_pillow.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "datavec-pipelines/src/test/resources/formats")
