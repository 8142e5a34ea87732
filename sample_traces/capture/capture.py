#!/usr/bin/env python3
"""Small GPU inference workloads for capturing real Nsight Systems traces.

Each workload is run on its own under ``nsys profile`` by ``run_all.sh``:

    python3 capture.py --workload cnn_fp16_channels_last
    python3 capture.py --list
    python3 capture.py --summarize trace.sqlite   # no torch needed

Every workload warms up first (outside the capture range), then calls
``cudaProfilerStart`` (``torch.cuda.profiler.start()``), runs a few
iterations, and calls ``cudaProfilerStop``. Run nsys with
``--capture-range=cudaProfilerApi --capture-range-end=stop`` so only the
profiled iterations land in the trace.

NVTX: every iteration is one range "iteration N"; every module's forward is
one range "<qualified.name> (<ClassName>)" pushed by forward hooks (nested like
the module tree), so module ranges nest inside iteration ranges. All ranges are
in the default (unnamed) domain. The ``nvtx`` package is used when it can be
imported (its messages become registered strings, i.e. NVTX_EVENTS.textId);
otherwise ``torch.cuda.nvtx`` (inline text, NVTX_EVENTS.text).

All weights are random (no downloads). TensorRT is not involved.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

# --------------------------------------------------------------------------
# NVTX helpers (nvtx package, falling back to torch.cuda.nvtx)
# --------------------------------------------------------------------------

_NVTX_BACKEND = None
_push = None
_pop = None


def _init_nvtx(prefer: str = "auto") -> str:
    global _NVTX_BACKEND, _push, _pop
    if prefer in ("auto", "nvtx"):
        try:
            import nvtx  # type: ignore

            def _push(msg):  # noqa: E306
                nvtx.push_range(msg)

            def _pop():  # noqa: E306
                nvtx.pop_range()

            try:
                from importlib.metadata import version as _v
                ver = _v("nvtx")
            except Exception:
                ver = getattr(nvtx, "__version__", "?")
            _NVTX_BACKEND = "nvtx %s (python package)" % ver
            globals().update(_push=_push, _pop=_pop)
            return _NVTX_BACKEND
        except ImportError:
            if prefer == "nvtx":
                raise
    import torch

    def _push(msg):  # noqa: E306
        torch.cuda.nvtx.range_push(msg)

    def _pop():  # noqa: E306
        torch.cuda.nvtx.range_pop()

    globals().update(_push=_push, _pop=_pop)
    _NVTX_BACKEND = "torch.cuda.nvtx"
    return _NVTX_BACKEND


class nvtx_range:
    """Context manager for one push/pop range in the default domain."""

    def __init__(self, msg: str):
        self.msg = msg

    def __enter__(self):
        _push(self.msg)
        return self

    def __exit__(self, *exc):
        _pop()
        return False


def add_module_ranges(model, root_name: str | None = None):
    """Push/pop one NVTX range around every module's forward (nested)."""
    handles = []
    for name, mod in model.named_modules():
        label = "%s (%s)" % (name or root_name or type(mod).__name__, type(mod).__name__)

        def pre(m, inp, _label=label):
            _push(_label)

        def post(m, inp, out):
            _pop()

        handles.append(mod.register_forward_pre_hook(pre))
        handles.append(mod.register_forward_hook(post))
    return handles


# --------------------------------------------------------------------------
# Common helpers
# --------------------------------------------------------------------------

def log(*a):
    print("[capture]", *a, flush=True)


def warm_then_profile(step, args, model=None, root_name: str | None = None) -> None:
    """Warm up (unprofiled, no module ranges), then add the module ranges and run the profiled
    iterations: the shape every eager workload shares."""
    import torch

    for _ in range(args.warmup):
        step(-1)
    torch.cuda.synchronize()
    if model is not None:
        add_module_ranges(model, root_name)
    profiled(step, args.iters)


def profiled(fn_iter, iters: int, sync_each: bool = True):
    """Run fn_iter(i) inside cudaProfilerStart/Stop with one NVTX range per iteration."""
    import torch

    torch.cuda.synchronize()
    torch.cuda.profiler.start()
    t0 = time.perf_counter()
    for i in range(iters):
        with nvtx_range("iteration %d" % i):
            fn_iter(i)
        if sync_each:
            torch.cuda.synchronize()
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    torch.cuda.profiler.stop()
    log("profiled %d iterations in %.1f ms (%.2f ms/iter, with profiler overhead)"
        % (iters, dt * 1e3, dt * 1e3 / max(iters, 1)))


def fold_bn_resnet(model):
    """Fold eval BatchNorm into the preceding conv for torchvision ResNets."""
    import torch.nn as nn
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    n = 0
    for mod in list(model.modules()):
        for i in ("", "1", "2", "3"):
            c, b = "conv" + i, "bn" + i
            if isinstance(getattr(mod, c, None), nn.Conv2d) and isinstance(getattr(mod, b, None), nn.BatchNorm2d):
                setattr(mod, c, fuse_conv_bn_eval(getattr(mod, c), getattr(mod, b)))
                setattr(mod, b, nn.Identity())
                n += 1
        ds = getattr(mod, "downsample", None)
        if isinstance(ds, nn.Sequential) and len(ds) == 2 and isinstance(ds[1], nn.BatchNorm2d):
            ds[0] = fuse_conv_bn_eval(ds[0], ds[1])
            ds[1] = nn.Identity()
            n += 1
    return n


def make_resnet(name: str):
    import torchvision

    return getattr(torchvision.models, name)(weights=None)


# --------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------

def wl_cnn(args, fp16: bool):
    """ResNet (random weights), BN folded into convs, eval, inference_mode.

    fp16: half + channels_last + cudnn.benchmark -> Tensor Core (HMMA/GMMA) convs.
    fp32: NCHW fp32 with TF32 disabled           -> CUDA-core (FFMA) convs.
    The input arrives as NCHW fp32 and is converted on the GPU inside a
    "preprocess" range (a layout/type conversion kernel, like a reformatter).
    """
    import torch

    torch.backends.cudnn.benchmark = True
    if fp16:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    else:
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.set_float32_matmul_precision("highest")

    model = make_resnet(args.model).eval()
    folded = fold_bn_resnet(model)
    log("folded %d BatchNorms into convs" % folded)
    model = model.cuda()
    fmt = torch.channels_last if fp16 else torch.contiguous_format
    dtype = torch.float16 if fp16 else torch.float32
    model = model.to(dtype=dtype, memory_format=fmt)
    x_host = torch.randn(args.batch, 3, 224, 224).pin_memory()
    x_dev = torch.empty_like(x_host, device="cuda")

    def step(i):
        with nvtx_range("H2D input"):
            x_dev.copy_(x_host, non_blocking=True)
        with nvtx_range("preprocess"):
            x = x_dev.to(dtype=dtype, memory_format=fmt)
        y = model(x)
        with nvtx_range("postprocess"):
            top = torch.topk(y.float().softmax(-1), 5, dim=-1)
        with nvtx_range("D2H output"):
            top.indices.to("cpu", non_blocking=True)

    with torch.inference_mode():
        warm_then_profile(step, args, model, args.model)
    return {"model": "torchvision.%s(weights=None), BN folded" % args.model,
            "batch": args.batch, "dtype": str(dtype), "memory_format": str(fmt),
            "cudnn.benchmark": True,
            "allow_tf32(matmul,cudnn)": [torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32]}


def wl_cnn_fp16_channels_last(args):
    """ResNet-18 fp16 channels_last, cudnn.benchmark: Tensor Core convs."""
    return wl_cnn(args, fp16=True)


def wl_cnn_fp32(args):
    """ResNet-18 fp32 NCHW, TF32 off: CUDA-core (FFMA) convs."""
    return wl_cnn(args, fp16=False)


def wl_eager_unfused_bn(args):
    """Eager conv -> BatchNorm2d -> ReLU stacks (eval), NOT fused: one kernel each."""
    import torch
    import torch.nn as nn

    torch.backends.cudnn.benchmark = True

    class ConvBNReLU(nn.Sequential):
        def __init__(self, cin, cout, stride=1):
            super().__init__(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU(inplace=False))

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.a = ConvBNReLU(c, c)
            self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.b(self.a(x)) + x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = ConvBNReLU(3, 64, 2)
            self.stage1 = nn.Sequential(Block(64), Block(64))
            self.down = ConvBNReLU(64, 128, 2)
            self.stage2 = nn.Sequential(Block(128), Block(128))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(128, 1000)

        def forward(self, x):
            x = self.stage2(self.down(self.stage1(self.stem(x))))
            return self.fc(torch.flatten(self.pool(x), 1))

    model = Net().eval()
    # give BN non-trivial statistics so nothing can be skipped
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    dtype = torch.float16
    model = model.cuda().to(dtype=dtype, memory_format=torch.channels_last)
    x = torch.randn(args.batch, 3, 224, 224, device="cuda").to(dtype=dtype, memory_format=torch.channels_last)

    def step(i):
        model(x)

    with torch.inference_mode():
        warm_then_profile(step, args, model, "Net")
    return {"model": "inline Conv2d->BatchNorm2d->ReLU net (eager, eval, no fusion)", "batch": args.batch,
            "dtype": str(dtype), "memory_format": "channels_last"}


def wl_transformer_block(args):
    """Pre-LN transformer blocks in fp16 calling F.scaled_dot_product_attention.

    Each block pins one SDPA backend so the trace holds the different attention
    kernels side by side: flash, cuDNN, memory-efficient, and math (unfused
    bmm + softmax + bmm). A backend the build/GPU cannot run falls back to the
    default choice (recorded in the metadata).
    """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    backends = {"flash": SDPBackend.FLASH_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION,
                "efficient": SDPBackend.EFFICIENT_ATTENTION, "math": SDPBackend.MATH}

    class Attention(nn.Module):
        def __init__(self, d, h, backend):
            super().__init__()
            self.h = h
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.backend = backend

        def forward(self, x):
            b, s, d = x.shape
            q, k, v = self.qkv(x).view(b, s, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
            _push("scaled_dot_product_attention [%s]" % (self.backend or "default"))
            try:
                if self.backend:
                    with sdpa_kernel([backends[self.backend]]):
                        o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                else:
                    o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            finally:
                _pop()
            return self.proj(o.transpose(1, 2).reshape(b, s, d))

    class Block(nn.Module):
        def __init__(self, d, h, backend):
            super().__init__()
            self.ln1 = nn.LayerNorm(d)
            self.attn = Attention(d, h, backend)
            self.ln2 = nn.LayerNorm(d)
            self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    d, h, s = 768, 12, args.seq
    dtype = torch.float16
    wanted = ["flash", "cudnn", "efficient", "math"]
    x = torch.randn(args.batch, s, d, device="cuda", dtype=dtype)
    used = []
    blocks = []
    with torch.inference_mode():
        for be in wanted:
            blk = Block(d, h, be).eval().cuda().to(dtype)
            try:
                blk(x)
                torch.cuda.synchronize()
                used.append(be)
            except Exception as e:  # backend not available here
                log("SDPA backend %s unavailable (%s); using default" % (be, str(e).splitlines()[0][:120]))
                blk.attn.backend = None
                used.append("default(instead of %s)" % be)
            blocks.append(blk)
    model = nn.Sequential(*blocks).eval()

    def step(i):
        model(x)

    with torch.inference_mode():
        warm_then_profile(step, args, model, "TransformerStack")
    return {"model": "4 pre-LN transformer blocks (d=768, heads=12, MLP 4x, GELU), causal SDPA",
            "batch": args.batch, "seq": s, "dtype": str(dtype), "sdpa_backend_per_block": used}


def _graph_model():
    import torch.nn as nn

    class Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU())
            self.conv1 = nn.Sequential(nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU())
            self.conv2 = nn.Sequential(nn.Conv2d(64, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU())
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.GELU(), nn.Linear(256, 10))

        def forward(self, x):
            return self.head(self.pool(self.conv2(self.conv1(self.stem(x)))))

    return Small()


def wl_cuda_graph(args):
    """Small fp16 CNN captured into a CUDA graph and replayed.

    The capture happens INSIDE the profiled range, with NVTX module ranges
    pushed during stream capture (as TensorRT does when enqueueV3 is captured),
    so node-mode traces can attribute replayed kernels to module ranges via
    CUDA_GRAPH_NODE_EVENTS. Each iteration also launches eager kernels outside
    the graph (preprocess/postprocess), so the kernel table is never empty even
    in --cuda-graph-trace=graph mode.
    """
    import torch

    torch.backends.cudnn.benchmark = False
    dtype = torch.float16
    model = _graph_model().eval().cuda().to(dtype=dtype, memory_format=torch.channels_last)
    x_host = torch.randn(args.batch, 3, 128, 128).pin_memory()
    static_in = torch.empty(args.batch, 3, 128, 128, device="cuda", dtype=dtype).to(
        memory_format=torch.channels_last)
    raw = torch.empty(args.batch, 3, 128, 128, device="cuda")
    mean = torch.tensor([0.485, 0.456, 0.406], device="cuda").view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], device="cuda").view(1, 3, 1, 1)

    with torch.inference_mode():
        # eager warm-up on a side stream (standard recipe before capture)
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(max(args.warmup, 3)):
                model(static_in)
        torch.cuda.current_stream().wait_stream(s)
        torch.cuda.synchronize()

        graph = torch.cuda.CUDAGraph()
        handles = add_module_ranges(model, "SmallCNN")
        torch.cuda.synchronize()
        torch.cuda.profiler.start()
        with nvtx_range("graph capture"):
            with torch.cuda.graph(graph):
                static_out = model(static_in)
        torch.cuda.synchronize()
        for hd in handles:  # replays do not run Python: no ranges needed any more
            hd.remove()

        def step(i):
            with nvtx_range("H2D input"):
                raw.copy_(x_host, non_blocking=True)
            with nvtx_range("preprocess"):
                static_in.copy_(((raw - mean) / std).to(dtype))
            with nvtx_range("graph replay"):
                graph.replay()
            with nvtx_range("postprocess"):
                static_out.float().softmax(-1).argmax(-1).to("cpu", non_blocking=True)

        # profiler already started: run iterations without restarting it
        t0 = time.perf_counter()
        for i in range(args.iters):
            with nvtx_range("iteration %d" % i):
                step(i)
            torch.cuda.synchronize()
        torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        torch.cuda.profiler.stop()
        log("captured 1 graph, replayed %d times in %.1f ms (with profiler overhead; the first replay "
            "includes the graph upload)" % (args.iters, dt * 1e3))
    return {"model": "small fp16 CNN (conv-bn-relu x3, pool, MLP head) in one CUDA graph",
            "batch": args.batch, "dtype": str(dtype), "graph_captured_inside_capture_range": True}


def wl_memcpy_pageable_vs_pinned(args):
    """H2D/D2H copies from/to pageable and pinned host tensors, non_blocking=True.

    Per iteration and per size: "pageable H2D", "pinned H2D", "pageable D2H",
    "pinned D2H" ranges, each copy issued on a copy stream while a compute
    stream runs a GEMM, so pinned copies can overlap compute and pageable ones
    (staged, synchronous w.r.t. the host) cannot.
    """
    import torch

    sizes_mb = [float(v) for v in args.sizes_mb.split(",")]
    copy_s = torch.cuda.Stream()
    comp_s = torch.cuda.Stream()
    a = torch.randn(4096, 4096, device="cuda", dtype=torch.float16)
    bufs = []
    for mb in sizes_mb:
        n = int(mb * 1024 * 1024 // 4)
        bufs.append(dict(
            mb=mb,
            pageable=torch.randn(n),                 # ordinary (pageable) host memory
            pinned=torch.randn(n).pin_memory(),      # page-locked host memory
            dev=torch.empty(n, device="cuda"),
            pageable_out=torch.empty(n),
            pinned_out=torch.empty(n).pin_memory(),
        ))

    def step(i):
        with torch.cuda.stream(comp_s):
            with nvtx_range("compute (GEMM on compute stream)"):
                for _ in range(4):
                    a @ a
        with torch.cuda.stream(copy_s):
            for b in bufs:
                tag = "%g MB" % b["mb"]
                with nvtx_range("pageable H2D %s" % tag):
                    b["dev"].copy_(b["pageable"], non_blocking=True)
                with nvtx_range("pinned H2D %s" % tag):
                    b["dev"].copy_(b["pinned"], non_blocking=True)
                with nvtx_range("pageable D2H %s" % tag):
                    b["pageable_out"].copy_(b["dev"], non_blocking=True)
                with nvtx_range("pinned D2H %s" % tag):
                    b["pinned_out"].copy_(b["dev"], non_blocking=True)
        with nvtx_range("synchronize"):
            torch.cuda.synchronize()

    warm_then_profile(step, args)
    return {"sizes_MB": sizes_mb, "api": "Tensor.copy_(src, non_blocking=True) on a side stream",
            "note": "pageable copies go through cudaMemcpyAsync with pageable host memory (srcKind/dstKind 0)"}


WORKLOADS = {
    "cnn_fp16_channels_last": (wl_cnn_fp16_channels_last, dict(batch=32)),
    "cnn_fp32": (wl_cnn_fp32, dict(batch=32)),
    "eager_unfused_bn": (wl_eager_unfused_bn, dict(batch=16)),
    "transformer_block": (wl_transformer_block, dict(batch=8)),
    "cuda_graph": (wl_cuda_graph, dict(batch=16)),
    "memcpy_pageable_vs_pinned": (wl_memcpy_pageable_vs_pinned, dict(batch=1)),
}
# run_all.sh profiles "cuda_graph" twice: cuda_graph_node / cuda_graph_graph
ALIASES = {"cuda_graph_node": "cuda_graph", "cuda_graph_graph": "cuda_graph"}


# --------------------------------------------------------------------------
# Summary of an exported SQLite (stdlib only)
# --------------------------------------------------------------------------

def summarize(path: str, top: int = 8) -> dict:
    import sqlite3

    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    out = {"file": os.path.basename(path), "tables_present": {}}

    def count(t):
        return con.execute("select count(*) from %s" % t).fetchone()[0] if t in tables else None

    for t in ["CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_RUNTIME", "CUPTI_ACTIVITY_KIND_MEMCPY",
              "CUPTI_ACTIVITY_KIND_MEMSET", "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION", "NVTX_EVENTS",
              "CUDA_GRAPH_NODE_EVENTS", "CUPTI_ACTIVITY_KIND_GRAPH_TRACE", "CUBLAS_EVENTS", "CUDNN_EVENTS",
              "TARGET_INFO_GPU"]:
        out["tables_present"][t] = count(t)
    if "CUPTI_ACTIVITY_KIND_KERNEL" in tables:
        rows = con.execute(
            "select s.value, count(*), sum(k.end-k.start) from CUPTI_ACTIVITY_KIND_KERNEL k "
            "join StringIds s on s.id = k.shortName group by s.value order by 3 desc limit ?", (top,)).fetchall()
        out["top_kernels"] = [{"name": r[0][:140], "count": r[1], "total_us": round(r[2] / 1e3, 1)} for r in rows]
        out["kernels_distinct"] = con.execute(
            "select count(distinct shortName) from CUPTI_ACTIVITY_KIND_KERNEL").fetchone()[0]
        cols = [r[1] for r in con.execute("pragma table_info(CUPTI_ACTIVITY_KIND_KERNEL)")]
        if "graphNodeId" in cols:
            out["kernels_with_graphNodeId"] = con.execute(
                "select count(*) from CUPTI_ACTIVITY_KIND_KERNEL where graphNodeId is not null and graphNodeId != 0"
            ).fetchone()[0]
    if "CUPTI_ACTIVITY_KIND_MEMCPY" in tables:
        out["memcpy_by_kind"] = [
            {"copyKind": r[0], "srcKind": r[1], "dstKind": r[2], "count": r[3], "bytes": r[4]}
            for r in con.execute("select copyKind, srcKind, dstKind, count(*), sum(bytes) from "
                                 "CUPTI_ACTIVITY_KIND_MEMCPY group by 1,2,3 order by 1,2,3")]
    if "NVTX_EVENTS" in tables:
        out["nvtx_by_type_domain"] = [
            {"eventType": r[0], "domainId": r[1], "count": r[2]}
            for r in con.execute("select eventType, domainId, count(*) from NVTX_EVENTS group by 1,2")]
        out["nvtx_iteration_ranges"] = con.execute(
            "select count(*) from NVTX_EVENTS e left join StringIds s on s.id = e.textId "
            "where coalesce(e.text, s.value) like 'iteration %'").fetchone()[0]
    if "TARGET_INFO_GPU" in tables:
        r = con.execute("select * from TARGET_INFO_GPU limit 1")
        names = [d[0] for d in r.description]
        row = r.fetchone()
        if row:
            g = dict(zip(names, row))
            out["gpu"] = {k: g.get(k) for k in ("name", "smCount", "computeMajor", "computeMinor", "busLocation")}
    for mt in ("META_DATA_EXPORT", "EXPORT_META_DATA"):
        if mt in tables:
            out["export_meta"] = dict(con.execute("select name, value from %s" % mt).fetchall())
            break
    con.close()
    return out


# --------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", help="one of: " + ", ".join(list(WORKLOADS) + list(ALIASES)))
    p.add_argument("--list", action="store_true", help="list workloads and exit")
    p.add_argument("--summarize", metavar="SQLITE", nargs="+", help="print a JSON summary of exported traces")
    p.add_argument("--iters", type=int, default=8, help="profiled iterations (default 8)")
    p.add_argument("--warmup", type=int, default=5, help="warm-up iterations before the capture range")
    p.add_argument("--batch", type=int, default=None)
    p.add_argument("--seq", type=int, default=512, help="transformer sequence length")
    p.add_argument("--model", default="resnet18", help="torchvision CNN for cnn_* workloads")
    p.add_argument("--sizes-mb", default="0.0625,4,32", help="memcpy sizes in MB")
    p.add_argument("--nvtx", default="auto", choices=["auto", "nvtx", "torch"], help="NVTX API to use")
    p.add_argument("--meta-out", help="write workload metadata JSON here")
    args = p.parse_args(argv)

    if args.list:
        for k, (fn, _) in WORKLOADS.items():
            print("%-28s %s" % (k, (fn.__doc__ or "").strip().splitlines()[0]))
        for k, v in ALIASES.items():
            print("%-28s alias of %s" % (k, v))
        return 0
    if args.summarize:
        print(json.dumps([summarize(f) for f in args.summarize], indent=1))
        return 0
    if not args.workload:
        p.error("--workload is required")
    name = ALIASES.get(args.workload, args.workload)
    if name not in WORKLOADS:
        p.error("unknown workload %r" % args.workload)
    fn, defaults = WORKLOADS[name]
    if args.batch is None:
        args.batch = defaults["batch"]

    import torch

    if not torch.cuda.is_available():
        log("CUDA is not available")
        return 2
    backend = _init_nvtx(args.nvtx)
    torch.manual_seed(0)
    log("workload=%s nvtx=%s torch=%s device=%s" % (args.workload, backend, torch.__version__,
                                                      torch.cuda.get_device_name()))
    meta = fn(args)
    meta.update(workload=args.workload, iterations=args.iters, warmup=args.warmup, nvtx_api=backend,
                torch=torch.__version__, cuda=torch.version.cuda,
                cudnn=torch.backends.cudnn.version(), gpu=torch.cuda.get_device_name(),
                argv=sys.argv)
    log("meta " + json.dumps(meta))
    if args.meta_out:
        with open(args.meta_out, "w") as f:
            json.dump(meta, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
