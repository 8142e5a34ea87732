"""Project NVTX ranges onto GPU work (FORMATS.md, "Projecting NVTX ranges onto GPU work").

A GPU op belongs to a range when the API call that launched it lies entirely inside the range on
the same thread; its layer is the innermost such range (the one with the latest start). Everything
here works on sorted numpy columns (searchsorted and a sparse table), never on rows, so it stays
linear-logarithmic at millions of ops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trtprof.model import Trace

NONE = -1


@dataclass
class Launches:
    """Per GPU op (aligned with ``trace.gpu_ops``): the API call that launched it, and the call
    whose NVTX ranges name its layer. The two differ only for kernels replayed from a CUDA
    graph: launched by ``cudaGraphLaunch`` (which places them in an iteration), created by a
    launch call during stream capture (which places them in a layer)."""
    tid: np.ndarray      # globalTid of the launching thread, NONE when unknown
    start: np.ndarray
    end: np.ndarray
    origin_tid: np.ndarray
    origin_start: np.ndarray
    origin_end: np.ndarray
    via_graph: np.ndarray  # bool: origin found through a CUDA graph node's capture


def _last_at_or_before(sorted_keys: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.searchsorted(sorted_keys, q, side="right") - 1


_CORR_BITS = 38   # pids are 24 bits (globalTid layout), so 24 + 38 bits fit in an int64 key


def _packable(pid: np.ndarray, corr: np.ndarray) -> bool:
    return not len(pid) or (pid.min() >= 0 and pid.max() < 1 << 24 and corr.min() >= 0
                            and corr.max() < 1 << _CORR_BITS)


def _pack(pid: np.ndarray, corr: np.ndarray) -> np.ndarray:
    return (pid.astype(np.int64) << _CORR_BITS) | corr.astype(np.int64)


def launches(trace: Trace) -> Launches:
    """Join every GPU op to its launching API call on (pid, correlationId)."""
    ops, api = trace.gpu_ops, trace.api
    n = len(ops)
    tid = np.full(n, NONE, dtype=np.int64)
    start = np.zeros(n, dtype=np.int64)
    end = np.zeros(n, dtype=np.int64)
    via_graph = np.zeros(n, dtype=bool)
    if n == 0 or len(api) == 0:
        return Launches(tid, start, end, tid.copy(), start.copy(), end.copy(), via_graph)
    # One API row per (pid, correlationId): when a runtime call and a driver call share an id,
    # keep the outer (earliest) one; both lie in the same ranges.
    a_pid, a_corr = api["pid"].to_numpy(), api["correlation_id"].to_numpy()
    o_pid, o_corr = ops["pid"].to_numpy(), ops["correlation_id"].to_numpy()
    if _packable(a_pid, a_corr) and _packable(o_pid, o_corr):
        # Sorted-key join in numpy: (pid, correlationId) packed into one int64, the first call
        # by start per key, binary search per op (a DataFrame merge costs several times more).
        keep = np.flatnonzero(a_corr != 0)
        a_start = api["start"].to_numpy()[keep]
        if not (a_start[1:] >= a_start[:-1]).all():
            keep = keep[np.argsort(a_start, kind="stable")]
        packed = _pack(a_pid[keep], a_corr[keep])
        if (packed[1:] > packed[:-1]).all():   # the usual case: ids grow with time, no repeats
            keys, first = packed, np.arange(len(packed))
        else:
            keys, first = np.unique(packed, return_index=True)
        if len(keys):
            q = _pack(o_pid, o_corr)
            pos = np.clip(np.searchsorted(keys, q), 0, len(keys) - 1)
            found = keys[pos] == q
            hit = keep[first][pos[found]]          # the API row of each op that has one
            tid[found] = api["tid"].to_numpy()[hit]
            start[found] = api["start"].to_numpy()[hit]
            end[found] = api["end"].to_numpy()[hit]
    else:
        calls = (api.loc[a_corr != 0, ["pid", "correlation_id", "tid", "start", "end"]]
                 .sort_values("start", kind="stable")
                 .drop_duplicates(["pid", "correlation_id"], keep="first"))
        joined = pd.DataFrame({"pid": o_pid, "correlation_id": o_corr}).merge(
            calls, on=["pid", "correlation_id"], how="left", sort=False)
        found = joined["tid"].notna().to_numpy()
        tid[found] = joined["tid"].to_numpy()[found].astype(np.int64)
        start[found] = joined["start"].to_numpy()[found].astype(np.int64)
        end[found] = joined["end"].to_numpy()[found].astype(np.int64)
    origin = (tid.copy(), start.copy(), end.copy())
    _graph_launches(trace, *origin, via_graph)
    return Launches(tid, start, end, *origin, via_graph)


def _graph_launches(trace: Trace, tid, start, end, via_graph) -> None:
    """Replayed graph kernels: use the API call that created their node during stream capture.

    With ``--cuda-graph-trace=node`` a replayed kernel carries a graphNodeId. Its node (through
    originalGraphNodeId for instantiated/cloned nodes) was created by a launch call made while the
    stream was being captured, inside the NVTX ranges TensorRT opened then. That call is the
    nearest API call at or before the node's creation on the same thread.
    """
    nodes = trace.graph_nodes
    gids = trace.gpu_ops["graph_node_id"].to_numpy()
    replayed = gids != 0
    if not replayed.any() or not len(nodes):
        return
    created = nodes.sort_values("start", kind="stable").drop_duplicates("graph_node_id")
    created = created.set_index("graph_node_id")
    # An instantiated node has several rows (one without, one with originalGraphNodeId).
    linked = nodes[nodes["original_graph_node_id"] != 0].drop_duplicates("graph_node_id")
    origin = linked.set_index("graph_node_id")["original_graph_node_id"]
    # Follow clones back to the node that was created during capture (bounded: chains are short).
    node = pd.Series(gids[replayed])
    for _ in range(4):
        parent = node.map(origin).fillna(0).astype(np.int64)
        step = (parent != 0) & parent.isin(created.index) & (parent != node)
        if not step.any():
            break
        node = node.where(~step, parent)
    node_tid = node.map(created["tid"]).to_numpy()
    node_start = node.map(created["start"]).to_numpy()
    ok = ~np.isnan(node_tid.astype(float))
    if not ok.any():
        return
    idx = np.flatnonzero(replayed)[ok]
    q_tid = node_tid[ok].astype(np.int64)
    q_start = node_start[ok].astype(np.int64)
    api = trace.api.sort_values(["tid", "start"], kind="stable")
    a_tid, a_start, a_end = (api[c].to_numpy() for c in ("tid", "start", "end"))
    for t in np.unique(q_tid):
        lo, hi = np.searchsorted(a_tid, t, "left"), np.searchsorted(a_tid, t, "right")
        sel = q_tid == t
        j = _last_at_or_before(a_start[lo:hi], q_start[sel])
        good = j >= 0
        rows = idx[sel][good]
        tid[rows] = t
        start[rows] = a_start[lo:hi][j[good]]
        end[rows] = a_end[lo:hi][j[good]]
        via_graph[rows] = True


def _innermost_one_thread(r_start, r_end, q_start, q_end) -> np.ndarray:
    """Index of the latest-starting range with start <= q_start and end >= q_end, or NONE.

    Ranges are sorted by start. A sparse table of running maxima over ``r_end`` lets binary
    lifting jump back over blocks of ranges that end too early: O((n + q) log n), exact for any
    overlap pattern (push/pop ranges nest, start/end ranges may not). ``innermost`` uses it
    only for the queries that its faster walk did not settle.
    """
    n = len(r_start)
    p = _last_at_or_before(r_start, q_start)
    if n == 0:
        return np.full(len(q_start), NONE, dtype=np.int64)
    levels = [r_end]
    span = 1
    while span * 2 <= n:
        prev = levels[-1]
        cur = prev.copy()
        cur[span:] = np.maximum(prev[span:], prev[:-span])
        levels.append(cur)
        span *= 2
    for k in range(len(levels) - 1, -1, -1):
        step = 1 << k
        can = p >= step - 1
        skip = np.zeros_like(can)
        skip[can] = levels[k][p[can]] < q_end[can]
        p[skip] -= step
    hit = p >= 0
    hit[hit] = r_end[p[hit]] >= q_end[hit]
    return np.where(hit, p, NONE)


# Pointer-jumping rounds before giving up on the fast walk (nesting depth and sibling counts in
# real traces need a handful; the sparse table takes over beyond this).
_MAX_ROUNDS = 48


def _previous_longer(r_end: np.ndarray, thread_start: np.ndarray) -> np.ndarray | None:
    """For each range, the latest earlier range of its thread that ends strictly later, or NONE
    (None when pointer jumping did not settle within _MAX_ROUNDS).

    Invariant: every range strictly between ptr[j] and j ends no later than j, so a pointer that
    still ends too early can jump to its own pointer.
    """
    ptr = np.arange(len(r_end), dtype=np.int64) - 1
    ptr[thread_start] = NONE
    active = np.flatnonzero(ptr >= 0)
    for _ in range(_MAX_ROUNDS):
        active = active[r_end[ptr[active]] <= r_end[active]]
        if not len(active):
            return ptr
        ptr[active] = ptr[ptr[active]]
        active = active[ptr[active] >= 0]
    return None if len(active) else ptr


def _by_thread(r_tid: np.ndarray, thread_start: np.ndarray, q_tid: np.ndarray):
    """(lo, hi, queries) per thread that has ranges: its ranges are r_tid[lo:hi], ``queries`` the
    positions of the queries made on it."""
    bounds = np.append(thread_start, len(r_tid))
    if len(thread_start) <= 16:   # the usual few threads: one comparison pass each, no sort
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            q = np.flatnonzero(q_tid == r_tid[lo])
            if len(q):
                yield int(lo), int(hi), q
        return
    order = np.argsort(q_tid, kind="stable")
    sorted_tid = q_tid[order]
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        a = np.searchsorted(sorted_tid, r_tid[lo], "left")
        b = np.searchsorted(sorted_tid, r_tid[lo], "right")
        if b > a:
            yield int(lo), int(hi), order[a:b]


def innermost(ranges: pd.DataFrame, q_tid: np.ndarray, q_start: np.ndarray,
              q_end: np.ndarray) -> np.ndarray:
    """For each query interval, the positional index (into ``ranges``) of the innermost range on
    the same thread that contains it, or NONE. ``ranges`` must be sorted by (tid, start).

    The latest range starting at or before the query contains it, or else the answer lies on the
    chain of ranges that each end later than the last (``_previous_longer``): skipped ranges end
    too early. In nested NVTX the chain is the ancestors, so a few vectorised steps settle every
    query; anything left (pathological overlap) goes to the exact sparse-table search.
    """
    out = np.full(len(q_tid), NONE, dtype=np.int64)
    if not len(ranges) or not len(q_tid):
        return out
    r_tid = ranges["tid"].to_numpy()
    r_start = ranges["start"].to_numpy()
    r_end = ranges["end"].to_numpy()
    thread_start = np.flatnonzero(np.r_[True, r_tid[1:] != r_tid[:-1]])
    longer = _previous_longer(r_end, thread_start)
    slices = []
    for lo, hi, q in _by_thread(r_tid, thread_start, q_tid):
        p = _last_at_or_before(r_start[lo:hi], q_start[q])
        out[q] = np.where(p >= 0, p + lo, NONE)
        slices.append((q, lo, hi))
    pending = np.flatnonzero(out >= 0)
    for _ in range(_MAX_ROUNDS if longer is not None else 0):
        pending = pending[r_end[out[pending]] < q_end[pending]]
        if not len(pending):
            return out
        assert longer is not None   # no rounds without it
        out[pending] = longer[out[pending]]
        pending = pending[out[pending] >= 0]
    if not len(pending):
        return out
    for q, lo, hi in slices:   # not settled by the walk: exact search, thread by thread
        j = _innermost_one_thread(r_start[lo:hi], r_end[lo:hi], q_start[q], q_end[q])
        out[q] = np.where(j >= 0, j + lo, NONE)
    return out


def top_level(ranges: pd.DataFrame) -> np.ndarray:
    """Mask of ranges not contained in an earlier range of the same frame on the same thread
    (``ranges`` sorted by tid, start). TensorRT's execute may nest an enqueue range inside."""
    if not len(ranges):
        return np.zeros(0, dtype=bool)
    tid = ranges["tid"].to_numpy()
    end = ranges["end"].to_numpy()
    new_thread = np.r_[True, tid[1:] != tid[:-1]]
    # running max of end within each thread, shifted by one
    group = np.cumsum(new_thread)
    running = pd.Series(end).groupby(group).cummax().to_numpy()
    prev_max = np.r_[np.iinfo(np.int64).min, running[:-1]]
    prev_max[new_thread] = np.iinfo(np.int64).min
    return ~(prev_max >= end)
