"""Analyses over loaded inputs, assembled into the report dict (docs/CONTRACT.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
import pandas as pd

from trtprof.inputs import Inputs, data_kinds
from trtprof.analysis.layers import engine_layers, layer_table, profile_layer_times
from trtprof.analysis.performance import perf_latency, performance
from trtprof.analysis.result import Analysis, TraceFacts
from trtprof.settings import Options
from trtprof.report import Report, SCHEMA_VERSION, frame_records, per_inference, tool_info
from trtprof.analysis.metrics import classify_kernels, kernel_table, trace_layers, trace_metrics
from trtprof.analysis.window import Window, scope

LAYER_KEYS = ["name", "time_ns", "time_per_inference_ns", "kernel_count", "avg_ns", "instances", "share", "memcpy_count",
              "memcpy_time_ns", "op_class", "unit", "precision", "top_kernel", "layer_type",
              "tactic", "engine_precision", "is_reformat", "reformat_origin", "in_layer_listing"]
KERNEL_KEYS = ["name", "short_name", "count", "time_ns", "avg_ns", "min_ns", "max_ns", "share",
               "unit", "precision", "op_class"]


def _classes(names) -> pd.DataFrame:
    from trtprof.classify.classifier import classify_names
    return classify_names(names)


def _unique_names(names: pd.Series) -> list[str]:
    """Distinct names as str, in first-seen order, from the categorical's codes (no string per
    kernel)."""
    first = pd.unique(names.cat.codes.to_numpy())
    cats = np.append(np.asarray(names.cat.categories, dtype=object), np.nan)   # -1: NaN
    return [str(v) for v in cats[first]]


def _gpu(inputs: Inputs) -> dict | None:
    trace = inputs.trace
    if trace is not None and trace.gpus:
        return trace.gpus[0].to_dict()
    md = inputs.metadata
    if md is not None and md.device:
        return {"name": md.device, "compute_capability": md.compute_capability,
                "sm_count": md.sm_count}
    log = inputs.log
    if log is not None and log.device:
        return {"name": log.device, "compute_capability": log.compute_capability,
                "sm_count": None}
    return None


def _timeline(window: Window, kernels: pd.DataFrame, limit: int = 5000) -> dict | None:
    """GPU ops of one representative inference (the one with median latency), times relative
    to its start: what the HTML timeline draws."""
    it = window.iterations
    if not len(it):
        return None
    row = it.iloc[int((it["latency_ns"] - it["latency_ns"].median()).abs().to_numpy().argmin())]
    ops = window.in_window
    ops = ops[ops["iteration"] == row["range_pos"]].sort_values("start").head(limit)
    op_class = kernels["op_class"].astype(str).reindex(ops.index)
    op_class = op_class.fillna(ops["kind"].astype(str))
    t0 = int(row["start"])
    return {"iteration": int(row["index"]), "start_ns": t0, "latency_ns": int(row["latency_ns"]),
            "truncated": bool(row["kernel_count"] > limit),
            "ops": [{"start_ns": int(s - t0), "duration_ns": int(d), "stream": int(st),
                     "name": str(n), "layer": str(lay), "kind": str(k), "op_class": oc}
                    for s, d, st, n, lay, k, oc in zip(ops["start"], ops["duration"],
                                                        ops["stream_id"], ops["name"],
                                                        ops["layer"], ops["kind"], op_class)]}


def analyze_trace(inputs: Inputs, engine: pd.DataFrame | None,
                  progress: Callable[[str], None]) -> tuple[dict, pd.DataFrame, TraceFacts]:
    """The report's body (without its layers), the trace's layer frame and the facts rules
    read from the trace."""
    trace = inputs.trace
    assert trace is not None   # run() analyses a trace only when the inputs have one
    progress("attributing GPU work to layers")
    window = scope(trace)
    inside = window.in_window
    kernels = inside[inside["kind"] == "kernel"]
    progress("classifying kernels")
    classes = _classes(_unique_names(kernels["name"]))
    kernels = classify_kernels(kernels, classes)
    kernels = _refine_with_engine(kernels, engine)
    metrics = trace_metrics(window, kernels)
    layers = trace_layers(window, kernels, trace.nvtx)
    n = metrics["iterations"]
    layers["time_per_inference_ns"] = [per_inference(t, n) for t in layers["time_ns"]]
    ktable = kernel_table(kernels)
    notes = list(window.notes)
    if trace.graph_launches and not (trace.gpu_ops["graph_node_id"] != 0).any():
        notes.append(f"{trace.graph_launches} CUDA graph launches were traced as whole graphs: "
                     "the kernels inside them are missing. Re-profile with "
                     "`nsys profile --cuda-graph-trace=node` to see them per layer.")
        _untraced_graph_shares(metrics, trace, notes)
    if not len(trace.nvtx):
        notes.append("no NVTX ranges: per-layer attribution needs TensorRT's NVTX markers "
                     "(build with --profilingVerbosity=detailed, profile with `-t cuda,nvtx`)")
    facts = TraceFacts(window=window, kernels=kernels, ktable=ktable, nvtx=trace.nvtx,
                       api=trace.api, graph_launches=int(trace.graph_launches or 0),
                       graph_nodes_traced=bool((trace.gpu_ops["graph_node_id"] != 0).any()),
                       capture_command=trace.capture_command or "")
    return {
        "window": {"kind": window.kind,
                   "iterations": int(len(window.iterations)) if window.kind != "all" else None,
                   "excluded_kernels": window.excluded_kernels,
                   "excluded_kernel_time_ns": window.excluded_kernel_time_ns},
        "metrics": metrics,
        "kernels": frame_records(ktable, KERNEL_KEYS),
        "iterations": frame_records(window.iterations, ["index", "start", "latency_ns",
                                                        "kernel_time_ns", "gpu_busy_ns",
                                                        "kernel_count"]),
        "timeline": _timeline(window, kernels),
        "notes": notes,
    }, layers, facts


# Above this share of GPU time inside whole-graph rows, class shares would describe the wrong work.
MAX_UNTRACED_GRAPH_SHARE = 0.10


def _untraced_graph_shares(metrics: dict, trace, notes: list[str]) -> None:
    """GEMM/Tensor Core shares cover the visible kernels only; when graphs whose kernels the
    trace does not show hold much of the GPU time, those shares are unknown, not low."""
    kernel_ns = int(trace.gpu_ops.loc[trace.gpu_ops["kind"] == "kernel", "end"].sum() -
                    trace.gpu_ops.loc[trace.gpu_ops["kind"] == "kernel", "start"].sum())
    graph_ns = trace.graph_time_ns
    metrics["untraced_graph_time_ns"] = graph_ns
    if graph_ns and graph_ns / (graph_ns + kernel_ns) > MAX_UNTRACED_GRAPH_SHARE:
        for key in ("gemm_share", "tensor_core_share", "gemm_tensor_core_share"):
            metrics[key] = None
        notes.append(f"{graph_ns / (graph_ns + kernel_ns):.0%} of the GPU time is inside those "
                     "graphs: GEMM and Tensor Core shares are unknown (the other shares cover the "
                     "visible kernels only)")


def _refine_with_engine(kernels: pd.DataFrame, engine: pd.DataFrame | None) -> pd.DataFrame:
    """Settle unknown kernel classes from the engine layer the kernel ran for (tactic name,
    layer type and I/O precision), when a layer JSON or verbose log is merged in."""
    if engine is None or not len(kernels):
        return kernels
    unknown = (kernels["unit"] == "unknown") | (kernels["precision"] == "unknown") | \
        (kernels["op_class"] == "other")
    if not unknown.any():
        return kernels
    from trtprof.classify.classifier import classify, refine
    info = engine.drop_duplicates("name").set_index("name")
    # One refinement per unique (kernel name, layer) pair, then mapped back onto the rows.
    pairs = kernels.loc[unknown, ["name", "layer"]].astype(str).drop_duplicates()
    pairs = pairs[pairs["layer"].isin(info.index)]
    if not len(pairs):
        return kernels
    fixes = []
    for name, layer in pairs.itertuples(index=False):
        row = info.loc[layer]
        kc = refine(classify(name), tactic_name=row.get("tactic_name") or None,
                    layer_precision=row.get("precision") or None,
                    layer_type=row.get("layer_type") or None)
        fixes.append((name, layer, kc.unit, kc.precision, kc.op_class))
    fix = pd.DataFrame(fixes, columns=["name", "layer", "unit", "precision", "op_class"])
    keys = pd.MultiIndex.from_arrays([kernels["name"].astype(str), kernels["layer"].astype(str)])
    pos = pd.MultiIndex.from_frame(fix[["name", "layer"]]).get_indexer(keys)
    hit = pos >= 0
    out = kernels.copy()
    for col in ("unit", "precision", "op_class"):
        vals = out[col].astype(str).to_numpy().copy()
        vals[hit] = fix[col].to_numpy()[pos[hit]]
        out[col] = pd.Categorical(vals)
    return out


def _report_layers(table: pd.DataFrame) -> list[dict]:
    """The layer table as the report's ``layers``: time columns as integers (engine-only
    tables hold them as float with NaN)."""
    out = table.copy()
    for col in ("time_ns", "time_per_inference_ns", "avg_ns"):
        if col in out and out[col].dtype.kind == "f":
            out[col] = out[col].round().astype("Int64")
    return frame_records(out, LAYER_KEYS)


def _build(inputs: Inputs) -> dict | None:
    """What the build log says about the engine: precision flags, where INT8 scales came from
    (explicit | calibrated | uncalibrated | user_ranges | None), optimization profiles."""
    log = inputs.log
    if log is None:
        return None
    return {"flags": dict(log.build_flags),
            "int8_calibration": log.int8_calibration,
            "optimization_profiles": log.optimization_profiles}


def _analysis(inputs: Inputs, options: Options, report: dict, layers: pd.DataFrame,
              facts: TraceFacts | None) -> Analysis:
    log = inputs.log
    have = data_kinds(inputs) | ({"perf"} if report.get("performance") else set())
    return Analysis(have=have, metrics=report["metrics"], layers=layers,
                    iterations=report["window"].get("iterations") or None, gpu=report["gpu"],
                    gemm_target=options.gemm_target, trace=facts,
                    build_flags=dict(log.build_flags) if log is not None else {},
                    missing_scale_tensors=tuple(log.missing_scale_tensors) if log is not None
                    else (),
                    bindings=frozenset(inputs.engine.bindings) if inputs.engine is not None
                    else frozenset(), performance=report.get("performance"),
                    int8_calibration=log.int8_calibration if log is not None else None)


def run(inputs: Inputs, options: Options, progress: Callable[[str], None]) -> Report:
    """Analyse loaded inputs into the report dict."""
    report: dict = {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_info(),
        "inputs": [s.to_dict() for s in inputs.sources],
        "gpu": _gpu(inputs),
        "settings": {"gemm_target": options.gemm_target, "thresholds": dict(options.thresholds)},
    }
    engine = engine_layers(inputs)
    facts: TraceFacts | None = None
    if inputs.trace is not None:
        body, primary, facts = analyze_trace(inputs, engine, progress)
    else:
        from trtprof.analysis.engine_only import analyze_engine_only
        body, primary = analyze_engine_only(inputs)
    table = layer_table(primary, engine, profile_layer_times(inputs), engine_only=facts is None)
    # A trace without layer ranges has no layers of its own: the engine's rows with the
    # profile's times (another run, another basis) serve the rules, not the report.
    layers = _report_layers(table) if len(primary) else []
    report.update(window=body.pop("window"), metrics=body.pop("metrics"), layers=layers, **body)
    report["build"] = _build(inputs)
    report["performance"] = perf = performance(inputs)
    if perf and perf.get("latency") and not report["metrics"].get("latency"):
        # no latency of the analysis' own (a trace measures its inference ranges): trtexec's
        report["metrics"]["latency"] = perf_latency(perf)
    from trtprof.rules import evaluate
    findings, not_evaluated = evaluate(_analysis(inputs, options, report, table, facts),
                                       options.thresholds)
    report["findings"] = findings
    report["not_evaluated"] = not_evaluated
    skipped = {n["rule"] for n in not_evaluated}
    from trtprof.rules import REGISTRY
    report["rules_evaluated"] = [rid for rid in REGISTRY if rid not in skipped]
    return cast(Report, report)
