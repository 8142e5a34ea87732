"""gpu_idle, launch_overhead, cuda_graph_untraced: what the timeline says about the host side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trtprof.analysis.result import TraceFacts
from trtprof.rules import Context, Finding, Words, rule
from trtprof.rules._common import fmt_ns, pct, threshold
from trtprof.analysis.window import TRT_DOMAIN


def _trace(ctx: Context) -> TraceFacts:
    assert ctx.analysis.trace is not None   # a needs=("trace",) rule
    return ctx.analysis.trace


def _idle_before(gaps: pd.DataFrame, t: np.ndarray) -> np.ndarray:
    """Idle time (gap time) before each instant ``t``; the gaps are disjoint and sorted."""
    gs, ge = gaps["start"].to_numpy(np.int64), gaps["end"].to_numpy(np.int64)
    done = np.concatenate([[0], np.cumsum(ge - gs)])        # idle in the gaps before gap k
    k = np.searchsorted(gs, t, side="right") - 1            # the last gap starting at or before t
    safe = np.maximum(k, 0)
    inside = np.clip(t - gs[safe], 0, ge[safe] - gs[safe])
    return np.where(k >= 0, done[safe] + inside, 0)


def _covered_idle(gaps: pd.DataFrame, s: np.ndarray, e: np.ndarray,
                  groups: np.ndarray) -> np.ndarray:
    """Per group (codes 0..n-1), the gap time that the union of its intervals [s, e) covers.
    One pass for every group: each group's intervals are merged into disjoint runs, and a run
    covers the idle time between its ends (a difference of the running idle total). Many
    distinct host range names cost no more than one (a loop over names was O(names x gaps))."""
    n = int(groups.max()) + 1 if len(groups) else 0
    out = np.zeros(n, dtype=np.int64)
    keep = e > s
    s, e, groups = s[keep].astype(np.int64), e[keep].astype(np.int64), groups[keep]
    if not len(s) or not len(gaps):
        return out
    order = np.lexsort((s, groups))
    s, e, groups = s[order], e[order], groups[order]
    reach = pd.Series(e).groupby(groups).cummax().to_numpy()
    first = np.r_[True, groups[1:] != groups[:-1]]
    new_run = first | (s > np.r_[0, reach[:-1]])
    at = np.flatnonzero(new_run)
    run_end = np.maximum.reduceat(e, at)
    covered = _idle_before(gaps, run_end) - _idle_before(gaps, s[at])
    np.add.at(out, groups[at], covered)
    return out


def _gaps(ops: pd.DataFrame) -> pd.DataFrame:
    """Idle intervals between the window's GPU ops (any stream), from first to last op."""
    o = ops.sort_values("start", kind="stable")
    run_end = o["end"].cummax().shift(1)
    gap = o["start"] - run_end
    m = gap > 0
    return pd.DataFrame({"start": run_end[m].astype("int64").to_numpy(),
                         "end": o.loc[m, "start"].to_numpy()})


@dataclass(frozen=True)
class Idle:
    idle_ns: int
    span_ns: int
    gaps: int
    largest_gap_ns: int
    fraction: float              # idle / span
    severity: str
    # per inference (medians), when the window has inferences
    latency_ns: float | None
    busy_ns: float | None
    idle_inside_ns: float | None
    outside_copies_ns: int       # idle time covered by copies outside the inferences
    host_ranges: tuple[tuple[str, int], ...]   # host NVTX range name, idle time it covers


def _idle_words(r: Idle, w: Words) -> Finding:
    ev = [f"GPU busy {fmt_ns(r.span_ns - r.idle_ns)} of a {fmt_ns(r.span_ns)} span: idle "
          f"{fmt_ns(r.idle_ns)} ({pct(r.fraction)}) in {r.gaps} gaps, largest "
          f"{fmt_ns(r.largest_gap_ns)}"]
    if r.latency_ns is not None:
        ev.append(f"per inference: median latency {fmt_ns(r.latency_ns)}, GPU busy "
                  f"{fmt_ns(r.busy_ns)}, idle inside {fmt_ns(r.idle_inside_ns)}")
    explained = []
    if r.outside_copies_ns:
        explained.append(f"copies launched outside the inferences cover "
                         f"{fmt_ns(r.outside_copies_ns)} ({pct(r.outside_copies_ns / r.idle_ns)}) "
                         "of the idle time")
    for name, cov in r.host_ranges:
        explained.append(f"host range \"{name}\" covers {fmt_ns(cov)} ({pct(cov / r.idle_ns)}) "
                         "of the idle time")
    ev += explained
    return Finding(
        kind="gpu_idle", severity=r.severity, title=f"GPU idle {pct(r.fraction)} of the time",
        message=(f"No GPU work runs for {fmt_ns(r.idle_ns)} ({pct(r.fraction)}) between the "
                 "first and last GPU operation of the inferences"
                 + ("; " + explained[0] if explained else "") + "."),
        layers=[], kernels=[], time_ns=r.idle_ns, saving_ns=None, evidence=ev, share=r.fraction,
        recommendation=("Keep the GPU fed: overlap pre/post-processing and copies with the next "
                        "inference (several streams/execution contexts, double-buffered pinned "
                        "I/O), move pre-processing to the GPU, and avoid per-inference "
                        "synchronisation; small launch gaps go away with CUDA graphs "
                        "(trtexec --useCudaGraph)."))


@rule("gpu_idle", needs=("trace",), words=_idle_words, min_idle=0.05, medium_idle=0.15,
      high_idle=0.35)
def gpu_idle(ctx: Context) -> list[Idle]:
    """The GPU sits idle inside or between inferences. Idle time is the part of the window's
    span (first to last GPU op of the inferences) with no GPU op running; copies outside the
    window and host NVTX ranges (pre/post-processing) that cover the gaps are named.

    Thresholds: min_idle (0.05 of the span), medium_idle (0.15), high_idle (0.35).
    """
    if ctx.analysis.metrics.get("untraced_graph_time_ns"):
        return []   # whole-graph rows hide when the GPU is busy: idle time would be invented
    trace = _trace(ctx)
    win = trace.window
    ops = win.in_window
    if len(ops) < 2:
        return []
    lo, hi = int(ops["start"].min()), int(ops["end"].max())
    span = hi - lo
    gaps = _gaps(ops)
    idle = int((gaps["end"] - gaps["start"]).sum())
    frac = idle / span if span else 0
    if frac < threshold(ctx, "gpu_idle", "min_idle"):
        return []
    it = win.iterations
    per: dict[str, float | None] = {"latency_ns": None, "busy_ns": None, "idle_inside_ns": None}
    if len(it):
        inside = (it["latency_ns"] - it["gpu_busy_ns"]).clip(lower=0)
        per = {"latency_ns": it["latency_ns"].median(), "busy_ns": it["gpu_busy_ns"].median(),
               "idle_inside_ns": inside.median()}
    outside = win.ops[~win.ops["in_window"]]
    copies = outside[outside["kind"] != "kernel"]
    cov_copies = int(_covered_idle(gaps, copies["start"].to_numpy(), copies["end"].to_numpy(),
                                   np.zeros(len(copies), dtype=np.int64)).sum())
    nvtx = trace.nvtx
    host = nvtx[(nvtx["domain"].astype(str) != TRT_DOMAIN) & (nvtx["end"] > nvtx["start"])]
    codes, names = pd.factorize(host["name"].astype(str), sort=True)
    cov = _covered_idle(gaps, host["start"].to_numpy(), host["end"].to_numpy(), codes)
    ranges = [(str(names[i]), int(cov[i])) for i in np.flatnonzero(cov >= 0.05 * idle)]
    sev = "high" if frac >= threshold(ctx, "gpu_idle", "high_idle") else \
        "medium" if frac >= threshold(ctx, "gpu_idle", "medium_idle") else "low"
    return [Idle(idle_ns=idle, span_ns=span, gaps=len(gaps),
                 largest_gap_ns=int((gaps["end"] - gaps["start"]).max()), fraction=frac,
                 severity=sev, outside_copies_ns=int(cov_copies), host_ranges=tuple(ranges),
                 **per)]


@dataclass(frozen=True)
class LaunchBound:
    kernels_per_inference: float     # median
    tiny_share: float                # kernels shorter than tiny_ns
    tiny_ns: int
    idle_share: float                # median idle share of an inference
    idle_ns: int                     # idle time inside the inferences, summed


def _launch_words(r: LaunchBound, w: Words) -> Finding:
    return Finding(
        kind="launch_overhead", severity="medium" if r.idle_share >= 0.3 else "low",
        title=f"{r.kernels_per_inference:.0f} kernels per inference, {pct(r.tiny_share)} under "
              f"{fmt_ns(r.tiny_ns)}",
        message=(f"Each inference launches {r.kernels_per_inference:.0f} kernels, mostly tiny, "
                 f"and the GPU is idle {pct(r.idle_share)} of the median inference: the host "
                 "cannot launch fast enough."),
        layers=[], kernels=[], time_ns=r.idle_ns, saving_ns=None, share=r.idle_share,
        evidence=[f"median kernels per inference: {r.kernels_per_inference:.0f}",
                  f"kernels shorter than tiny_ns: {pct(r.tiny_share)}",
                  f"median idle share of an inference: {pct(r.idle_share)}"],
        recommendation=("Capture the inference in a CUDA graph (trtexec --useCudaGraph; in code "
                        "cudaStreamBeginCapture around enqueueV3, then cudaGraphLaunch), and "
                        "reduce kernel count with larger batches or fusion."))


@rule("launch_overhead", needs=("trace",), words=_launch_words, tiny_ns=10_000, min_kernels=20,
      min_idle=0.15)
def launch_overhead(ctx: Context) -> list[LaunchBound]:
    """Many tiny kernels per inference with the GPU idle between them: launch-bound. Suggests
    CUDA graphs (not when the kernels already come from a graph).

    Thresholds: tiny_ns (10000: a tiny kernel), min_kernels (20 per inference),
    min_idle (0.15 of the inference latency idle).
    """
    trace = _trace(ctx)
    win = trace.window
    k = trace.kernels
    it = win.iterations
    if not len(it) or not len(k) or (k.get("graph_node_id", pd.Series([0])) != 0).any():
        return []
    per_it = float(it["kernel_count"].median())
    tiny_ns = threshold(ctx, "launch_overhead", "tiny_ns")
    tiny = float((k["duration"] < tiny_ns).mean())
    idle = float(((it["latency_ns"] - it["gpu_busy_ns"]) / it["latency_ns"]).median())
    if per_it < threshold(ctx, "launch_overhead", "min_kernels") or tiny < 0.5 or \
            idle < threshold(ctx, "launch_overhead", "min_idle"):
        return []
    return [LaunchBound(kernels_per_inference=per_it, tiny_share=tiny, tiny_ns=tiny_ns,
                        idle_share=idle,
                        idle_ns=int((it["latency_ns"] - it["gpu_busy_ns"]).clip(lower=0).sum()))]


def _untraced_words(launches: int, w: Words) -> Finding:
    return Finding(
        kind="cuda_graph_untraced", severity="medium",
        title=f"{launches} CUDA graph launches without per-kernel data",
        message=("The application runs CUDA graphs but Nsight Systems traced them as whole "
                 "graphs: their kernels are absent, so kernel time and shares undercount."),
        layers=[], kernels=[], time_ns=None, saving_ns=None, share=None,
        evidence=[f"graph launches: {launches}", "kernels with a graph node id: 0"],
        recommendation="Re-profile with `nsys profile --cuda-graph-trace=node -t cuda,nvtx`.")


@rule("cuda_graph_untraced", needs=("trace",), words=_untraced_words)
def cuda_graph_untraced(ctx: Context) -> list[int]:
    """CUDA graph launches traced as whole graphs: the kernels inside them are missing from
    the trace, so every number here undercounts. No thresholds."""
    trace = _trace(ctx)
    if not trace.graph_launches or trace.graph_nodes_traced:
        return []
    return [trace.graph_launches]
