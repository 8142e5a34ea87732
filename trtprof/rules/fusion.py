"""unfused and transpose: work TensorRT left as separate kernels that a graph change would fuse
away or remove."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from trtprof.rules import Context, Finding, Words, rule
from trtprof.rules._common import (GEMM_CLASSES, fmt_ns, layer_frame, pct,
                                   severity, threshold, total_time)

POINTWISE = ("pointwise", "normalization")


def _working(ctx: Context) -> pd.DataFrame:
    """Layers that did GPU work (time > 0), in execution order, positions renumbered."""
    layers = layer_frame(ctx)
    return layers[layers["time_ns"].fillna(0) > 0].reset_index(drop=True)


def _op(df: pd.DataFrame) -> pd.Series:
    return df["op_class"].astype(str)


def transpose_sandwiches(ctx: Context) -> list[tuple[str, list[str], str]]:
    """(permutation, [pointwise...], permutation) runs: a transpose undone right after a
    layout-agnostic op (the FaceNet Transpose -> ReLU -> Transpose case)."""
    w = _working(ctx)
    op = _op(w)
    perm = (op == "permutation") & ~w["is_reformat"]
    out: list[tuple[Any, list[Any], Any]] = []   # names: str cells of the layer frame
    i = 0
    while i < len(w):
        if perm.iloc[i]:
            j = i + 1
            while j < len(w) and op.iloc[j] in POINTWISE:
                j += 1
            if j > i + 1 and j < len(w) and perm.iloc[j]:
                out.append((w.at[i, "name"], list(w["name"].iloc[i + 1:j]), w.at[j, "name"]))
                i = j + 1
                continue
        i += 1
    return out


@dataclass(frozen=True)
class Transposes:
    time_ns: int
    share: float
    total_ns: int
    saving_ns: int                # the permutations inside pairs
    severity: str
    layers: tuple[str, ...]       # permutation layers, execution order
    largest: tuple[tuple[str, int], ...]
    pairs: tuple[tuple[str, tuple[str, ...], str], ...]   # permutation, pointwise..., permutation
    top_kernels: tuple[str, ...]


def _transpose_words(r: Transposes, w: Words) -> Finding:
    ev = [f"permutation layers: {len(r.layers)}, {fmt_ns(r.time_ns)} ({pct(r.share)} of GPU time)"]
    for a, mid, b in r.pairs:
        ev.append(f"{a} -> {' -> '.join(mid)} -> {b}")
    for name, ns in r.largest:
        ev.append(f"  {name}: {fmt_ns(ns)} ({pct(ns / r.total_ns)})")
    rec = ("Remove transposes from the ONNX graph: pointwise ops (ReLU, Add, BN...) do not care "
           "about layout, so a Transpose -> pointwise -> Transpose chain can lose both "
           "transposes (onnx-graphsurgeon: reconnect the pointwise node to the first "
           "Transpose's input and drop both nodes). Removing such pairs doubled FaceNet's "
           "throughput in a known case." if r.pairs else
           "Avoid layout transposes in the model (export channels-last consistently, fold "
           "Transpose/Reshape chains with onnx-graphsurgeon or `polygraphy surgeon sanitize`), "
           "so TensorRT can fuse the shuffle into its neighbours.")
    per = w.per_inference(r.time_ns)
    return Finding(
        kind="transpose", severity=r.severity,
        title=(f"{len(r.pairs)} transpose pair(s) around pointwise ops" if r.pairs else
               f"Permutation kernels take {pct(r.share)} of GPU time"),
        message=(f"{len(r.layers)} permutation layer(s) take {fmt_ns(r.time_ns)} "
                 f"({pct(r.share)} of GPU time" + (f", {per}" if per else "") + ")"
                 + (f"; {2 * len(r.pairs)} of them undo each other around a pointwise op"
                    if r.pairs else "") + "."),
        layers=list(r.layers) + [m for _, mid, _ in r.pairs for m in mid],
        kernels=list(r.top_kernels), time_ns=r.time_ns, saving_ns=r.saving_ns or None,
        evidence=ev, recommendation=rec, share=r.share)


@rule("transpose", needs=("any:trace|engine",), words=_transpose_words, min_share=0.002,
      high_share=0.10, medium_share=0.03)
def transpose(ctx: Context) -> list[Transposes]:
    """Permutation (transpose/shuffle) kernels, above all pairs around a pointwise op
    (Transpose -> ReLU -> Transpose: both transposes can go). Permutations that TensorRT runs
    as reformat layers are reported by `reformat`.

    Thresholds: min_share (0.002), high_share (0.10), medium_share (0.03).
    """
    w = _working(ctx)
    total = total_time(ctx)
    if not len(w) or not total:
        return []
    perm = w[(_op(w) == "permutation") & ~w["is_reformat"]]
    t = int(perm["time_ns"].sum())
    share = t / total
    if not len(perm) or share < threshold(ctx, "transpose", "min_share"):
        return []
    pairs = transpose_sandwiches(ctx)
    in_pairs = {n for a, _, b in pairs for n in (a, b)}
    big = perm.sort_values("time_ns", ascending=False).head(10)
    hi = threshold(ctx, "transpose", "high_share")
    med = threshold(ctx, "transpose", "medium_share")
    return [Transposes(
        time_ns=t, share=share, total_ns=total,
        saving_ns=int(perm.loc[perm["name"].isin(in_pairs), "time_ns"].sum()),
        severity=severity(share, hi, med), layers=tuple(perm["name"]),
        largest=tuple(zip(big["name"], big["time_ns"])),
        pairs=tuple((a, tuple(mid), b) for a, mid, b in pairs),
        top_kernels=tuple(sorted({str(k) for k in perm.get("top_kernel", pd.Series()).dropna()})))]


def _chains(ctx: Context) -> list[tuple[str, list[str]]]:
    """(GEMM/conv layer, [pointwise/normalization layers right after it on its output])."""
    w = _working(ctx)
    op = _op(w)
    sandwiched = {m for _, mid, _ in transpose_sandwiches(ctx) for m in mid}
    out: list[tuple[Any, list[Any]]] = []   # names: str cells of the layer frame
    for i in w.index[op.isin(GEMM_CLASSES)]:
        prev_out = _out_tensor(w.loc[i])
        chain = []
        j = i + 1
        while j < len(w) and op.iloc[j] in POINTWISE and not w.at[j, "is_reformat"] and \
                w.at[j, "name"] not in sandwiched:
            ins = w.at[j, "inputs"]
            names = {t.get("name") for t in ins} if isinstance(ins, list) else None
            if prev_out and names is not None and prev_out not in names:
                break            # the engine says it reads another tensor
            chain.append(w.at[j, "name"])
            prev_out = _out_tensor(w.loc[j])
            j += 1
        if chain:
            out.append((w.at[i, "name"], chain))
    return out


def _out_tensor(row) -> str | None:
    outs = row.get("outputs")
    return outs[0].get("name") if isinstance(outs, list) and outs else None


@dataclass(frozen=True)
class Unfused:
    time_ns: int                  # the separate pointwise layers' time
    share: float
    severity: str
    chains: tuple[tuple[str, tuple[str, ...], float], ...]   # conv/GEMM, its pointwise tail, ns


@dataclass(frozen=True)
class StandaloneQdq:
    time_ns: int
    share: float
    total_ns: int
    severity: str
    layers: tuple[str, ...]
    largest: tuple[tuple[str, int], ...]


def _unfused_words(r: Unfused | StandaloneQdq, w: Words) -> Finding:
    per = w.per_inference(r.time_ns)
    if isinstance(r, StandaloneQdq):
        return Finding(
            kind="unfused", severity=r.severity,
            title=f"{len(r.layers)} standalone Quantize/Dequantize layer(s)",
            message=(f"{len(r.layers)} Q/DQ nodes run as their own reformat layers: "
                     f"{fmt_ns(r.time_ns)} ({pct(r.share)} of GPU time"
                     + (f", {per}" if per else "") + ")."),
            layers=list(r.layers), kernels=[], time_ns=r.time_ns, saving_ns=None,
            evidence=[f"{name}: {fmt_ns(ns)} ({pct(ns / r.total_ns)})" for name, ns in r.largest],
            share=r.share,
            recommendation=("Place Q/DQ so TensorRT can fold each QuantizeLinear into the "
                            "layer that produces its input: quantize both inputs of "
                            "residual Adds (the identity branch too), so the conv + Add "
                            "writes INT8 directly, and quantize pooling inputs (NVIDIA "
                            "TREx 'resnet-qat-residual' example). Q/DQ placement is done "
                            "in pytorch-quantization / modelopt or with onnx-graphsurgeon."))
    tail = [n for _, c, _ in r.chains for n in c]
    return Finding(
        kind="unfused", severity=r.severity,
        title=f"{len(tail)} pointwise/normalization layer(s) not fused into their conv/GEMM",
        message=(f"{len(r.chains)} conv/GEMM layer(s) are followed by {len(tail)} "
                 f"separate pointwise/normalization layer(s) costing {fmt_ns(r.time_ns)} "
                 f"({pct(r.share)} of GPU time" + (f", {per}" if per else "") + "); "
                 "fused, they would cost almost nothing."),
        layers=[h for h, _, _ in r.chains] + tail, kernels=[], time_ns=r.time_ns,
        saving_ns=r.time_ns, share=r.share,
        evidence=[f"{head} -> {' -> '.join(c)}: {fmt_ns(ns)} after the GEMM/conv"
                  for head, c, ns in r.chains],
        recommendation=("Let TensorRT fuse them: fold BatchNormalization into the conv "
                        "weights before export (or `polygraphy surgeon sanitize "
                        "--fold-constants`), keep the activation directly on the conv "
                        "output (no Cast/Reshape/Transpose in between), and use "
                        "activations TensorRT fuses (ReLU, Sigmoid, Tanh, LeakyReLU, "
                        "GELU in recent versions)."))


@rule("unfused", needs=("any:trace|engine",), words=_unfused_words, min_share=0.005,
      high_share=0.10, medium_share=0.03)
def unfused(ctx: Context) -> list[Unfused | StandaloneQdq]:
    """A conv/GEMM followed by separate pointwise/normalization kernels on its output (the
    conv + BN + ReLU pattern), and standalone Q/DQ layers TensorRT could not fold.

    Thresholds: min_share (0.005), high_share (0.10), medium_share (0.03).
    """
    layers = layer_frame(ctx)
    total = total_time(ctx)
    if not len(layers) or not total:
        return []
    out: list[Unfused | StandaloneQdq] = []
    hi = threshold(ctx, "unfused", "high_share")
    med = threshold(ctx, "unfused", "medium_share")
    chains = _chains(ctx)
    times = layers.set_index("name")["time_ns"]
    times = times[~times.index.duplicated()]
    if chains:
        tail = [n for _, c in chains for n in c]
        t = int(times.reindex(tail).fillna(0).sum())
        share = t / total
        if share >= threshold(ctx, "unfused", "min_share"):
            out.append(Unfused(time_ns=t, share=share, severity=severity(share, hi, med),
                               chains=tuple((h, tuple(c), times.reindex(c).sum())
                                            for h, c in chains)))
    qdq = layers[(layers["reformat_origin"].astype(str) == "QDQ") &
                 (layers["time_ns"].fillna(0) > 0)]
    if len(qdq):
        t = int(qdq["time_ns"].sum())
        share = t / total
        if share >= threshold(ctx, "unfused", "min_share"):
            big = qdq.sort_values("time_ns", ascending=False).head(10)
            out.append(StandaloneQdq(time_ns=t, share=share, total_ns=total,
                                     severity=severity(share, hi, med),
                                     layers=tuple(qdq["name"]),
                                     largest=tuple(zip(big["name"], big["time_ns"]))))
    return out
