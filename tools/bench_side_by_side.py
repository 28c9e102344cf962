#!/usr/bin/env python3
"""Side-by-side throughput benchmark: DL4J (resnext4j and DL4J's zoo) against torchvision on PyTorch CPU, libtorch
2.7.1 through DJL and, for inference, ONNX Runtime Java.

One script, one machine, the same thread count. The DL4J contenders run in a JVM started once in `bench --serve`
mode (see examples' BenchCommand); the PyTorch contenders run in this process; ONNX Runtime (side `ort`, inference
only) runs in a second JVM, `tools/ort-bench` (com.microsoft.onnxruntime:onnxruntime 1.20.0, CPU provider, all graph
optimisations), on torchvision's models exported here with torch.onnx.export (opset 13, dynamic batch and image
size, the same random weights as the torch side). libtorch 2.7.1 through DJL 0.36 (side `djl`, training and
inference) runs in a third JVM, `tools/djl-bench` (ai.djl.pytorch:pytorch-engine 0.36.0, pytorch-jni 2.7.1-0.36.0,
pytorch-native-cpu 2.7.1, offline), on the same models scripted with torch.jit.script. Contenders are interleaved
(A B A B ...) round by round, each measurement is warm-up iterations then timed iterations, and ratios are taken
pair by pair within a round, so that a disturbance from another process on this shared machine hits one pair, not
a whole column. Iterations slower than 1.5x their contender's median are reported as disturbed.

  mvn -B -q -DskipTests install
  /usr/bin/python3 tools/bench_side_by_side.py                   # batch 8 @ 224 and batch 32 @ 64, train and infer
  /usr/bin/python3 tools/bench_side_by_side.py --configs 8x224 --modes infer --rounds 3
  /usr/bin/python3 tools/bench_side_by_side.py --modes infer --rounds 3 \
      --contenders dl4j:resnext50_fused,ort:resnext50_32x4d,torch:resnext50_32x4d,dl4j:resnet50,ort:resnet50,torch:resnet50
  /usr/bin/python3 tools/bench_side_by_side.py --modes train --rounds 5 \
      --contenders dl4j:resnext50_fused,torch:resnext50_32x4d,djl:resnext50_32x4d
  /usr/bin/python3 tools/bench_side_by_side.py --modes infer --rounds 3 \
      --contenders dl4j:resnext50_inference,dl4j:resnext50_int8,torch:resnext50_32x4d_int8,dl4j:resnext50_bf16,\
torch:resnext50_32x4d_bf16,torch:resnext50_32x4d

Reduced precision (inference only): `dl4j:resnext50_int8` and `dl4j:resnext50_bf16` are our inference form quantized
(calibrated on two random batches of the benchmark's size, seeded) and in bf16; `torch:<model>_int8` is PyTorch's FX
post-training static quantization (prepare_fx/convert_fx, the "onednn" engine and its default qconfig mapping,
calibrated on the same kind of random batches), `torch:<model>_bf16` the eval model under
torch.autocast("cpu", dtype=torch.bfloat16). The bf16 contenders are skipped, with a note, on CPUs without
AVX512-BF16 / AMX. The CPU's instruction sets are printed first and stored with the results.

Debian's python3-torch and python3-torchvision provide PyTorch; Python is a tool here, never a dependency.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

THREADS = 2
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
import torch  # noqa: E402
import torchvision  # noqa: E402

torch.set_num_threads(THREADS)
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (side, id) in the interleaving order of one round
CONTENDERS = [
    ("dl4j", "resnext50_fused"),
    ("torch", "resnext50_32x4d"),
    ("dl4j", "resnext50_split"),
    ("dl4j", "resnet50"),
    ("torch", "resnet50"),
    ("dl4j", "zoo_resnet50"),
]
# ratios reported: (numerator, denominator)
RATIOS = [
    (("dl4j", "resnext50_fused"), ("torch", "resnext50_32x4d")),
    (("dl4j", "resnext50_fused"), ("dl4j", "resnet50")),
    (("dl4j", "resnext50_fused"), ("dl4j", "resnext50_split")),
    (("dl4j", "resnet50"), ("torch", "resnet50")),
    (("dl4j", "resnet50"), ("dl4j", "zoo_resnet50")),
    (("dl4j", "resnext50_fused"), ("ort", "resnext50_32x4d")),
    (("ort", "resnext50_32x4d"), ("torch", "resnext50_32x4d")),
    (("dl4j", "resnet50"), ("ort", "resnet50")),
    (("ort", "resnet50"), ("torch", "resnet50")),
    (("dl4j", "resnext50_inference"), ("ort", "resnext50_32x4d")),
    (("dl4j", "resnext50_inference"), ("dl4j", "resnext50_fused")),
    (("dl4j", "resnext50_inference"), ("torch", "resnext50_32x4d")),
    (("dl4j", "resnet50_inference"), ("ort", "resnet50")),
    (("dl4j", "resnet50_inference"), ("torch", "resnet50")),
    (("dl4j", "resnext50_fused"), ("djl", "resnext50_32x4d")),
    (("djl", "resnext50_32x4d"), ("torch", "resnext50_32x4d")),
    (("dl4j", "resnext50_inference"), ("djl", "resnext50_32x4d")),
    (("dl4j", "resnet50"), ("djl", "resnet50")),
    (("dl4j", "resnext50_int8"), ("dl4j", "resnext50_inference")),
    (("dl4j", "resnext50_int8"), ("torch", "resnext50_32x4d_int8")),
    (("torch", "resnext50_32x4d_int8"), ("torch", "resnext50_32x4d")),
    (("dl4j", "resnext50_bf16"), ("dl4j", "resnext50_inference")),
    (("dl4j", "resnext50_bf16"), ("torch", "resnext50_32x4d_bf16")),
    (("torch", "resnext50_32x4d_bf16"), ("torch", "resnext50_32x4d")),
]
# the CPU flags that decide which int8 / bf16 kernels run
ISA_FLAGS = ["avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8"]


def cpu_flags():
    """The CPU's model name and which of ISA_FLAGS /proc/cpuinfo lists."""
    model, flags = "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown":
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    return model, [fl for fl in ISA_FLAGS if fl in flags]


def has_bf16():
    return any(fl in cpu_flags()[1] for fl in ("avx512_bf16", "amx_bf16"))


def reduced_precision(name):
    """(torchvision model name, "int8" | "bf16" | None) of a torch contender id such as resnext50_32x4d_int8."""
    for suffix in ("_int8", "_bf16"):
        if name.endswith(suffix):
            return name[: -len(suffix)], suffix[1:]
    return name, None


def torch_int8(model, size, batch):
    """PyTorch FX post-training static int8 quantization on the "onednn" engine (Debian's build has no fbgemm),
    calibrated on two seeded random batches of the benchmark's shape (as the DL4J side's resnext50_int8)."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    torch.backends.quantized.engine = "onednn"
    model.eval()
    torch.manual_seed(11)
    calibration = [torch.rand(batch, 3, size, size) for _ in range(2)]
    prepared = prepare_fx(model, get_default_qconfig_mapping("onednn"), example_inputs=(calibration[0],))
    with torch.no_grad():
        for c in calibration:
            prepared(c)
    return convert_fx(prepared)


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return -1


def torch_model(name):
    """torchvision's model with seeded random weights and batch-norm statistics calibrated on random batches.

    With the initial statistics (mean 0, variance 1) an untrained network's eval-mode activations shrink into the
    float denormal range, where x86 arithmetic slows down several-fold (measured: PyTorch inference 8 @ 224 at 9 img/s
    instead of 24); a trained model never runs there, so neither does the benchmark."""
    torch.manual_seed(42)
    model = getattr(torchvision.models, name)(weights=None)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(8, 3, 64, 64))
    return model


class TorchSide:
    def __init__(self):
        self.cache = {}

    def run(self, name, mode, batch, size, warmup, iters):
        arch, precision = reduced_precision(name)
        if precision == "bf16" and not has_bf16():
            return {"side": "torch", "contender": name, "mode": mode, "batch": batch, "size": size,
                    "images_per_s": [], "median": float("nan"), "peak_rss_mb": -1,
                    "note": "no AVX512-BF16 or AMX on this CPU"}
        key = (name, size, batch if precision == "int8" else None)
        if key not in self.cache:
            self.cache.clear()
            model = torch_model(arch)
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
            if precision == "int8":
                model = torch_int8(model, size, batch)
            self.cache[key] = (model, opt)
        model, opt = self.cache[key]
        torch.manual_seed(7)
        x = torch.rand(batch, 3, size, size)
        y = torch.tensor([(i * 37) % 1000 for i in range(batch)])
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            if mode == "train":
                model.train()
                opt.zero_grad()
                loss_fn(model(x), y).backward()
                opt.step()
            elif precision == "bf16":
                model.eval()
                with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
                    model(x)
            else:
                model.eval()
                with torch.no_grad():
                    model(x)

        for _ in range(warmup):
            step()
        reset_peak_rss()
        ips = []
        for _ in range(iters):
            t0 = time.perf_counter()
            step()
            ips.append(batch / (time.perf_counter() - t0))
        return {"side": "torch", "contender": name, "mode": mode, "batch": batch, "size": size,
                "images_per_s": ips, "median": statistics.median(ips), "peak_rss_mb": peak_rss_mb(), "note": ""}


class ServerSide:
    """A JVM answering `<contender> <mode> <batch> <size> <warmup> <iters>` with one JSON line (DL4J, ONNX Runtime)."""

    def __init__(self, java_cmd):
        env = dict(os.environ, OMP_NUM_THREADS=str(THREADS))
        self.proc = subprocess.Popen(java_cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                     cwd=ROOT)
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the bench server " + " ".join(java_cmd[-3:]) + " exited before it was ready")
            if line.startswith("{\"ready\""):
                self.ready = json.loads(line)
                break

    def run(self, name, mode, batch, size, warmup, iters):
        self.proc.stdin.write(f"{name} {mode} {batch} {size} {warmup} {iters}\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("a bench server died")
            if line.startswith("{"):
                r = json.loads(line)
                if "error" in r:
                    raise RuntimeError(r["error"])
                return r

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)
        except Exception:
            self.proc.kill()


def default_java_cmd():
    cp_file = os.path.join(ROOT, "examples", "target", "bench-classpath.txt")
    subprocess.run(["mvn", "-q", "-o", "-pl", "examples", "dependency:build-classpath",
                    "-Dmdep.outputFile=" + cp_file], cwd=ROOT, check=True)
    cp = open(cp_file).read().strip() + os.pathsep + os.path.join(ROOT, "examples", "target", "classes")
    return ["java", "-Xmx6g", "-Dorg.bytedeco.javacpp.maxbytes=14G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=18G",
            "-cp", cp, "org.resnext4j.examples.Cli", "bench", "--serve"]


def tool_java_cmd(project_name, main_class, model_dir):
    """Builds a peer's project under tools/ (offline, from the local Maven repository); its JVM command line."""
    project = os.path.join(HERE, project_name)
    cp_file = os.path.join(project, "target", "cp.txt")
    subprocess.run(["mvn", "-q", "-o", "compile", "dependency:build-classpath", "-Dmdep.outputFile=" + cp_file],
                   cwd=project, check=True)
    cp = open(cp_file).read().strip() + os.pathsep + os.path.join(project, "target", "classes")
    return ["java", "-Xmx2g", "-cp", cp, main_class, model_dir, str(THREADS)]


def ort_java_cmd():
    """tools/ort-bench (ONNX Runtime Java 1.20.0) serving the ONNX models the script exports."""
    return tool_java_cmd("ort-bench", "org.resnext4j.tools.OrtBench", onnx_dir())


def djl_java_cmd():
    """tools/djl-bench (libtorch 2.7.1 through DJL 0.36) serving the TorchScript models the script scripts."""
    return tool_java_cmd("djl-bench", "org.resnext4j.tools.DjlBench", torchscript_dir())


def torchscript_dir():
    return os.path.join(ROOT, "examples", "target", "torchscript")


def export_torchscript(names):
    """torch.jit.script keeps the models' training/eval switch (a trace would freeze batch norm in one mode)."""
    os.makedirs(torchscript_dir(), exist_ok=True)
    for name in names:
        path = os.path.join(torchscript_dir(), name + ".pt")
        if not os.path.exists(path):
            torch.jit.script(torch_model(name)).save(path)
            print(f"scripted {name} to {path}", flush=True)


def onnx_dir():
    return os.path.join(ROOT, "examples", "target", "onnx")


def export_onnx(names):
    os.makedirs(onnx_dir(), exist_ok=True)
    for name in names:
        path = os.path.join(onnx_dir(), name + ".onnx")
        if os.path.exists(path):
            continue
        model = torch_model(name).eval()
        torch.onnx.export(model, torch.rand(1, 3, 224, 224), path, opset_version=13, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                                                 "logits": {0: "batch"}})
        print(f"exported {name} to {path}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--configs", default="8x224,32x64")
    p.add_argument("--modes", default="train,infer")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iters", type=int, default=3)
    p.add_argument("--contenders", default=",".join(f"{s}:{n}" for s, n in CONTENDERS),
                   help="comma-separated side:name, in interleaving order")
    p.add_argument("--out", default=os.path.join(ROOT, "examples", "target", "bench-results.json"))
    a = p.parse_args()
    contenders = [tuple(c.split(":")) for c in a.contenders.split(",")]
    configs = [tuple(int(v) for v in c.split("x")) for c in a.configs.split(",")]
    cpu_model, isa = cpu_flags()
    print(f"CPU: {cpu_model}; instruction sets: {' '.join(isa) or 'none of ' + ' '.join(ISA_FLAGS)}; "
          f"torch {torch.__version__}, quantized engines {torch.backends.quantized.supported_engines}", flush=True)
    torch_side = TorchSide()
    sides = {"torch": torch_side, "dl4j": ServerSide(default_java_cmd())}
    ort_models = sorted({n for s, n in contenders if s == "ort"})
    if ort_models:
        export_onnx(ort_models)
        sides["ort"] = ServerSide(ort_java_cmd())
    djl_models = sorted({n for s, n in contenders if s == "djl"})
    if djl_models:
        export_torchscript(djl_models)
        sides["djl"] = ServerSide(djl_java_cmd())
    results = []
    try:
        for batch, size in configs:
            for mode in a.modes.split(","):
                for rnd in range(a.rounds):
                    for side, name in contenders:
                        if side == "dl4j" and name == "zoo_resnet50" and size < 193:
                            continue  # DL4J's zoo ResNet50 fails below about 193x193
                        inference_only = side == "ort" or name.endswith(("_inference", "_int8", "_bf16"))
                        if inference_only and mode != "infer":
                            continue  # ONNX Runtime, our inference form, int8 and bf16: inference only
                        load = open("/proc/loadavg").read().split()[0]
                        runner = sides[side]
                        r = runner.run(name, mode, batch, size, a.warmup, a.iters)
                        r["round"] = rnd
                        r["loadavg_before"] = float(load)
                        results.append(r)
                        print(f"round {rnd} {mode:5s} {batch}@{size} {side}:{name:18s} "
                              f"{r['median']:8.2f} img/s  {[round(v, 2) for v in r['images_per_s']]}  "
                              f"peak {r['peak_rss_mb']} MB  load {load} {r.get('note', '')}", flush=True)
    finally:
        for side in sides.values():
            if isinstance(side, ServerSide):
                side.close()
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    dl4j_isa = sides["dl4j"].ready.get("onednn_isa", "unknown") if hasattr(sides["dl4j"], "ready") else "unknown"
    with open(a.out, "w") as f:
        json.dump({"cpu": cpu_model, "instruction_sets": isa, "onednn_isa": dl4j_isa, "results": results}, f,
                  indent=1)
    print(f"\nCPU: {cpu_model}; instruction sets: {' '.join(isa)}; oneDNN (DL4J side) ISA: {dl4j_isa}")
    report(results, configs, a.modes.split(","))


def report(results, configs, modes):
    print("\n| contender | mode | batch@size | median img/s | peak RSS MB | disturbed iterations |")
    print("|---|---|---|---|---|---|")
    for batch, size in configs:
        for mode in modes:
            seen = {}
            for r in results:
                if r["batch"] == batch and r["size"] == size and r["mode"] == mode:
                    seen.setdefault((r["side"], r["contender"]), []).append(r)
            for (side, name), rs in seen.items():
                ips = [v for r in rs for v in r["images_per_s"]]
                med = statistics.median(ips)
                disturbed = sum(1 for v in ips if v < med / 1.5)
                print(f"| {side}:{name} | {mode} | {batch}@{size} | {med:.2f} | "
                      f"{max(r['peak_rss_mb'] for r in rs)} | {disturbed} of {len(ips)} |")
    print("\n| ratio (pairwise within a round, median over rounds) | mode | batch@size | ratio |")
    print("|---|---|---|---|")
    for batch, size in configs:
        for mode in modes:
            for num, den in RATIOS:
                ratios = []
                for rnd in sorted({r["round"] for r in results}):
                    a = [r for r in results if r["round"] == rnd and r["batch"] == batch and r["size"] == size
                         and r["mode"] == mode and (r["side"], r["contender"]) == num]
                    b = [r for r in results if r["round"] == rnd and r["batch"] == batch and r["size"] == size
                         and r["mode"] == mode and (r["side"], r["contender"]) == den]
                    if a and b:
                        ratios.append(a[0]["median"] / b[0]["median"])
                if ratios:
                    print(f"| {num[0]}:{num[1]} / {den[0]}:{den[1]} | {mode} | {batch}@{size} | "
                          f"{statistics.median(ratios):.2f} (rounds: {', '.join(f'{x:.2f}' for x in ratios)}) |")


if __name__ == "__main__":
    sys.exit(main())
