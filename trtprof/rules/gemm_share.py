"""low_gemm_share: how much of the GPU time is not matrix math, and what it is instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from trtprof.rules import Context, Finding, Words, rule
from trtprof.rules._common import (GEMM_CLASSES, fmt_ns, layer_frame, pct, threshold,
                                   total_time)


def _op_shares(ctx: Context) -> dict[str, float]:
    """Share of GPU time per op class: the trace metrics, else the layer times."""
    m = ctx.analysis.metrics.get("op_class_share")
    if m:
        return {k: float(v) for k, v in m.items() if v is not None}
    layers = layer_frame(ctx)
    total = layers["time_ns"].fillna(0).sum()
    if not total:
        return {}
    s = layers.groupby(layers["op_class"].astype(str))["time_ns"].sum() / total
    return {cast(str, k): float(v) for k, v in s.items() if v > 0 and k not in ("None", "nan")}


@dataclass(frozen=True)
class LowGemm:
    gemm_share: float
    target: float
    rest_ns: int                              # GPU time outside GEMM/conv/attention
    severity: str
    rest: tuple[tuple[str, float], ...]       # op class, share; largest first
    layers: tuple[tuple[str, float, str], ...]   # the largest non-GEMM layers: name, ns, class


def _low_gemm_words(r: LowGemm, w: Words) -> Finding:
    ev = [f"GEMM share {pct(r.gemm_share)} vs target {pct(r.target)}"]
    ev += [f"{k}: {pct(v)}" for k, v in r.rest[:6]]
    ev += [f"  {name}: {fmt_ns(ns)} ({op})" for name, ns, op in r.layers[:5]]
    per = w.per_inference(r.rest_ns)
    return Finding(
        kind="low_gemm_share", severity=r.severity,
        title=f"GEMM share {pct(r.gemm_share)} is under the {pct(r.target)} target",
        message=(f"Only {pct(r.gemm_share)} of GPU time is GEMM/conv/attention; the other "
                 f"{fmt_ns(r.rest_ns)}" + (f" ({per})" if per else "") + " goes to "
                 + ", ".join(f"{k} {pct(v)}" for k, v in r.rest[:3]) + "."),
        layers=[name for name, _, _ in r.layers[:10]], kernels=[], time_ns=r.rest_ns,
        saving_ns=None, evidence=ev, share=1 - r.gemm_share,
        recommendation=("Work on the largest non-GEMM classes first (see the reformat, "
                        "transpose, unfused and int8_fallback findings for the causes this "
                        "report can name). Memory-bound ops cost less in lower precision "
                        "(--fp16/--int8) and disappear when fused."))


@rule("low_gemm_share", needs=("any:trace|engine",), words=_low_gemm_words, medium_gap=0.15,
      high_gap=0.40)
def low_gemm_share(ctx: Context) -> list[LowGemm]:
    """GEMM share ((gemm + convolution + attention) time / GPU time) under the target
    (--gemm-target, 0.90 by default), with what makes up the rest.

    Thresholds: medium_gap (0.15: target - share at which severity becomes medium),
    high_gap (0.40). Below medium_gap the finding is low.
    """
    target = ctx.analysis.gemm_target
    if ctx.analysis.metrics.get("gemm_share") is None:
        return []      # the inputs cannot tell the classes of enough of the time
    shares = _op_shares(ctx)
    total = total_time(ctx)
    if not shares or not total:
        return []
    gemm = sum(v for k, v in shares.items() if k in GEMM_CLASSES)
    if gemm >= target:
        return []
    rest = sorted(((k, v) for k, v in shares.items() if k not in GEMM_CLASSES),
                  key=lambda kv: -kv[1])
    gap = target - gemm
    sev = "high" if gap >= threshold(ctx, "low_gemm_share", "high_gap") else \
        "medium" if gap >= threshold(ctx, "low_gemm_share", "medium_gap") else "low"
    layers = layer_frame(ctx)
    other = layers[~layers["op_class"].astype(str).isin(GEMM_CLASSES) &
                   (layers["time_ns"].fillna(0) > 0)].sort_values("time_ns", ascending=False)
    top = other.head(10)
    return [LowGemm(gemm_share=gemm, target=target, rest_ns=int(round((1 - gemm) * total)),
                    severity=sev, rest=tuple(rest),
                    layers=tuple(zip(top["name"], top["time_ns"], top["op_class"])))]
