"""reformat: time spent converting tensors between formats (layout/precision), grouped by the
conversion, with what TensorRT's layer names and the engine's I/O formats say about why."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from trtprof.rules import Context, Finding, Words, rule
from trtprof.rules._common import (fmt_ns, layer_frame, pct, reformat_target,
                                   severity, tensor_format, threshold, total_time)

_CTYPE = {"float": "Float", "__half": "Half", "half": "Half", "signed char": "Int8",
          "char": "Int8", "unsigned char": "UInt8", "int": "Int32", "double": "64-bit word",
          "__nv_bfloat16": "BFloat16", "c10::Half": "Half"}
_PACKED = re.compile(r"genericReformat::copyPackedKernel<([^,<>]+),\s*([^,<>]+)")
_VECTOR = re.compile(r"genericReformat::copyVectorizedKernel<[^,<>]+,\s*([^,<>]+),\s*([^,<>]+)")
_PERMUTE_T = re.compile(r"permutation\w*<.*?(?<![\w])(__half|float|(?<!un)signed char|__nv_bfloat16)\b")


def kernel_conversion(name: str) -> str:
    """What a reformat kernel's own name says it converts ("Int8 -> Float", "permutation")."""
    m = _PACKED.search(name) or _VECTOR.search(name)
    if m:
        a, b = (_CTYPE.get(x.strip(), x.strip()) for x in m.groups())
        return f"{a} -> {b}" if a != b else f"{a} layout change"
    m = _PERMUTE_T.search(name)
    if m:
        return f"{_CTYPE.get(m.group(1), m.group(1))} permutation (layout transpose)"
    if re.search(r"nchwToNhwc|nhwcToNchw|NchwToNhwc|NhwcToNchw", name, re.I):
        return "NCHW <-> NHWC layout change"
    return "copy"


def _conversion(row) -> str:
    """The engine's I/O formats when known, else what the layer's top kernel's name tells."""
    ins, outs = row.get("inputs"), row.get("outputs")
    if isinstance(ins, list) and ins and isinstance(outs, list) and outs:
        return f"{tensor_format(ins[0])} -> {tensor_format(outs[0])}"
    return kernel_conversion(str(row.get("top_kernel") or ""))


def _claimed_by_fallback(ctx: Context) -> set[str]:
    """Reformats that exist because of INT8 fallback layers: int8_fallback reports them."""
    from trtprof.rules.precision import fallback_analysis
    fa = fallback_analysis(ctx)
    return set(fa.reformats) if fa is not None else set()


@dataclass(frozen=True)
class Reformats:
    time_ns: int
    share: float
    total_ns: int                 # the share's basis
    severity: str
    # by layer (engine or NVTX names) ...
    conversions: tuple[tuple[str, int, int], ...]     # conversion, layers, ns; largest first
    layers: tuple[tuple[str, int], ...]               # reformat layer, ns; execution order
    largest: tuple[tuple[str, int], ...]              # the 12 largest of them
    top_kernels: tuple[str, ...]
    # ... or, without layer ranges, by kernel name: name, launches, ns, conversion
    kernel_rows: tuple[tuple[str, int, int, str], ...] | None
    claimed: int                  # reformats counted by int8_fallback instead
    io_layers: tuple[str, ...]    # reformats of the network's inputs/outputs


def _reformat_words(r: Reformats, w: Words) -> Finding:
    evidence: list[str] = []
    kernels: list[str] = []
    names: list[str] = []
    if r.kernel_rows is not None:
        for name, count, ns, conv in r.kernel_rows:
            evidence.append(f"{name[:80]}: {count} launches, {fmt_ns(ns)} "
                            f"({pct(ns / r.total_ns)}) [{conv}]")
            kernels.append(name)
    else:
        for conv, n, ns in r.conversions:
            evidence.append(f"{conv}: {n} layer(s), {fmt_ns(ns)} "
                            f"({pct(ns / r.total_ns)} of GPU time)")
        for name, ns in r.largest:
            evidence.append(f"  {name}: {fmt_ns(ns)} ({pct(ns / r.total_ns)})")
        names = [name for name, _ in r.layers]
        kernels = list(r.top_kernels)
    if r.claimed:
        evidence.append(f"{r.claimed} more reformat layer(s) around INT8 fallback layers are "
                        "counted in the int8_fallback finding")
    per = w.per_inference(r.time_ns)
    rec = ("Make producer and consumer agree on one format: build with the precision flags the "
           "whole network supports (--fp16/--int8) so neighbours choose the same layout; "
           "in ONNX, remove Identity/Cast/Transpose nodes that force copies "
           "(onnx-graphsurgeon, `polygraphy surgeon sanitize --fold-constants`).")
    if r.io_layers:
        rec = ("Feed the engine its preferred format: the reformat of the network input/output "
               "(" + "; ".join(r.io_layers[:3]) + ") disappears with trtexec "
               "--inputIOFormats/--outputIOFormats (e.g. fp16:hwc8 or int8:chw32), doing the "
               "conversion in pre/post-processing. " + rec)
    return Finding(
        kind="reformat", severity=r.severity,
        title=f"Format conversions take {pct(r.share)} of GPU time",
        message=(f"{len(names) or len(kernels)} reformat/copy {'layers' if names else 'kernels'} "
                 f"spend {fmt_ns(r.time_ns)} ({pct(r.share)} of GPU time"
                 + (f", {per}" if per else "") + ") converting tensors between layouts or "
                 "precisions instead of computing."),
        layers=names, kernels=kernels, time_ns=r.time_ns,
        saving_ns=None, evidence=evidence, recommendation=rec, share=r.share)


@rule("reformat", needs=("any:trace|engine",), words=_reformat_words, min_share=0.001,
      high_share=0.10, medium_share=0.03)
def reformat(ctx: Context) -> list[Reformats]:
    """Reformat/copy layers and kernels (genericReformat, "Reformatting CopyNode", layout
    permutations run as reformats, Identity copies), grouped by conversion.

    Thresholds: min_share (0.001: below it no finding), high_share (0.10), medium_share (0.03).
    Q/DQ reformats are reported by `unfused`, reformats around INT8 fallback layers by
    `int8_fallback`.
    """
    layers = layer_frame(ctx)
    total = total_time(ctx)
    if not len(layers) or not total:
        return []
    rf = layers[layers["is_reformat"] & (layers["time_ns"].fillna(0) > 0)]
    rf = rf[rf["reformat_origin"].astype(str) != "QDQ"]
    claimed = _claimed_by_fallback(ctx)
    rf = rf[~rf["name"].isin(claimed)]
    rf_time = int(rf["time_ns"].sum())
    # Trace without layer ranges: fall back on reformat kernels by name.
    kernel_rows = None
    if not len(rf) and ctx.analysis.trace is not None:
        kt = ctx.analysis.trace.ktable
        kernel_rows = kt[kt["op_class"] == "reformat"]
        rf_time = int(kernel_rows["time_ns"].sum())
    share = rf_time / total
    if share < threshold(ctx, "reformat", "min_share") or rf_time == 0:
        return []
    hi, med = threshold(ctx, "reformat", "high_share"), threshold(ctx, "reformat", "medium_share")
    conversions: tuple[tuple[str, int, int], ...] = ()
    top_kernels: tuple[str, ...] = ()
    big = rf.sort_values("time_ns", ascending=False).head(12)
    if kernel_rows is None:
        rf = rf.assign(conversion=[_conversion(r) for r in rf.to_dict("records")])
        groups = rf.groupby("conversion", sort=False)["time_ns"].agg(["sum", "size"])
        conversions = tuple((str(conv), int(g["size"]), g["sum"]) for conv, g in
                            groups.sort_values("sum", ascending=False).iterrows())
        if "top_kernel" in rf:
            top_kernels = tuple(sorted({str(k) for k in rf["top_kernel"].dropna()}))
    return [Reformats(
        time_ns=rf_time, share=share, total_ns=total, severity=severity(share, hi, med),
        conversions=conversions, layers=tuple(zip(rf["name"], rf["time_ns"])),
        largest=tuple(zip(big["name"], big["time_ns"])),
        top_kernels=top_kernels,
        kernel_rows=None if kernel_rows is None else tuple(
            (r.name, r.count, r.time_ns, kernel_conversion(r.name))
            for r in kernel_rows.itertuples()),
        claimed=len(claimed),
        io_layers=tuple(_io_reformats(ctx, layers, rf)) if kernel_rows is None else ())]


def _io_reformats(ctx: Context, layers: pd.DataFrame, rf: pd.DataFrame) -> list[str]:
    """Reformat layers that read a network input or write a network output."""
    bindings = ctx.analysis.bindings
    out = []
    compute = layers[~layers["is_reformat"] & (layers["time_ns"].fillna(0) > 0)]
    first_compute = compute["order"].min() if len(compute) else None
    for r in rf.to_dict("records"):
        ins, outs = r.get("inputs"), r.get("outputs")
        tensors = {t.get("name") for t in (ins or []) + (outs or []) if isinstance(t, dict)}
        if bindings and tensors & bindings:
            out.append(r["name"])
        elif not bindings and first_compute is not None and r["order"] < first_compute and \
                reformat_target(r["name"]) is not None:
            # Runs before every compute layer: it can only be reading the network input.
            out.append(r["name"])
    return out
