"""Helpers shared by the built-in rules: the share basis, severity from a share, and readable
numbers for evidence lines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from trtprof.analysis.layers import REFORMAT_NAME
from trtprof.rules import Context

GEMM_CLASSES = ("gemm", "convolution", "attention")


def fmt_ns(ns: float | int | None) -> str:
    """1234567 -> '1.23 ms' (as the text report writes times)."""
    if ns is None or (isinstance(ns, float) and np.isnan(ns)):
        return "?"
    ns = float(ns)
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.0f} ns"


def pct(x: float | None) -> str:
    return "?" if x is None else f"{100 * x:.1f}%"


def severity(share: float | None, high: float = 0.10, medium: float = 0.03) -> str:
    """high/medium/low from the share of GPU time at stake (STYLE: >=10% high, >=3% medium)."""
    if share is None:
        return "low"
    return "high" if share >= high else "medium" if share >= medium else "low"


def threshold(ctx: Context, rule_id: str, name: str):
    """A rule's threshold: user override, else the default the rule registered."""
    from trtprof.rules import REGISTRY
    return ctx.threshold(rule_id, name, REGISTRY[rule_id].defaults[name])


def total_time(ctx: Context) -> int:
    """The basis of every share: kernel time in the window (plus the GPU time of CUDA graphs
    whose kernels the trace does not show), or the profiled layer time sum."""
    m = ctx.analysis.metrics
    if m.get("kernel_time_ns"):
        return int(m["kernel_time_ns"]) + int(m.get("untraced_graph_time_ns") or 0)
    layers = layer_frame(ctx)
    return int(layers["time_ns"].fillna(0).sum()) if len(layers) else 0


def layer_frame(ctx: Context) -> pd.DataFrame:
    """The one layer table (trtprof.analysis.layers.layer_table), in execution order."""
    return ctx.analysis.layers


def reformat_target(name: str) -> str | None:
    """'Reformatting CopyNode for Input Tensor 0 to X' -> 'X'."""
    m = REFORMAT_NAME.match(str(name))
    return m.group(3) if m else None


def tensor_format(t: dict | None) -> str:
    """'Int8 NC/32HW32'-style short text of one engine tensor (dtype + layout)."""
    if not t:
        return "?"
    dtype = {"fp32": "Float", "fp16": "Half", "int8": "Int8", "bf16": "BFloat16",
             "fp8": "FP8"}.get(str(t.get("dtype")), str(t.get("dtype")))
    layout = str(t.get("layout") or "")
    vec = t.get("vector")
    if layout == "linear" or not layout:
        lay = "linear"
    elif vec:
        lay = f"{layout} (vector {vec})"
    else:
        lay = layout
    return f"{dtype} {lay}"


def precision_of(row) -> str:
    """A layer's compute precision: the engine's when known, else the trace kernels'."""
    for key in ("engine_precision", "precision"):
        v = row.get(key) if hasattr(row, "get") else None
        if v is not None and str(v) not in ("", "nan", "None", "unknown"):
            return str(v)
    return "unknown"


def loop_span(ctx: Context) -> tuple[int, int] | None:
    """The inference loop on the trace's clock: from one inference period before the first
    inference to one after the last (the loop's own input and output copies lie just outside
    the enqueue ranges); None when the window has no inferences. Setup before it (weights,
    warm-up, engine build) and teardown after it are not the loop."""
    trace = ctx.analysis.trace
    it = trace.window.iterations if trace is not None else None
    if it is None or not len(it):
        return None
    starts = np.sort(it["start"].to_numpy())
    period = int(np.median(np.diff(starts))) if len(starts) > 1 else \
        int(it["latency_ns"].median())
    end = int(max(it["end"].max(), it["gpu_end"].max()))
    return int(starts[0]) - period, end + period


def loop_basis(span: tuple[int, int] | None, before: int, after: int, what: str) -> str:
    """The evidence line saying what a rule counted: the loop, and what it left out."""
    if span is None:
        return f"basis: the whole trace (no inference ranges to tell the loop from setup)"
    left = [f"{n} {what} {where}" for n, where in ((before, "before the first inference"),
                                                   (after, "after the last")) if n]
    return ("basis: the inference loop" + (f"; not counted: {', '.join(left)} (setup/teardown)"
                                           if left else ""))
