"""Headline metrics and the per-kernel / per-layer tables of a scoped trace.

Shares are fractions of kernel time inside the analysis window (docs/CONTRACT.md); they are
``None`` when there is no kernel time to divide by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trtprof.attribution import innermost
from trtprof.model import categorical
from trtprof.window import Window, _union_length

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
    if not len(kernels):
        return pd.DataFrame(columns=["name", "short_name", "count", "time_ns", "avg_ns", "min_ns",
                                     "max_ns", "share", "unit", "precision", "op_class"])
    g = kernels.groupby("name", observed=True, sort=False)
    t = pd.DataFrame({
        "short_name": g["short_name"].first().astype(str) if "short_name" in kernels else "",
        "count": g.size(), "time_ns": g["duration"].sum(), "min_ns": g["duration"].min(),
        "max_ns": g["duration"].max(),
        "unit": g["unit"].first().astype(str), "precision": g["precision"].first().astype(str),
        "op_class": g["op_class"].first().astype(str),
    })
    t["avg_ns"] = (t["time_ns"] // t["count"]).astype("int64")
    total = t["time_ns"].sum()
    t["share"] = t["time_ns"] / total if total else np.nan
    t = t.reset_index().sort_values("time_ns", ascending=False, kind="stable")
    return t[["name", "short_name", "count", "time_ns", "avg_ns", "min_ns", "max_ns", "share",
              "unit", "precision", "op_class"]].reset_index(drop=True)


def _dominant(df: pd.DataFrame, key: str, col: str) -> pd.Series:
    """Per ``key``, the value of ``col`` that carries the most kernel time."""
    if not len(df):
        return pd.Series(dtype=object)
    t = df.groupby([key, col], observed=True)["duration"].sum().reset_index()
    t = t.sort_values("duration", ascending=False, kind="stable").drop_duplicates(key)
    return t.set_index(key)[col].astype(str)


def layer_table(window: Window, kernels: pd.DataFrame, nvtx: pd.DataFrame) -> pd.DataFrame:
    """One row per layer (innermost NVTX range name) in execution order, empty layers included."""
    ops = window.in_window
    # Only the columns used here: a boolean selection copies every column it keeps.
    copies = ops.loc[(ops["kind"] != "kernel").to_numpy(), ["layer", "duration"]]
    kg = kernels.groupby("layer", observed=True)
    t = pd.DataFrame({"time_ns": kg["duration"].sum(), "kernel_count": kg.size()})
    cg = copies.groupby("layer", observed=True)
    t = t.join(pd.DataFrame({"memcpy_time_ns": cg["duration"].sum(),
                             "memcpy_count": cg.size()}), how="outer")
    first = ops.groupby("layer", observed=True)["origin_start"].min()   # capture order for graphs
    ranged = ops.loc[(ops["range_idx"] >= 0).to_numpy(), ["layer", "range_idx"]]
    instances = ranged.groupby("layer", observed=True)["range_idx"].nunique()
    t = t.join(first.rename("first_launch"), how="left").join(instances.rename("instances"))
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
    cand = nvtx[inside]
    g = cand.groupby("name", observed=True)
    extra = pd.DataFrame({"first_launch": g["start"].min(), "instances": g.size()})
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


def trace_metrics(window: Window, kernels: pd.DataFrame) -> dict:
    """Headline metrics of the window (classified in-window kernels in ``kernels``)."""
    total = int(kernels["duration"].sum())

    def shares(col: str) -> dict:
        s = kernels.groupby(col, observed=True)["duration"].sum()
        return {str(k): share(v, total) for k, v in s.sort_values(ascending=False).items()
                if v > 0} if total else {}
    op = kernels.groupby("op_class", observed=True)["duration"].sum()
    gemm = int(op[op.index.isin(GEMM_CLASSES)].sum())
    unit = kernels.groupby("unit", observed=True)["duration"].sum()
    # Only the two columns used: a boolean selection copies every column it keeps.
    gemm_k = kernels.loc[kernels["op_class"].isin(GEMM_CLASSES).to_numpy(), ["unit", "duration"]]
    in_win = window.in_window
    busy = int(_union_length(in_win["start"].to_numpy(), in_win["end"].to_numpy(),
                             np.zeros(len(in_win), dtype=np.int64)).sum()) if len(in_win) else 0
    span = int(in_win["end"].max() - in_win["start"].min()) if len(in_win) else 0
    it = window.iterations
    return {
        "kernel_count": int(len(kernels)),
        "kernel_time_ns": total,
        "gemm_share": share(gemm, total),
        "tensor_core_share": share(unit.get("tensor_core", 0), total),
        "gemm_tensor_core_share": share(
            gemm_k.loc[gemm_k["unit"] == "tensor_core", "duration"].sum(), gemm) if gemm else None,
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
        "gpu_time_per_iteration": _stats(it["kernel_time_ns"].to_numpy()) if len(it) else None,
        "memcpy": memcpy_metrics(window.ops),
    }
