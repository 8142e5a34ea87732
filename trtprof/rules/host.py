"""enqueue_bound, transfer_bound, unstable_timing: what trtexec's performance summary says about
the host side, on trtexec's own criteria (samples/common/sampleReporting.cpp), so a summary
whose warnings were not printed (TREx metadata) is judged the same way.

Basis: trtexec's per-inference distributions (medians), over the inferences of its timed run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trtprof.rules import Context, Finding, Words, rule
from trtprof.rules._common import fmt_ns, pct, threshold


def _median(perf: dict[str, Any], key: str) -> int | None:
    v = (perf.get(key) or {}).get("median_ns")
    return int(v) if isinstance(v, (int, float)) else None


def _printed(perf: dict[str, Any], kind: str) -> str | None:
    return next((w["text"] for w in perf.get("warnings") or [] if w.get("kind") == kind), None)


def _basis(perf: dict[str, Any]) -> str:
    return f"trtexec performance summary ({perf.get('source')}" + (
        f", {perf['used']} of {perf['summaries']})" if (perf.get("summaries") or 0) > 1 else ")")


def _jetson(ctx: Context) -> bool:
    name = str((ctx.analysis.gpu or {}).get("name") or "")
    return any(k in name for k in ("Orin", "Xavier", "Tegra", "Jetson", "TX2", "Nano"))


# ---------------------------------------------------------------------------- enqueue_bound

@dataclass(frozen=True)
class EnqueueBound:
    enqueue_ns: int
    compute_ns: int
    ratio: float
    severity: str
    basis: str
    printed: str | None


def _enqueue_words(r: EnqueueBound, w: Words) -> Finding:
    ev = [f"median enqueue {fmt_ns(r.enqueue_ns)} vs median GPU compute {fmt_ns(r.compute_ns)} "
          f"per inference ({pct(r.ratio)}; trtexec warns above 80%)", f"basis: {r.basis}"]
    if r.printed:
        ev.append(f"trtexec: {r.printed}")
    return Finding(
        kind="enqueue_bound", severity=r.severity,
        title=f"Enqueue takes {pct(r.ratio)} of the GPU compute time ({fmt_ns(r.enqueue_ns)} vs "
              f"{fmt_ns(r.compute_ns)} per inference): the host cannot run ahead",
        message=f"enqueue returns after {fmt_ns(r.enqueue_ns)} (median) against "
                f"{fmt_ns(r.compute_ns)} of GPU compute, so the GPU waits while the host "
                "prepares the next inference. Either submitting the work is that slow (many "
                "short kernels) or enqueue waits for the GPU inside (a synchronising plugin, "
                "data-dependent shapes, an older TensorRT that blocks); a trace with the CUDA "
                "API tells which.",
        evidence=ev,
        recommendation="If launches are the cost, capture the inference in a CUDA graph "
                       "(trtexec --useCudaGraph; in the application, cudaStreamBeginCapture "
                       "around enqueueV3, then replay the graph). If enqueue blocks, find the "
                       "synchronising layer in an nsys trace (-t cuda,nvtx) and keep several "
                       "inferences in flight on separate streams and execution contexts.")


@rule("enqueue_bound", needs=("perf",), words=_enqueue_words, min_ratio=0.8)
def enqueue_bound(ctx: Context) -> list[EnqueueBound]:
    """trtexec's median enqueue time is over 80% of its median GPU compute time.

    Thresholds: min_ratio (0.8, trtexec's own) of enqueue / GPU compute medians.
    """
    perf = ctx.analysis.performance or {}
    enq, comp = _median(perf, "enqueue"), _median(perf, "gpu_compute")
    if enq is None or not comp:
        return []
    ratio = enq / comp
    if ratio <= threshold(ctx, "enqueue_bound", "min_ratio"):
        return []
    return [EnqueueBound(enq, comp, ratio, "medium", _basis(perf),
                         _printed(perf, "enqueue_bound"))]


# ---------------------------------------------------------------------------- transfer_bound

@dataclass(frozen=True)
class TransferBound:
    direction: str          # "host-to-device" | "device-to-host"
    copy_ns: int
    compute_ns: int
    basis: str
    printed: str | None


def _transfer_words(r: TransferBound, w: Words) -> Finding:
    what = "inputs" if r.direction == "host-to-device" else "outputs"
    ev = [f"median {r.direction} copy {fmt_ns(r.copy_ns)} vs median GPU compute "
          f"{fmt_ns(r.compute_ns)} per inference (trtexec warns at >= 100%)", f"basis: {r.basis}"]
    if r.printed:
        ev.append(f"trtexec: {r.printed}")
    return Finding(
        kind="transfer_bound", severity="medium",
        title=f"Copying the {what} ({r.direction}) takes as long as the engine runs "
              f"({fmt_ns(r.copy_ns)} vs {fmt_ns(r.compute_ns)} per inference)",
        message=f"trtexec's latency includes the {r.direction} copy of the {what}; at "
                f"{fmt_ns(r.copy_ns)} per inference it is at least the GPU compute time, so "
                "the copy, not the engine, bounds throughput in this measurement.",
        evidence=ev,
        recommendation="Measure the engine alone with trtexec --noDataTransfers. In the "
                       f"application, keep the {what} on the GPU where the pipeline allows, "
                       "use pinned host buffers (cudaHostAlloc) and overlap the copies with "
                       "compute on another stream (double-buffered I/O).")


@rule("transfer_bound", needs=("perf",), words=_transfer_words)
def transfer_bound(ctx: Context) -> list[TransferBound]:
    """trtexec's median H2D or D2H copy time is at least its median GPU compute time."""
    perf = ctx.analysis.performance or {}
    comp = _median(perf, "gpu_compute")
    if not comp:
        return []
    out = []
    for key, direction, kind in (("h2d", "host-to-device", "h2d_bound"),
                                 ("d2h", "device-to-host", "d2h_bound")):
        copy = _median(perf, key)
        if copy is not None and copy >= comp:
            out.append(TransferBound(direction, copy, comp, _basis(perf), _printed(perf, kind)))
    return out


# ---------------------------------------------------------------------------- unstable_timing

@dataclass(frozen=True)
class Unstable:
    cv: float
    min_ns: int | None
    median_ns: int | None
    max_ns: int | None
    severity: str
    basis: str
    jetson: bool


def _unstable_words(r: Unstable, w: Words) -> Finding:
    spread = (f"GPU compute min {fmt_ns(r.min_ns)}, median {fmt_ns(r.median_ns)}, max "
              f"{fmt_ns(r.max_ns)} per inference")
    clocks = ("`sudo jetson_clocks` (and a fixed nvpmodel mode)" if r.jetson else
              "`sudo nvidia-smi --lock-gpu-clocks=<base clock>`")
    return Finding(
        kind="unstable_timing", severity=r.severity,
        title=f"GPU compute time is unstable (coefficient of variation {pct(r.cv)})",
        message=f"trtexec measured a {pct(r.cv)} coefficient of variation of GPU compute time "
                "(it warns above 1%): clocks or other work on the GPU move the numbers, so "
                "differences between runs smaller than this are noise.",
        evidence=[spread, f"basis: {r.basis}"],
        recommendation=f"Lock the clocks ({clocks}), add --useSpinWait, run longer "
                       "(--duration=30) and keep other work off the GPU before comparing runs; "
                       "give `trtprof gate` a noise allowance at least this large.")


@rule("unstable_timing", needs=("perf",), words=_unstable_words, max_cv=0.01,
      medium_cv=0.10)
def unstable_timing(ctx: Context) -> list[Unstable]:
    """trtexec printed a GPU compute coefficient of variation over 1%.

    Thresholds: max_cv (0.01, trtexec's own), medium_cv (0.10: medium severity from here).
    """
    perf = ctx.analysis.performance or {}
    cv = perf.get("gpu_compute_cv")
    if cv is None or cv <= threshold(ctx, "unstable_timing", "max_cv"):
        return []
    comp = perf.get("gpu_compute") or {}
    sev = "medium" if cv >= threshold(ctx, "unstable_timing", "medium_cv") else "low"
    return [Unstable(float(cv), comp.get("min_ns"), comp.get("median_ns"), comp.get("max_ns"),
                     sev, _basis(perf), _jetson(ctx))]
