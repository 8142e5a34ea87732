"""reformat: time spent converting tensors between formats (layout/precision), grouped by the
conversion, with what TensorRT's layer names and the engine's I/O formats say about why."""

from __future__ import annotations

import re

import pandas as pd

from trtprof.rules import Context, Finding, rule
from trtprof.rules._common import (fmt_ns, layer_frame, pct, per_inference, reformat_target,
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


@rule("reformat", needs=("any:trace|engine",), min_share=0.001, high_share=0.10,
      medium_share=0.03)
def reformat(ctx: Context) -> list[Finding]:
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

    evidence: list[str] = []
    kernels: list[str] = []
    names: list[str] = []
    if kernel_rows is not None:
        for r in kernel_rows.itertuples():
            evidence.append(f"{r.name[:80]}: {r.count} launches, {fmt_ns(r.time_ns)} "
                            f"({pct(r.time_ns / total)}) [{kernel_conversion(r.name)}]")
            kernels.append(r.name)
    else:
        rf = rf.assign(conversion=[_conversion(r) for r in rf.to_dict("records")])
        groups = rf.groupby("conversion", sort=False)["time_ns"].agg(["sum", "size"])
        for conv, g in groups.sort_values("sum", ascending=False).iterrows():
            evidence.append(f"{conv}: {int(g['size'])} layer(s), {fmt_ns(g['sum'])} "
                            f"({pct(g['sum'] / total)} of GPU time)")
        for r in rf.sort_values("time_ns", ascending=False).head(12).to_dict("records"):
            evidence.append(f"  {r['name']}: {fmt_ns(r['time_ns'])} ({pct(r['time_ns'] / total)})")
        names = list(rf["name"])
        if "top_kernel" in rf:
            kernels = sorted({str(k) for k in rf["top_kernel"].dropna()})
    if claimed:
        evidence.append(f"{len(claimed)} more reformat layer(s) around INT8 fallback layers are "
                        "counted in the int8_fallback finding")
    io_names = _io_reformats(ctx, layers, rf) if kernel_rows is None else []
    per = per_inference(ctx, rf_time)
    rec = ("Make producer and consumer agree on one format: build with the precision flags the "
           "whole network supports (--fp16/--int8) so neighbours choose the same layout; "
           "in ONNX, remove Identity/Cast/Transpose nodes that force copies "
           "(onnx-graphsurgeon, `polygraphy surgeon sanitize --fold-constants`).")
    if io_names:
        rec = ("Feed the engine its preferred format: the reformat of the network input/output "
               "(" + "; ".join(io_names[:3]) + ") disappears with trtexec "
               "--inputIOFormats/--outputIOFormats (e.g. fp16:hwc8 or int8:chw32), doing the "
               "conversion in pre/post-processing. " + rec)
    hi, med = threshold(ctx, "reformat", "high_share"), threshold(ctx, "reformat", "medium_share")
    return [Finding(
        kind="reformat", severity=severity(share, hi, med),
        title=f"Format conversions take {pct(share)} of GPU time",
        message=(f"{len(names) or len(kernels)} reformat/copy {'layers' if names else 'kernels'} "
                 f"spend {fmt_ns(rf_time)} ({pct(share)} of GPU time"
                 + (f", {per}" if per else "") + ") converting tensors between layouts or "
                 "precisions instead of computing."),
        layers=names, kernels=kernels, time_ns=rf_time,
        saving_ns=None, evidence=evidence, recommendation=rec, share=share)]


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
