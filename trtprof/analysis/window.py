"""The analysis window: which GPU work counts, which inference (iteration) each op belongs to,
and which layer (innermost NVTX range) it is attributed to.

- "tensorrt": TensorRT execution ranges (domain "TensorRT", ``ExecutionContext::*``) exist; only
  GPU work launched inside them counts, one top-level range = one inference. Engine building and
  tactic timing (often most of the kernels in a capture) fall outside and are counted as excluded.
- "nvtx": no TensorRT ranges, but per-iteration NVTX ranges ("iteration 3", "step 7", "infer"...)
  exist; the same scoping with those.
- "all": neither; every GPU op counts and iterations are unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from trtprof.analysis.attribution import NONE, innermost, launches, top_level
from trtprof.model import Trace, categorical, group_reduce

TRT_DOMAIN = "TensorRT"
EXEC_RANGE = re.compile(r"^ExecutionContext::")
ITERATION_RANGE = re.compile(
    r"^\s*(iter(ation)?|step|batch|infer(ence)?|request|sample)\b[\s_:#=-]*\d*\s*$", re.I)

# range_pos: position of the inference's range in Window.ranges (the ops' "iteration" value).
ITERATION_COLUMNS = ["index", "range_pos", "tid", "start", "end", "gpu_start", "gpu_end",
                     "latency_ns", "kernel_time_ns", "gpu_busy_ns", "kernel_count"]


@dataclass
class Window:
    kind: str                       # tensorrt | nvtx | all
    ops: pd.DataFrame               # every GPU op + launch/attribution columns (see scope())
    iterations: pd.DataFrame        # one row per inference inside the window
    excluded_kernels: int
    excluded_kernel_time_ns: int
    unattributed_kernels: int       # kernels whose launch call was not found / no range
    ranges: pd.DataFrame            # the window's ranges (one per inference), nvtx_row column
    notes: list[str] = field(default_factory=list)

    @cached_property
    def in_window(self) -> pd.DataFrame:
        # Cached: metrics, the layer table and several rules all read it, and each boolean-mask
        # selection copies every column of a frame that may hold millions of ops; when every
        # op is in the window (often), the columns are shared instead.
        # The launch columns only serve the attribution above: not carried along.
        ops = self.ops.drop(columns=["launch_tid", "launch_start", "via_graph"])
        inside = ops["in_window"]
        return ops if inside.all() else ops[inside]


def _range_subset(nvtx: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """Top-level ranges among ``mask``; ``nvtx_row`` keeps each one's row in ``nvtx``."""
    sub = nvtx[mask]
    sub = sub[top_level(sub)]
    return sub.assign(nvtx_row=sub.index.to_numpy()).reset_index(drop=True)


def _per_category(col: pd.Series, test) -> np.ndarray:
    """``test`` (on a Series of str) applied to each category of ``col``, spread per row."""
    cats = pd.Series(col.cat.categories).astype(str)
    hit = np.append(np.asarray(test(cats), dtype=bool), False)   # code -1 (NaN): no
    return hit[col.cat.codes.to_numpy()]


def _pick_window_ranges(nvtx: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    if len(nvtx):
        # Test each distinct name/domain once, then spread the answer through the codes.
        is_exec = _per_category(nvtx["domain"], lambda c: c == TRT_DOMAIN) & \
            _per_category(nvtx["name"], lambda c: c.str.match(EXEC_RANGE))
        if is_exec.any():
            return "tensorrt", _range_subset(nvtx, is_exec)
        uniq = pd.Series(nvtx["name"].cat.categories)
        iter_names = set(uniq[uniq.str.match(ITERATION_RANGE)])
        if iter_names:
            return "nvtx", _range_subset(nvtx, nvtx["name"].isin(iter_names).to_numpy())
    return "all", nvtx.iloc[:0]


def layer_range_mask(nvtx: pd.DataFrame) -> np.ndarray | None:
    """Mask of TensorRT's ranges when TensorRT marks layers (ranges of its domain besides the
    execution ranges) and other domains' ranges exist too; None: every range can name a layer."""
    if not len(nvtx):
        return None
    trt = _per_category(nvtx["domain"], lambda c: c == TRT_DOMAIN)
    if trt.all():
        return None
    marks_layers = trt & ~_per_category(nvtx["name"], lambda c: c.str.match(EXEC_RANGE))
    return trt if marks_layers.any() else None


def _nested_note(nvtx: pd.DataFrame, layer_rng: np.ndarray, any_rng: np.ndarray,
                 ops: pd.DataFrame) -> str | None:
    """What the other domains' nested ranges would have taken from TensorRT's layers."""
    moved = (any_rng >= 0) & (any_rng != layer_rng) & (layer_rng >= 0)
    if not moved.any():
        return None
    kernels = moved & (ops["kind"] == "kernel").to_numpy()
    total = int(ops.loc[(ops["kind"] == "kernel").to_numpy(), "duration"].sum())
    dom = nvtx["domain"].astype(str).to_numpy()[any_rng[moved]]
    name = nvtx["name"].astype(str).to_numpy()[any_rng[moved]]
    top = pd.Series(dom + ":" + name).value_counts().index[:3]
    share = int(ops.loc[kernels, "duration"].sum()) / total if total else 0.0
    return (f"{int(kernels.sum()):,} kernels ({share:.1%} of kernel time) ran inside ranges of "
            f"other NVTX domains nested in TensorRT's layer ranges ({', '.join(top)}): they "
            "are attributed to the enclosing TensorRT layer")


def _union_length(starts: np.ndarray, ends: np.ndarray, groups: np.ndarray) -> pd.Series:
    """Per group (sorted), the length of the union of [start, end) intervals (GPU busy time)."""
    s, e, g = np.asarray(starts), np.asarray(ends), np.asarray(groups)
    if not len(g):
        return pd.Series(dtype=np.int64)
    lo, hi = int(g.min()), int(g.max())
    if hi - lo <= 2 * len(g):   # one group, or iteration numbers: the group is its own rank
        labels, rank = np.arange(lo, hi + 1), g - lo
    else:
        labels, rank = np.unique(g, return_inverse=True)
    # Intervals by (group, start). Ops arrive sorted by start, so a stable sort by group is
    # enough (and cheap on nearly sorted groups); otherwise sort by both.
    by_start = bool((s[1:] >= s[:-1]).all())
    if lo == hi:
        order = None if by_start else np.argsort(s, kind="stable")
    else:
        order = np.argsort(rank, kind="stable") if by_start else np.lexsort((s, rank))
    r, s, e = (rank, s, e) if order is None else (rank[order], s[order], e[order])
    new_group = np.r_[True, r[1:] != r[:-1]]
    # Latest end among the earlier intervals of the same group: one running maximum over the
    # ends lifted by group (each group above all earlier ones), when that fits in int64.
    base, span = int(e.min()), int(e.max()) - int(e.min()) + 1
    if lo == hi:
        reach = np.maximum.accumulate(e)
    elif (int(r[-1]) + 1) * span < 1 << 62:
        lift = r.astype(np.int64) * span
        reach = np.maximum.accumulate(lift + (e - base)) - lift + base
    else:
        reach = pd.Series(e).groupby(r).cummax().to_numpy()
    prev = np.empty_like(e)
    prev[1:] = reach[:-1]
    prev[new_group] = np.iinfo(np.int64).min
    # Only the part of each interval past everything before it in its group is new busy time.
    new = np.clip(e - np.maximum(s, prev), 0, None)
    return group_reduce(r, labels, busy=(new, "sum"))["busy"].rename_axis("g")


def _iterations(ops: pd.DataFrame, ranges: pd.DataFrame) -> pd.DataFrame:
    it = ops["iteration"].to_numpy()
    if not len(ranges) or not (it != NONE).any():
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in ITERATION_COLUMNS})
    # Iteration numbers are positions in ``ranges``: group codes as they are.
    start, end, dur = (ops[c].to_numpy() for c in ("start", "end", "duration"))
    is_kernel = (ops["kind"] == "kernel").to_numpy()
    positions = np.arange(len(ranges))
    out = group_reduce(it, positions, gpu_start=(start, "min"), gpu_end=(end, "max"))
    kernels = group_reduce(np.where(is_kernel, it, NONE), positions,
                           kernel_time_ns=(dur, "sum"), kernel_count=(None, "count"))
    inside = it != NONE
    out = out.join(kernels).join(_union_length(start[inside], end[inside], it[inside])
                                 .rename("gpu_busy_ns"))
    out = out.fillna(0).astype("int64")
    out["range_pos"] = out.index.to_numpy()
    rng = ranges.iloc[out.index]
    out["tid"] = rng["tid"].to_numpy()
    out["start"] = rng["start"].to_numpy()
    out["end"] = rng["end"].to_numpy()
    # Latency of one inference: from the host entering enqueue/execute until its last GPU op has
    # finished (or the host call returned, for synchronous execute, whichever is later).
    out["latency_ns"] = np.maximum(out["gpu_end"], out["end"]) - out["start"]
    out = out.sort_values("start", kind="stable").reset_index(drop=True)
    out["index"] = np.arange(len(out))
    return out[ITERATION_COLUMNS]


def scope(trace: Trace) -> Window:
    """Attribute every GPU op to its launch, innermost range, iteration; pick the window."""
    # Shallow: the columns added below do not touch trace.gpu_ops (pandas copy-on-write), and
    # the op columns are not duplicated in memory.
    ops = trace.gpu_ops.copy(deep=False)
    nvtx = trace.nvtx
    lc = launches(trace)
    ops["duration"] = (ops["end"] - ops["start"]).astype("int64")
    ops["launch_tid"] = lc.tid
    ops["launch_start"] = lc.start
    ops["origin_start"] = lc.origin_start
    ops["via_graph"] = lc.via_graph
    # The layer comes from where the op was created (capture time for graph replays), from
    # TensorRT's own ranges when it marks layers: other domains' ranges nested inside a layer
    # (Myelin's "myelin-exec:myelinGraphExecute", application ranges) are not layers.
    layer_ranges = layer_range_mask(nvtx)
    rng = innermost(nvtx if layer_ranges is None else nvtx[layer_ranges], lc.origin_tid,
                    lc.origin_start, lc.origin_end)
    notes: list[str] = []
    if layer_ranges is not None:
        rows = np.flatnonzero(layer_ranges)
        rng = np.where(rng >= 0, rows[np.maximum(rng, 0)], NONE)
        nested = _nested_note(nvtx, rng, innermost(nvtx, lc.origin_tid, lc.origin_start,
                                                   lc.origin_end), ops)
        if nested:
            notes.append(nested)
    ops["range_idx"] = rng
    # The layer name as a categorical built from the range names' codes, never as an object
    # array with one string per op; "" for ops outside any range.
    if len(nvtx):
        name = nvtx["name"].array
        values = np.append(np.asarray(name.categories, dtype=object), "")
        codes = name.codes.astype(np.int64)
        inv = np.where(rng >= 0, codes[np.maximum(rng, 0)], len(values) - 1)
    else:
        values, inv = np.array([""], dtype=object), np.zeros(len(ops), dtype=np.int64)
    ops["layer"] = categorical(values, inv)

    kind, win = _pick_window_ranges(nvtx)
    if kind == "all":
        ops["iteration"] = NONE
        ops["in_window"] = True
    else:
        # ... the iteration from where it was launched (cudaGraphLaunch for replays). A replay
        # launched outside any iteration range still belongs to the engine's work when it was
        # captured inside one (trtexec --useCudaGraph): in the window, without an iteration.
        it = innermost(win, lc.tid, lc.start, lc.end)
        ops["iteration"] = it
        captured = lc.via_graph & (it == NONE)
        if captured.any():
            captured[captured] = innermost(win, lc.origin_tid[captured], lc.origin_start[captured],
                                           lc.origin_end[captured]) != NONE
        ops["in_window"] = (it != NONE) | captured
    kernels = ops["kind"] == "kernel"
    excluded = kernels & ~ops["in_window"]
    unattributed = kernels & (ops["launch_tid"] == NONE)
    iterations = _iterations(ops, win)
    if unattributed.any():
        notes.append(f"{int(unattributed.sum())} kernels have no matching launch API call "
                     "(trace without CUDA API tracing?); they cannot be attributed to layers")
    return Window(kind=kind, ops=ops, iterations=iterations,
                  excluded_kernels=int(excluded.sum()),
                  excluded_kernel_time_ns=int(ops.loc[excluded, "duration"].sum()),
                  unattributed_kernels=int(unattributed.sum()), ranges=win, notes=notes)
