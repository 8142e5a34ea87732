"""Reports from TensorRT's own files alone (layer JSON, profile JSON, trtexec logs): no trace.

Per-layer times come from the profile (``--exportProfile`` or a ``--dumpProfile`` table);
without one every time and share is ``None``: the layer list, precisions and tactics are still
worth reading, but no number is invented.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trtprof.analyze import Inputs, Options, frame_records
from trtprof.metrics import GEMM_CLASSES, share


def _engine_frames(inputs: Inputs) -> tuple[pd.DataFrame | None, pd.DataFrame | None,
                                             int | None, list[str]]:
    """Layers (layer JSON first, else the log's), profile (profile JSON first, else the log's
    dumpProfile table) and the number of profiled iterations."""
    notes: list[str] = []
    layers = None
    if inputs.engine is not None and len(inputs.engine.layers):
        layers = inputs.engine.layers
    elif inputs.log is not None and len(inputs.log.layers):
        layers = inputs.log.layers
    elif inputs.polygraphy is not None and len(getattr(inputs.polygraphy, "layers", [])):
        layers = inputs.polygraphy.layers
    profile, iterations = None, None
    if inputs.profile is not None and len(inputs.profile.layers):
        profile, iterations = inputs.profile.layers, inputs.profile.iterations
    elif inputs.log is not None and len(inputs.log.profile):
        profile, iterations = inputs.log.profile, inputs.log.profile_iterations
    if profile is None:
        notes.append("no per-layer profile (--exportProfile JSON or --dumpProfile table): layer "
                     "times and shares are unknown")
    return layers, profile, iterations, notes


def _metrics(view: pd.DataFrame, inputs: Inputs, iterations: int | None) -> dict:
    timed = view[view["time_ns"].notna()] if len(view) else view
    total = int(timed["time_ns"].sum()) if len(timed) else 0

    def shares(col: str) -> dict:
        if not total:
            return {}
        s = timed.groupby(col)["time_ns"].sum().sort_values(ascending=False)
        return {str(k): share(v, total) for k, v in s.items() if v > 0}
    gemm = int(timed.loc[timed["op_class"].isin(GEMM_CLASSES), "time_ns"].sum()) if total else 0
    tc = int(timed.loc[timed["unit"] == "tensor_core", "time_ns"].sum()) if total else 0
    prec_col = "math_precision" if "math_precision" in view else "precision"
    perf = getattr(inputs.log, "perf", None) or getattr(inputs.metadata, "perf", None) or {}
    return {
        "kernel_count": None,                 # layer files do not list kernel launches
        "kernel_time_ns": total or None,      # per inference: profile layer averages summed
        "gemm_share": share(gemm, total) if total else None,
        "tensor_core_share": share(tc, total) if total else None,
        "unit_share": shares("unit"),
        "op_class_share": shares("op_class"),
        "precision_share": shares(prec_col) if total else {},
        "reformat_share": share(timed.loc[timed["is_reformat"], "time_ns"].sum(), total)
        if total else None,
        "layer_count": int(len(view)),
        "reformat_layers": int(view["is_reformat"].sum()) if len(view) else 0,
        "iterations": iterations,
        "latency": _perf_latency(perf),
        "trtexec_perf": perf or None,
    }


def _perf_latency(perf: dict) -> dict | None:
    """trtexec's latency summary (ms) in the report's ns form, when the log has one."""
    lat = perf.get("latency") if isinstance(perf, dict) else None
    if not isinstance(lat, dict) or lat.get("median") is None and lat.get("mean") is None:
        return None

    def ns(key):
        v = lat.get(key)
        return int(round(v * 1e6)) if isinstance(v, (int, float)) else None
    return {"count": None, "mean_ns": ns("mean"), "median_ns": ns("median"), "min_ns": ns("min"),
            "max_ns": ns("max"), "p90_ns": ns("p90"), "p99_ns": ns("p99"), "stdev_ns": None,
            "cv": None, "source": "trtexec performance summary"}


def analyze_engine_only(inputs: Inputs, options: Options) -> dict:
    from trtprof.layers import layer_view
    layers, profile, iterations, notes = _engine_frames(inputs)
    view = layer_view(layers, profile) if (layers is not None or profile is not None) \
        else pd.DataFrame(columns=["name", "time_ns", "share", "op_class", "unit", "precision",
                                   "is_reformat"])
    notes.extend(view.attrs.get("notes", []))
    view = view.copy()
    if len(view):
        # The profile's per-layer figure is an average per inference.
        view["avg_ns"] = view["time_ns"]
        view["tactic"] = view.get("tactic_name")
        view["engine_precision"] = view.get("precision")
        view["reformat_origin"] = view.get("reformat_reason")
        view["time_ns"] = view["time_ns"].astype("float64")
        view["is_reformat"] = view["is_reformat"].astype(bool)
    records = frame_records(view, ["name", "time_ns", "avg_ns", "share", "op_class", "unit",
                                   "precision", "layer_type", "tactic", "engine_precision",
                                   "is_reformat", "reformat_origin"])
    for r in records:
        for k in ("time_ns", "avg_ns"):
            if isinstance(r.get(k), float):
                r[k] = None if np.isnan(r[k]) else int(r[k])
    return {
        "window": {"kind": "all", "source": "profile" if profile is not None else "layers",
                   "iterations": iterations, "excluded_kernels": None},
        "metrics": _metrics(view, inputs, iterations) if len(view) else
        {"kernel_count": None, "kernel_time_ns": None, "gemm_share": None,
         "tensor_core_share": None, "op_class_share": {}, "precision_share": {}},
        "layers": records,
        "kernels": [],
        "iterations": [],
        "timeline": None,
        "notes": notes,
        "_frames": None,
    }
