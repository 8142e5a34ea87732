"""Headline metrics and the per-kernel / per-layer tables of a scoped trace.

Shares are fractions of kernel time inside the analysis window (docs/CONTRACT.md); they are
``None`` when there is no kernel time to divide by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trtprof.analysis.attribution import innermost
from trtprof.model import categorical, codes_of, group_reduce
from trtprof.analysis.window import Window, _per_category, _union_length, layer_range_mask

GEMM_CLASSES = ("gemm", "convolution", "attention")


def share(part: float, whole: float) -> float | None:
    return float(part) / float(whole) if whole else None


def _stats(values: np.ndarray) -> dict | None:
    """Distribution of per-iteration values (ns): integers, plus the coefficient of variation."""
    if not len(values):
        return None
    v = np.asarray(values, dtype=np.float64)
    mean = v.mean()
    std = v.std(ddof=1) if len(v) > 1 else 0.0
    return {"count": int(len(v)), "mean_ns": int(round(mean)), "median_ns": int(np.median(v)),
            "min_ns": int(v.min()), "max_ns": int(v.max()),
            "p90_ns": int(np.percentile(v, 90)), "p99_ns": int(np.percentile(v, 99)),
            "stdev_ns": int(round(std)), "cv": float(std / mean) if mean else None}


def classify_kernels(kernels: pd.DataFrame, classes: pd.DataFrame) -> pd.DataFrame:
    """Add unit/precision/op_class columns (from the per-unique-name ``classes``) to ``kernels``."""
    # Classes are per name: look each category up once and keep the name codes, rather than
    # mapping one string per kernel. Shallow copy: only new columns are added.
    name = kernels["name"].array
    cats = pd.Index(np.asarray(name.categories, dtype=object)).astype(str)
    codes = name.codes.astype(np.int64)
    out = kernels.copy(deep=False)
    for col in ("unit", "precision", "op_class"):
        per_cat = pd.Series(cats).map(classes[col]).fillna("unknown").to_numpy(dtype=object)
        out[col] = categorical(np.append(per_cat, "unknown"), codes)   # NaN name (-1): unknown
    return out


def kernel_table(kernels: pd.DataFrame) -> pd.DataFrame:
    """One row per kernel name (classified kernels inside the window), longest total first."""
    cols = ["name", "short_name", "count", "time_ns", "avg_ns", "min_ns", "max_ns", "share",
            "unit", "precision", "op_class"]
    if not len(kernels):
        return pd.DataFrame(columns=cols)
    codes, names = codes_of(kernels["name"])
    dur = kernels["duration"].to_numpy()
    t = group_reduce(codes, names, count=(None, "count"), time_ns=(dur, "sum"),
                     min_ns=(dur, "min"), max_ns=(dur, "max"),
                     first=(np.arange(len(kernels)), "min"))
    for col in ("short_name", "unit", "precision", "op_class"):
        t[col] = _values_at(kernels[col], t["first"].to_numpy()) if col in kernels else ""
    t["avg_ns"] = (t["time_ns"] // t["count"]).astype("int64")
    total = t["time_ns"].sum()
    t["share"] = t["time_ns"] / total if total else np.nan
    # Longest first; ties in order of first appearance.
    t = t.rename_axis("name").reset_index().sort_values(["time_ns", "first"],
                                                        ascending=[False, True], kind="stable")
    return t[cols].reset_index(drop=True)


def _values_at(col: pd.Series, rows: np.ndarray) -> np.ndarray:
    """The values (as str) of a categorical column at ``rows``, without one object per row."""
    codes, cats = codes_of(col)
    c = codes[rows]
    return np.where(c >= 0, cats[np.maximum(c, 0)].astype(str), "nan").astype(object)


# Above this many (group, value) cells, _dominant sorts pairs instead of filling a dense table.
_DENSE_CELLS = 4_000_000


def _dominant(df: pd.DataFrame, key: str, col: str) -> pd.Series:
    """Per ``key``, the value of ``col`` that carries the most kernel time (ties: the first
    value in category order; only pairs that occur count)."""
    if not len(df):
        return pd.Series(dtype=object)
    kc, klabels = codes_of(df[key])
    cc, clabels = codes_of(df[col])
    ok = (kc >= 0) & (cc >= 0)
    kc, cc = kc[ok].astype(np.int64), cc[ok].astype(np.int64)
    dur = df["duration"].to_numpy()[ok]
    nk, nc = len(klabels), len(clabels)
    if nk * nc <= _DENSE_CELLS:
        pairs, pair_codes = np.arange(nk * nc), kc * nc + cc
    else:
        pairs, pair_codes = np.unique(kc * nc + cc, return_inverse=True)
    g = group_reduce(pair_codes, pairs, time=(dur, "sum"))
    pk, pc = np.divmod(np.asarray(g.index, dtype=np.int64), nc)
    # Pairs come in (key, value) order: a stable sort by time keeps the first value on ties.
    order = np.lexsort((np.arange(len(g)), -g["time"].to_numpy(), pk))
    first = order[np.r_[True, pk[order][1:] != pk[order][:-1]]]
    return pd.Series(clabels[pc[first]].astype(str), index=pd.Index(klabels[pk[first]]))


def trace_layers(window: Window, kernels: pd.DataFrame, nvtx: pd.DataFrame) -> pd.DataFrame:
    """One row per layer (innermost NVTX range name) in execution order, empty layers included."""
    ops = window.in_window
    kcodes, knames = codes_of(kernels["layer"])
    t = group_reduce(kcodes, knames, time_ns=(kernels["duration"].to_numpy(), "sum"),
                     kernel_count=(None, "count"))
    codes, names = codes_of(ops["layer"])
    copy = (ops["kind"] != "kernel").to_numpy()
    copies = group_reduce(codes[copy], names,
                          memcpy_time_ns=(ops["duration"].to_numpy()[copy], "sum"),
                          memcpy_count=(None, "count"))
    t = t.join(copies, how="outer")
    first = group_reduce(codes, names, first_launch=(ops["origin_start"].to_numpy(), "min"))
    # Instances: distinct ranges per layer, counted through each range's first op.
    rng = ops["range_idx"].to_numpy()
    ranged = np.flatnonzero(rng >= 0)
    first_op = np.full(int(rng.max()) + 1 if len(ranged) else 0, len(rng), dtype=np.int64)
    np.minimum.at(first_op, rng[ranged], ranged)
    first_op = first_op[first_op < len(rng)]
    instances = group_reduce(codes[first_op], names, instances=(None, "count"))
    t = t.join(first, how="left").join(instances)
    t = _with_empty_layers(t, window, nvtx)
    t = t.fillna({"time_ns": 0, "kernel_count": 0, "memcpy_time_ns": 0, "memcpy_count": 0,
                  "instances": 0})
    for c in ("time_ns", "kernel_count", "memcpy_time_ns", "memcpy_count", "instances"):
        t[c] = t[c].astype("int64")
    total = int(kernels["duration"].sum())
    t["share"] = t["time_ns"] / total if total else np.nan
    t["avg_ns"] = np.where(t["instances"] > 0, t["time_ns"] // t["instances"].clip(lower=1), 0)
    for col in ("op_class", "unit", "precision"):
        t[col] = _dominant(kernels, "layer", col).reindex(t.index)
        t[col] = t[col].where(t[col].notna(), None)
    t["top_kernel"] = _dominant(kernels, "layer", "name").reindex(t.index)
    t.index.name = "name"
    t = t.reset_index()
    t = t[t["name"] != ""]            # ops launched outside any range
    t = t.sort_values(["first_launch", "name"], na_position="last", kind="stable")
    return t.drop(columns="first_launch").reset_index(drop=True)


def _with_empty_layers(t: pd.DataFrame, window: Window, nvtx: pd.DataFrame) -> pd.DataFrame:
    """Layers whose ranges ran inside the window but launched no GPU work show with 0 ns: a
    layer that costs nothing is worth seeing (e.g. TensorRT's NoOp/"_clone" layers)."""
    if window.kind == "all" or not len(nvtx):
        return t
    win = window.ranges
    inside = innermost(win, nvtx["tid"].to_numpy(), nvtx["start"].to_numpy(),
                       nvtx["end"].to_numpy()) >= 0
    inside[win["nvtx_row"].to_numpy()] = False   # the window ranges themselves are not layers
    layer_ranges = layer_range_mask(nvtx)
    if layer_ranges is not None:                 # other domains' ranges are not layers
        inside &= layer_ranges
    codes, names = codes_of(nvtx["name"])
    extra = group_reduce(codes[inside], names,
                         first_launch=(nvtx["start"].to_numpy()[inside], "min"),
                         instances=(None, "count"))
    missing = extra.index.difference(t.index)
    return pd.concat([t, extra.loc[missing]])


def memcpy_metrics(ops: pd.DataFrame) -> dict:
    """Copies and memsets over the whole trace (inputs are usually copied outside enqueue)."""
    copies = ops[ops["kind"] == "memcpy"]
    sets = ops[ops["kind"] == "memset"]

    def summary(df: pd.DataFrame, key) -> dict:
        g = df.groupby(key, observed=True)
        return {str(k): {"count": int(n), "bytes": int(b), "time_ns": int(d)}
                for k, n, b, d in zip(g.size().index, g.size(), g["bytes"].sum(),
                                      g["duration"].sum())}
    memory = copies["src_kind"].astype(str) + "->" + copies["dst_kind"].astype(str)
    return {
        "count": int(len(copies)), "bytes": int(copies["bytes"].sum()),
        "time_ns": int(copies["duration"].sum()),
        "by_direction": summary(copies, copies["copy_kind"].astype(str)),
        "by_memory": summary(copies, memory),
        "memset_count": int(len(sets)), "memset_time_ns": int(sets["duration"].sum()),
    }


def _sum_by(col: pd.Series, values: np.ndarray) -> pd.Series:
    """Sum of ``values`` per category of ``col`` that occurs (category order, as groupby)."""
    codes, cats = codes_of(col)
    return group_reduce(codes, cats, s=(values, "sum"))["s"]


def trace_metrics(window: Window, kernels: pd.DataFrame) -> dict:
    """Headline metrics of the window (classified in-window kernels in ``kernels``)."""
    dur = kernels["duration"].to_numpy()
    total = int(dur.sum())
    by = {col: _sum_by(kernels[col], dur) for col in ("unit", "op_class", "precision")}

    def shares(col: str) -> dict:
        s = by[col]
        return {str(k): share(v, total) for k, v in s.sort_values(ascending=False).items()
                if v > 0} if total else {}
    op, unit = by["op_class"], by["unit"]
    gemm = int(op[op.index.isin(GEMM_CLASSES)].sum())
    gemm_tc = int(dur[_per_category(kernels["op_class"], lambda c: c.isin(GEMM_CLASSES))
                      & _per_category(kernels["unit"], lambda c: c == "tensor_core")].sum())
    in_win = window.in_window
    busy = int(_union_length(in_win["start"].to_numpy(), in_win["end"].to_numpy(),
                             np.zeros(len(in_win), dtype=np.int64)).sum()) if len(in_win) else 0
    span = int(in_win["end"].max() - in_win["start"].min()) if len(in_win) else 0
    it = window.iterations
    per_it = _stats(it["kernel_time_ns"].to_numpy()) if len(it) else None
    return {
        "kernel_count": int(len(kernels)),
        "kernel_time_ns": total,
        # the median inference, as latency is given (robust to a slow first run)
        "gpu_time_per_inference_ns": per_it["median_ns"] if per_it else None,
        "gemm_share": share(gemm, total),
        "tensor_core_share": share(unit.get("tensor_core", 0), total),
        "gemm_tensor_core_share": share(gemm_tc, gemm) if gemm else None,
        "unit_share": shares("unit"),
        "op_class_share": shares("op_class"),
        "precision_share": shares("precision"),
        "reformat_share": share(op.get("reformat", 0), total) if total else None,
        "unique_kernels": int(kernels["name"].nunique()),
        "gpu_busy_ns": busy,
        "window_span_ns": span,
        "gpu_utilization": share(busy, span),
        "iterations": int(len(it)) if window.kind != "all" else None,
        "latency": _stats(it["latency_ns"].to_numpy()) if len(it) else None,
        "gpu_time_per_iteration": per_it,
        "memcpy": memcpy_metrics(window.ops),
    }
