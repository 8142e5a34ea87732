"""low_gemm_share: how much of the GPU time is not matrix math, and what it is instead."""

from __future__ import annotations

from typing import cast

from trtprof.rules import Context, Finding, rule
from trtprof.rules._common import (GEMM_CLASSES, fmt_ns, layer_frame, pct, per_inference,
                                   threshold, total_time)


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


@rule("low_gemm_share", needs=("any:trace|engine",), medium_gap=0.15, high_gap=0.40)
def low_gemm_share(ctx: Context) -> list[Finding]:
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
    t_rest = int(round((1 - gemm) * total))
    gap = target - gemm
    sev = "high" if gap >= threshold(ctx, "low_gemm_share", "high_gap") else \
        "medium" if gap >= threshold(ctx, "low_gemm_share", "medium_gap") else "low"
    layers = layer_frame(ctx)
    other = layers[~layers["op_class"].astype(str).isin(GEMM_CLASSES) &
                   (layers["time_ns"].fillna(0) > 0)].sort_values("time_ns", ascending=False)
    ev = [f"GEMM share {pct(gemm)} vs target {pct(target)}"]
    ev += [f"{k}: {pct(v)}" for k, v in rest[:6]]
    ev += [f"  {r['name']}: {fmt_ns(r['time_ns'])} ({r['op_class']})"
           for r in other.head(5).to_dict("records")]
    per = per_inference(ctx, t_rest)
    return [Finding(
        kind="low_gemm_share", severity=sev,
        title=f"GEMM share {pct(gemm)} is under the {pct(target)} target",
        message=(f"Only {pct(gemm)} of GPU time is GEMM/conv/attention; the other "
                 f"{fmt_ns(t_rest)}" + (f" ({per})" if per else "") + " goes to "
                 + ", ".join(f"{k} {pct(v)}" for k, v in rest[:3]) + "."),
        layers=list(other["name"].head(10)), kernels=[], time_ns=t_rest, saving_ns=None,
        evidence=ev, share=1 - gemm,
        recommendation=("Work on the largest non-GEMM classes first (see the reformat, "
                        "transpose, unfused and int8_fallback findings for the causes this "
                        "report can name). Memory-bound ops cost less in lower precision "
                        "(--fp16/--int8) and disappear when fused."))]
