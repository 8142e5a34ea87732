"""pageable_memcpy and sync_memcpy: host <-> device copies that stall the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from trtprof.analysis.result import TraceFacts
from trtprof.rules import Context, Finding, Words, rule
from trtprof.rules._common import fmt_ns, loop_basis, loop_span, pct, severity, threshold

_SYNC_COPY = {"cudaMemcpy", "cudaMemcpy2D", "cudaMemcpy3D", "cudaMemcpyToSymbol",
              "cudaMemcpyFromSymbol", "cuMemcpyHtoD", "cuMemcpyDtoH", "cuMemcpyDtoD",
              "cuMemcpy", "cuMemcpy2D", "cuMemcpy3D"}


def _in_loop(rows: pd.DataFrame, span: tuple[int, int] | None
             ) -> tuple[pd.DataFrame, int, int]:
    """The rows (start/end columns) inside the inference loop, and how many lie before/after."""
    if span is None:
        return rows, 0, 0
    before = (rows["end"] < span[0]).to_numpy()
    after = (rows["start"] > span[1]).to_numpy()
    return rows[~(before | after)], int(before.sum()), int(after.sum())


def _trace(ctx: Context) -> TraceFacts:
    assert ctx.analysis.trace is not None   # a needs=("trace",) rule
    return ctx.analysis.trace


def _copies(ctx: Context, columns: list[str]) -> pd.DataFrame:
    # Only the columns used: a boolean selection copies every column it keeps, of every op.
    ops = _trace(ctx).window.ops
    return ops.loc[(ops["kind"] == "memcpy").to_numpy(), columns]


@dataclass(frozen=True)
class CopyKind:
    kind: str                    # HtoD / DtoH
    count: int
    bytes: int
    time_ns: int
    bandwidth: float             # GB/s (bytes per ns)
    pinned_count: int            # pinned copies of the same kind in the trace
    pinned_bandwidth: float | None


@dataclass(frozen=True)
class PageableCopies:
    count: int
    time_ns: int
    saving_ns: int
    share: float | None          # of the window's kernel time
    severity: str
    kinds: tuple[CopyKind, ...]
    basis: str


def _pageable_words(r: PageableCopies, w: Words) -> Finding:
    ev = []
    for k in r.kinds:
        ev.append(f"{k.kind} pageable: {k.count} copies, {k.bytes / 1e6:.1f} MB, "
                  f"{fmt_ns(k.time_ns)} ({k.bandwidth:.2f} GB/s)")
        if k.pinned_bandwidth is not None:
            ev.append(f"{k.kind} pinned in the same trace: {k.pinned_count} copies at "
                      f"{k.pinned_bandwidth:.2f} GB/s")
    if r.share is not None:
        ev.append(f"pageable copy time = {pct(r.share)} of the window's GPU kernel time")
    ev.append(r.basis)
    return Finding(
        kind="pageable_memcpy", severity=r.severity,
        title=f"{r.count} copies use pageable host memory ({fmt_ns(r.time_ns)})",
        message=(f"{r.count} host<->device copies read or write pageable memory: "
                 f"{fmt_ns(r.time_ns)} of copy time. The driver stages them through a pinned "
                 "buffer, so they run slower and cudaMemcpyAsync becomes synchronous with the "
                 "host."),
        layers=[], kernels=[], time_ns=r.time_ns, saving_ns=r.saving_ns or None, evidence=ev,
        share=r.share,
        recommendation=("Allocate the host input/output buffers as pinned memory "
                        "(cudaMallocHost / cudaHostAlloc, torch `pin_memory()`, "
                        "cuda-python cudart.cudaMallocHost) and reuse them across inferences; "
                        "then the copies can overlap compute on another stream."))


@rule("pageable_memcpy", needs=("trace",), words=_pageable_words, high_share=0.10,
      medium_share=0.03)
def pageable_memcpy(ctx: Context) -> list[PageableCopies]:
    """Host <-> device copies from/to pageable host memory during the inference loop (inputs
    are usually copied outside enqueue, so not only inside the window; setup copies before the
    first inference are not counted). Async copies on pageable memory are staged and
    synchronous. Saving estimated from the trace's own pinned copies when it has some.

    Thresholds: high_share (0.10), medium_share (0.03) of copy time / window GPU kernel time.
    """
    c = _copies(ctx, ["start", "end", "src_kind", "dst_kind", "copy_kind", "bytes", "duration"])
    span = loop_span(ctx)
    c, before, after = _in_loop(c, span)
    src, dst = c["src_kind"].astype(str), c["dst_kind"].astype(str)
    host = c["copy_kind"].astype(str).isin(("HtoD", "DtoH"))
    pageable = host & ((src == "pageable") | (dst == "pageable"))
    pinned = host & ((src == "pinned") | (dst == "pinned"))
    p = c[pageable]
    if not len(p):
        return []
    t = int(p["duration"].sum())
    kinds, saving = [], 0
    for kind, g in p.groupby(p["copy_kind"].astype(str), observed=True):
        bw = g["bytes"].sum() / g["duration"].sum() if g["duration"].sum() else 0
        q = c[pinned & (c["copy_kind"].astype(str) == kind)]
        bw_pin = None
        if len(q) and q["duration"].sum():
            bw_pin = q["bytes"].sum() / q["duration"].sum()
            if bw_pin > bw:
                saving += int(g["duration"].sum() - g["bytes"].sum() / bw_pin)
        kinds.append(CopyKind(kind=str(kind), count=len(g), bytes=int(g["bytes"].sum()),
                              time_ns=int(g["duration"].sum()), bandwidth=float(bw),
                              pinned_count=len(q), pinned_bandwidth=bw_pin))
    kt = int(ctx.analysis.metrics.get("kernel_time_ns") or 0)
    share = t / kt if kt else None
    return [PageableCopies(
        count=len(p), time_ns=t, saving_ns=saving, share=share, kinds=tuple(kinds),
        basis=loop_basis(span, before, after, "copies"),
        severity=severity(share, threshold(ctx, "pageable_memcpy", "high_share"),
                          threshold(ctx, "pageable_memcpy", "medium_share")))]


@dataclass(frozen=True)
class SyncCopies:
    count: int
    host_ns: int                 # host time blocked in the calls
    gpu_ns: int                  # the copies' GPU time
    calls: tuple[tuple[str, int], ...]   # API name, calls
    basis: str


def _sync_words(r: SyncCopies, w: Words) -> Finding:
    ev = [f"{n}: {k} calls" for n, k in r.calls]
    ev.append(f"host time blocked in these calls: {fmt_ns(r.host_ns)}")
    ev.append(r.basis)
    return Finding(
        kind="sync_memcpy", severity="low" if r.host_ns < 1_000_000 else "medium",
        title=f"{r.count} synchronous memcpy calls",
        message=(f"{r.count} synchronous copy calls block the host thread for "
                 f"{fmt_ns(r.host_ns)} in total; nothing else can be queued meanwhile."),
        layers=[], kernels=[], time_ns=r.gpu_ns, saving_ns=None, evidence=ev, share=None,
        recommendation=("Use cudaMemcpyAsync on the inference stream with pinned buffers and "
                        "synchronise once per inference (cudaStreamSynchronize after the "
                        "output copy)."))


@rule("sync_memcpy", needs=("trace", "api"), words=_sync_words, min_bytes=65536)
def sync_memcpy(ctx: Context) -> list[SyncCopies]:
    """Synchronous copy API calls (cudaMemcpy, not ...Async) that block the host thread
    during the inference loop (setup copies before the first inference are not counted);
    host-to-device copies of at most min_bytes are exempt, as in `nsys analyze`.

    Thresholds: min_bytes (65536).
    """
    api = _trace(ctx).api
    calls = api[api["name"].isin(_SYNC_COPY).to_numpy()]   # categorical: tests each name once
    span = loop_span(ctx)
    calls, before, after = _in_loop(calls, span)
    if not len(calls):
        return []
    c = _copies(ctx, ["correlation_id", "pid", "bytes", "copy_kind", "duration"])
    j = calls.merge(c, on=["correlation_id", "pid"], how="left")
    small = (j["copy_kind"].astype(str) == "HtoD") & \
        (j["bytes"].fillna(0) <= threshold(ctx, "sync_memcpy", "min_bytes"))
    j = j[~small]
    if not len(j):
        return []
    counts = j["name"].astype(str).value_counts()
    return [SyncCopies(count=len(j), host_ns=int((j["end"] - j["start"]).sum()),
                       gpu_ns=int(j["duration"].fillna(0).sum()),
                       calls=tuple((str(n), int(k)) for n, k in counts.items()),
                       basis=loop_basis(span, before, after, "calls"))]
