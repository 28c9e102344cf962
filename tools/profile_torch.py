#!/usr/bin/env python3
"""Where torchvision's time goes on PyTorch CPU (2 threads), per operator, for comparison with `bench --profile` and
`tools/onednn_profile.py` on the DL4J side: an inference pass, or a training step (SGD, Nesterov momentum 0.9, as the
benchmark).

  /usr/bin/python3 tools/profile_torch.py [--mode infer|train] [--batch 8] [--size 224] [--model resnext50_32x4d]
"""
import argparse

import torch
import torchvision
from torch.profiler import ProfilerActivity, profile

torch.set_num_threads(2)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--model", default="resnext50_32x4d")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--mode", choices=["infer", "train"], default="infer")
    a = p.parse_args()
    model = getattr(torchvision.models, a.model)(weights=None)
    x = torch.rand(a.batch, 3, a.size, a.size)
    if a.mode == "train":
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
        y = torch.randint(0, 1000, (a.batch,))

        def step():
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.no_grad():
                model(x)
    step()
    step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(a.reps):
            step()
    what = "training step" if a.mode == "train" else "forward pass"
    print(f"{a.model}, {a.mode}, batch {a.batch} @ {a.size}x{a.size}, per {what}")
    rows = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
    total = sum(e.self_cpu_time_total for e in rows)
    for e in sorted(rows, key=lambda e: -e.self_cpu_time_total)[:10]:
        print(f"  {e.key:30s} {e.self_cpu_time_total / 1000 / a.reps:9.1f} ms  "
              f"{100 * e.self_cpu_time_total / total:5.1f}%")
    print(f"  {'total':30s} {total / 1000 / a.reps:9.1f} ms")


if __name__ == "__main__":
    main()
