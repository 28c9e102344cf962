#!/usr/bin/env python3
"""Small torch.save fixtures for resnext4j's PyTorch reader (TorchCheckpointReader), in both of torch's formats.

Writes, into zoo-resnext/src/test/resources/fixtures/pth/:

  dtypes.zip.pth / dtypes.legacy.pth   an OrderedDict state dict (with _metadata) of F32, F16, BF16, F64, I64, I32,
                                       U8 and BOOL tensors, a 0-d scalar, an nn.Parameter, a transposed view, a slice
                                       with a storage offset, two tensors sharing one storage, num_batches_tracked
  dtypes.expected.safetensors          every tensor above, contiguous, same names and dtypes: what Java must read
  nested.zip.pth / nested.legacy.pth   a training checkpoint {"epoch", "arch", "lr", "best": None,
                                       "state_dict": {...}} around three tensors of dtypes.*
  model_module.legacy.pth              {"model": {"module.<key>": ...}}: nested under "model", DataParallel prefix
  dataparallel.zip.pth                 {"module.<key>": ...}: DataParallel's prefix at the top
  tiny_tv.zip.pth / tiny_tv.legacy.pth a torchvision-named ResNeXt (cardinality 2, 4 channels wide) state dict
  tiny_tv.safetensors                  the same state dict as safetensors, with the spec in __metadata__

torch.save writes the zip format by default and the legacy (pre-1.6) format, which torchvision's 2017 weights use,
with _use_new_zipfile_serialization=False. Python is a tool here, never a runtime dependency of the library.

  /usr/bin/python3 tools/make_pth_fixtures.py
"""
import collections
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference_fixtures import build  # noqa: E402

torch.set_num_threads(2)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zoo-resnext", "src", "test", "resources",
                   "fixtures", "pth")

TINY_TV = dict(name="tiny_tv", blocks=[1, 1, 1, 1], cardinality=2, base_width=32, planes=[4, 4, 4, 4],
               stem_width=4, num_classes=3, size=32, batch=1, seed=7)


DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
          torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}


def save_safetensors(path, tensors, metadata=None):
    """safetensors (8-byte LE header length, JSON header, raw LE data) of every dtype above, in insertion order."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype in (torch.float16, torch.bfloat16):
            raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def state_dict():
    g = torch.Generator().manual_seed(21)
    sd = collections.OrderedDict()
    sd["f32"] = torch.randn(2, 3, generator=g)
    sd["f16"] = torch.randn(4, generator=g).half()
    sd["f16"][3] = 65504.0  # the largest half
    sd["bf16"] = torch.randn(3, generator=g).bfloat16()
    sd["f64"] = torch.randn(2, 2, generator=g, dtype=torch.float64)
    sd["i64"] = torch.tensor([-(2 ** 40), 0, 2 ** 62], dtype=torch.int64)
    sd["i32"] = torch.tensor([-7, 2 ** 30], dtype=torch.int32)
    sd["u8"] = torch.tensor([0, 1, 127, 200, 255], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, False, True])
    sd["scalar"] = torch.tensor(2.5)
    sd["param"] = torch.nn.Parameter(torch.randn(3, generator=g))
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    sd["transposed"] = base.t()  # shape [6, 4], stride [1, 6]
    sd["sliced"] = base[1:, 2:5]  # shape [3, 3], offset 8, stride [6, 1]
    flat = torch.arange(10, dtype=torch.float32) * 0.5
    sd["shared_a"] = flat[:4]  # one storage, two tensors
    sd["shared_b"] = flat[4:].view(2, 3)  # offset 4
    sd["bn.num_batches_tracked"] = torch.tensor(12, dtype=torch.int64)
    sd._metadata = collections.OrderedDict({"": {"version": 1}, "bn": {"version": 2}})
    return sd


def save_both(obj, stem, formats=("zip", "legacy")):
    for fmt in formats:
        path = os.path.join(OUT, f"{stem}.{fmt}.pth")
        torch.save(obj, path, _use_new_zipfile_serialization=(fmt == "zip"))
        print(f"{path}: {os.path.getsize(path)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict()
    assert sd["transposed"].stride() == (1, 6) and sd["sliced"].storage_offset() == 8
    assert sd["shared_a"].storage().data_ptr() == sd["shared_b"].storage().data_ptr()
    save_both(sd, "dtypes")
    save_safetensors(os.path.join(OUT, "dtypes.expected.safetensors"), sd)

    small = collections.OrderedDict((k, sd[k]) for k in ("f32", "sliced", "bn.num_batches_tracked"))
    save_both({"epoch": 3, "arch": "resnext", "lr": 0.1, "best": None, "state_dict": small}, "nested")
    prefixed = collections.OrderedDict(("module." + k, v) for k, v in small.items())
    save_both({"model": prefixed}, "model_module", formats=("legacy",))
    save_both(prefixed, "dataparallel", formats=("zip",))

    model = build(TINY_TV)
    tv = model.state_dict()
    save_both(tv, "tiny_tv")
    meta = {k: (",".join(map(str, v)) if isinstance(v, list) else v) for k, v in TINY_TV.items()}
    meta["torch"] = torch.__version__
    save_safetensors(os.path.join(OUT, "tiny_tv.safetensors"), tv, meta)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total} bytes in {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
