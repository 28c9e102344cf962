#!/usr/bin/env python3
"""Where oneDNN's time goes: sums the lines of a oneDNN verbose log (`Cli bench ... --onednn-verbose`) per primitive
kind, implementation and direction (reorders per source and destination layout), per iteration.

  java ... org.resnext4j.examples.Cli bench --contenders resnext50_fused --configs 8x224 --modes train \\
       --rounds 1 --warmup 2 --iters 3 --onednn-verbose > verbose.log
  /usr/bin/python3 tools/onednn_profile.py verbose.log --skip 2 --iterations 3

Primitive executions are split evenly into warm-up + timed iterations (every iteration runs the same primitives);
--skip drops the warm-up ones. Only the standard library is used.
"""
import argparse
import collections


def layout(md):
    # "src_f32::blocked:aBcd16b:f0" -> "aBcd16b"
    parts = md.split(":")
    return parts[3] if len(parts) > 3 else md


def main():
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("--skip", type=int, default=2, help="warm-up iterations to drop")
    p.add_argument("--iterations", type=int, default=3, help="timed iterations in the log")
    p.add_argument("--top", type=int, default=20)
    a = p.parse_args()
    rows = [line.strip().split(",") for line in open(a.log) if line.startswith("onednn_verbose,exec,")]
    per_iteration = len(rows) // (a.skip + a.iterations)
    rows = rows[a.skip * per_iteration:]
    total = collections.defaultdict(float)
    count = collections.Counter()
    for f in rows:
        kind, impl, prop, mds = f[3], f[4], f[5], f[6]
        if kind == "reorder":
            key = f"reorder {' -> '.join(layout(m) for m in mds.split(' '))} ({impl})"
        else:
            key = f"{kind} {prop} ({impl})"
        total[key] += float(f[-1])
        count[key] += 1
    grand = sum(total.values())
    print(f"{len(rows)} primitive executions over {a.iterations} iterations; oneDNN time per iteration "
          f"{grand / a.iterations:.1f} ms")
    for key, ms in sorted(total.items(), key=lambda kv: -kv[1])[:a.top]:
        print(f"  {ms / a.iterations:8.1f} ms {100 * ms / grand:5.1f}%  x{count[key] // a.iterations:<4d} {key}")


if __name__ == "__main__":
    main()
