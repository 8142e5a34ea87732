"""Helpers shared by the built-in rules: one layer table for trace and engine-only inputs,
severity from a share, and readable numbers for evidence lines."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from trtprof.rules import Context

GEMM_CLASSES = ("gemm", "convolution", "attention")
# Layers whose names TensorRT gives to its inserted format conversions.
REFORMAT_NAME = re.compile(r"^Reformatting CopyNode for (Input|Output) Tensor (\d+) to (.+)$")
LAYER_COLUMNS = ["name", "time_ns", "share", "op_class", "unit", "precision", "layer_type",
                 "engine_precision", "is_reformat", "reformat_origin", "inputs", "outputs",
                 "params", "order"]


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
    m = ctx.report.get("metrics") or {}
    if m.get("kernel_time_ns"):
        return int(m["kernel_time_ns"]) + int(m.get("untraced_graph_time_ns") or 0)
    layers = layer_frame(ctx)
    return int(layers["time_ns"].fillna(0).sum()) if len(layers) else 0


def iterations(ctx: Context) -> int | None:
    """Inferences in the window (profiled runs for a profile; None when unknown). Every time a
    rule reads is a window total: dividing by this gives the per-inference figure."""
    n = (ctx.report.get("window") or {}).get("iterations")
    return int(n) if n else None


def per_inference(ctx: Context, ns: int) -> str:
    """'1.2 ms per inference' when the inference count is known, else ''."""
    n = iterations(ctx)
    if not n:
        return ""
    return f"{fmt_ns(ns / n)} per inference" if n > 1 else f"{fmt_ns(ns)} per inference"


def engine_layers(ctx: Context) -> pd.DataFrame | None:
    """The engine's layer table (see trtprof.analysis.layers.engine_layers), or None."""
    from trtprof.analysis.layers import engine_layers as merged
    return merged(ctx.inputs)


def layer_frame(ctx: Context) -> pd.DataFrame:
    """One row per layer in execution order, whatever the inputs: trace layers (time from
    kernels) or report layers (engine-only: time from the profile), joined by name with the
    engine's I/O formats and parameters where a layer JSON/log is given. Cached on ``ctx``."""
    cached = getattr(ctx, "_layer_frame", None)
    if cached is not None:
        return cached
    if ctx.frames is not None and ctx.frames.get("layers") is not None:
        df = ctx.frames["layers"].copy()
    else:
        df = pd.DataFrame(ctx.report.get("layers") or [])
    eng = engine_layers(ctx)
    if not len(df) and eng is not None:
        df = pd.DataFrame({"name": eng["name"]})
    if not len(df):
        df = pd.DataFrame({"name": pd.Series(dtype=object)})
    if eng is not None:
        info = eng.drop_duplicates("name").set_index("name")
        for col, src in (("inputs", "inputs"), ("outputs", "outputs"), ("params", "params"),
                         ("layer_type", "layer_type"), ("engine_precision", "precision"),
                         ("is_reformat", "is_reformat"), ("reformat_origin", "reformat_origin")):
            if src in info:
                mapped = df["name"].map(info[src])
                df[col] = mapped if col not in df else df[col].where(df[col].notna(), mapped)
        if ctx.frames is None:
            # Engine-only: keep the engine's order (the report may be sorted by time).
            pos = {n: i for i, n in enumerate(eng["name"])}
            df["order"] = df["name"].map(pos)
    # Layers the engine does not list (another build, a names-only file) map to NaN: give the
    # container columns their empty value so rules can iterate them.
    for col, empty in (("inputs", list), ("outputs", list), ("params", dict)):
        if col in df:
            df[col] = [v if isinstance(v, empty) else empty() for v in df[col]]
    if "time_ns" not in df or df["time_ns"].isna().all():
        df["time_ns"] = _profile_times(ctx, df["name"])
    for col in LAYER_COLUMNS:
        if col not in df:
            df[col] = None
    if df["order"].isna().all():
        df["order"] = np.arange(len(df))
    df = df.sort_values("order", kind="stable", na_position="last").reset_index(drop=True)
    total = df["time_ns"].fillna(0).sum()
    if df["share"].isna().all() and total:
        df["share"] = df["time_ns"] / total
    # Reformat layers are known by engine type or by TensorRT's naming, whichever is given.
    named = df["name"].astype(str).str.match(REFORMAT_NAME)
    flagged = df["is_reformat"].map(lambda v: v is True or v == 1).astype(bool)   # NaN -> False
    df["is_reformat"] = flagged | named | \
        (df["op_class"].astype(str) == "reformat")
    ctx._layer_frame = df
    return df


def _profile_times(ctx: Context, names: pd.Series) -> pd.Series:
    """Layer time (ns) over all profiled runs from a profile JSON or a --dumpProfile table, by
    name: only for inputs whose report has no layer times of its own (a trace without NVTX)."""
    prof = getattr(getattr(ctx.inputs, "profile", None), "layers", None)
    if prof is None or not len(prof):
        prof = getattr(getattr(ctx.inputs, "log", None), "profile", None)
    if prof is None or not isinstance(prof, pd.DataFrame) or not len(prof) or \
            "time_ms" not in prof:
        return pd.Series(np.nan, index=names.index)
    total = prof.drop_duplicates("name").set_index("name")["time_ms"] * 1e6
    return names.map(total.round())


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
