"""The report: the one typed result every renderer, ``compare``, ``gate`` and ``history`` reads.

Every time field says its basis, and keeps it on every path (trace, engine-only, merged):

- ``*_time_ns`` / ``time_ns``: a **window total**: summed over every inference in the analysis
  window (for engine-only inputs: over every profiled run, TensorRT's ``timeMs``).
- ``*_per_inference_ns``: per inference. A trace gives the median of its per-inference values
  (``metrics``) or the window total over the inference count (``layers``); a profile gives
  TensorRT's per-run average. ``None`` when the input has no notion of an inference.
- ``avg_ns``: per instance (one execution of a layer or one kernel launch).

Schema history: v1 stored engine-only ``kernel_time_ns`` and layer ``time_ns`` per inference,
trace ones as window totals; v2 makes both window totals and adds the ``*_per_inference_ns``
keys. v1 reports are upgraded when read (``load_report``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd

from trtprof import __version__
from trtprof.errors import InputError

SCHEMA_VERSION = 2


class ToolInfo(TypedDict):
    name: str
    version: str


class InputInfo(TypedDict, total=False):
    path: str
    kind: str                      # parsers.detect kinds (docs/CONTRACT.md)
    version: str | None            # the producing tool's version, when the file says it
    notes: list[str]


class GpuInfo(TypedDict, total=False):
    name: str
    compute_capability: str | None
    sm_count: int | None


class WindowInfo(TypedDict, total=False):
    kind: str                      # tensorrt | nvtx | all
    iterations: int | None         # inferences in the window (profiled runs for a profile)
    excluded_kernels: int | None
    excluded_kernel_time_ns: int | None
    source: str                    # engine-only: "profile" or "layers"


class Stats(TypedDict, total=False):
    """Distribution of per-inference values, ns."""
    count: int | None
    mean_ns: int | None
    median_ns: int | None
    min_ns: int | None
    max_ns: int | None
    p90_ns: int | None
    p99_ns: int | None
    stdev_ns: int | None
    cv: float | None
    source: str


class Metrics(TypedDict, total=False):
    kernel_count: int | None                   # launches in the window (None: not in the input)
    kernel_time_ns: int | None                 # window total of GPU (kernel/layer) time
    gpu_time_per_inference_ns: int | None      # per inference (see the module docstring)
    iterations: int | None
    gemm_share: float | None                   # shares: fractions of kernel_time_ns
    tensor_core_share: float | None
    gemm_tensor_core_share: float | None
    reformat_share: float | None
    unit_share: dict[str, float]
    op_class_share: dict[str, float]
    precision_share: dict[str, float]
    classified_time_share: float | None
    unique_kernels: int
    gpu_busy_ns: int
    window_span_ns: int
    gpu_utilization: float | None
    latency: Stats | None
    gpu_time_per_iteration: Stats | None
    untraced_graph_time_ns: int
    memcpy: dict[str, Any]
    layer_count: int
    reformat_layers: int
    profile_coverage: float | None             # profiled time in layers the listing names
    trtexec_perf: dict[str, Any] | None


class Layer(TypedDict, total=False):
    name: str
    time_ns: int | None                    # window total
    time_per_inference_ns: int | None
    avg_ns: int | None                     # per instance
    share: float | None                    # of metrics.kernel_time_ns
    kernel_count: int
    instances: int
    memcpy_count: int
    memcpy_time_ns: int
    op_class: str | None
    unit: str | None
    precision: str | None
    top_kernel: str | None
    layer_type: str | None
    tactic: str | None
    engine_precision: str | None
    is_reformat: bool | None
    reformat_origin: str | None
    in_layer_listing: bool | None          # False: profiled, but the engine's listing lacks it


class Kernel(TypedDict, total=False):
    name: str
    short_name: str
    count: int
    time_ns: int                           # window total
    avg_ns: int                            # per launch
    min_ns: int
    max_ns: int
    share: float | None
    unit: str
    precision: str
    op_class: str


class Iteration(TypedDict, total=False):
    index: int
    start: int
    latency_ns: int
    kernel_time_ns: int                    # this inference's kernel time
    gpu_busy_ns: int
    kernel_count: int


class FindingDict(TypedDict, total=False):
    kind: str
    severity: str
    title: str
    message: str
    layers: list[str]
    kernels: list[str]
    time_ns: int | None                    # window total at stake
    saving_ns: int | None                  # window total
    evidence: list[str]
    recommendation: str
    share: float | None


class PerfStats(TypedDict, total=False):
    """One of trtexec's distributions, per inference, ns (the keys the summary prints)."""
    min_ns: int
    max_ns: int
    mean_ns: int
    median_ns: int
    p90_ns: int
    p95_ns: int
    p99_ns: int


class PerfWarning(TypedDict):
    kind: str | None               # enqueue_bound | h2d_bound | d2h_bound | unstable | None
    text: str                      # trtexec's words


class Performance(TypedDict, total=False):
    """trtexec's performance summary (``trtprof.analysis.performance``). Host latency includes
    the H2D and D2H copies; GPU compute is the engine alone, enqueue to completion."""
    source: str                    # "trtexec log" | "TREx profile metadata"
    input: str | None              # the file it came from
    summaries: int                 # how many the file holds
    used: str                      # which one this is ("the last" of several)
    throughput_qps: float | None
    latency: PerfStats
    end_to_end: PerfStats
    enqueue: PerfStats
    h2d: PerfStats
    gpu_compute: PerfStats
    d2h: PerfStats
    host_walltime_ns: int | None
    gpu_compute_total_ns: int | None
    gpu_compute_cv: float | None   # as trtexec printed it, a fraction
    warnings: list[PerfWarning]


class NotEvaluated(TypedDict):
    rule: str
    reason: str


class Settings(TypedDict):
    gemm_target: float
    thresholds: dict[str, float]


class Report(TypedDict, total=False):
    schema_version: int
    tool: ToolInfo
    inputs: list[InputInfo]
    gpu: GpuInfo | None
    settings: Settings
    window: WindowInfo
    metrics: Metrics
    layers: list[Layer]
    kernels: list[Kernel]
    iterations: list[Iteration]
    timeline: dict[str, Any] | None
    notes: list[str]
    build: dict[str, Any] | None           # the build log's flags, int8_calibration, profiles
    performance: Performance | None
    findings: list[FindingDict]
    rules_evaluated: list[str]
    not_evaluated: list[NotEvaluated]


REQUIRED = {"schema_version": int, "tool": dict, "inputs": list, "window": dict,
            "metrics": dict, "layers": list, "kernels": list, "findings": list}


def tool_info() -> ToolInfo:
    return {"name": "trtprof", "version": __version__}


def iterations_of(report: Report) -> int | None:
    """Inferences in the report's window (None when the input has no notion of them)."""
    n = (report.get("window") or {}).get("iterations")
    if n is None:
        n = (report.get("metrics") or {}).get("iterations")
    return int(n) if n else None


def per_inference(total_ns: float | None, iterations: int | None) -> int | None:
    """A window total as a per-inference figure; None when either is unknown."""
    if total_ns is None or not iterations:
        return None
    return int(round(total_ns / iterations))


# ---------------------------------------------------------------------------- read / write

def validate(obj: Any, path: str | None = None) -> Report:
    """``obj`` as a Report, or an InputError naming the first key that is wrong."""
    if not isinstance(obj, dict):
        raise InputError("not a trtprof report (expected a JSON object)", path=path)
    for key, typ in REQUIRED.items():
        if key not in obj:
            raise InputError(f"not a trtprof report: key {key!r} is missing", path=path)
        if not isinstance(obj[key], typ) or isinstance(obj[key], bool):
            raise InputError(f"trtprof report key {key!r}: expected {typ.__name__}, "
                             f"got {type(obj[key]).__name__}", path=path)
    for i, layer in enumerate(obj["layers"]):
        if not isinstance(layer, dict) or not isinstance(layer.get("name"), str):
            raise InputError(f"trtprof report layers[{i}]: expected an object with a name",
                             path=path)
        for key in ("time_ns", "time_per_inference_ns", "avg_ns"):
            v = layer.get(key)
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
                raise InputError(f"trtprof report layers[{i}].{key}: expected a number",
                                 path=path)
    for key in ("kernel_time_ns", "gpu_time_per_inference_ns", "kernel_count"):
        v = obj["metrics"].get(key)
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
            raise InputError(f"trtprof report metrics.{key}: expected a number", path=path)
    return obj  # type: ignore[return-value]


def load_report(path: Path) -> Report:
    """A saved report (``--save``), upgraded to the current schema."""
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise InputError(f"not a readable trtprof report ({err})", path=str(path)) from None
    version = obj.get("schema_version") if isinstance(obj, dict) else None
    if version == 1:
        obj = upgrade_v1(obj)
    elif version != SCHEMA_VERSION:
        raise InputError(f"report schema_version {version!r} is not {SCHEMA_VERSION} (or 1); "
                         "re-run `trtprof analyze` on the original inputs", path=str(path))
    return validate(obj, str(path))


def _engine_only(report: dict) -> bool:
    return (report.get("window") or {}).get("source") in ("profile", "layers") or \
        (not report.get("kernels") and (report.get("metrics") or {}).get("kernel_count") is None)


def upgrade_v1(old: dict) -> Report:
    """A v1 report in v2 terms. v1 engine-only reports held per-inference times under the
    window-total keys: they move to ``*_per_inference_ns`` and the totals are rebuilt from the
    run count (None when the profile did not say it)."""
    obj = json.loads(json.dumps(old))          # a deep copy, JSON types only
    obj["schema_version"] = SCHEMA_VERSION
    metrics = obj.setdefault("metrics", {})
    n = iterations_of(obj)
    if _engine_only(obj):
        per = metrics.get("kernel_time_ns")
        metrics["gpu_time_per_inference_ns"] = per
        metrics["kernel_time_ns"] = per * n if per is not None and n else None
        for layer in obj.get("layers") or []:
            per = layer.get("time_ns")
            layer["time_per_inference_ns"] = per
            layer["time_ns"] = per * n if per is not None and n else None
        for f in obj.get("findings") or []:
            for key in ("time_ns", "saving_ns"):
                if f.get(key) is not None:
                    f[key] = f[key] * n if n else None
    else:
        gpt = metrics.get("gpu_time_per_iteration") or {}
        metrics["gpu_time_per_inference_ns"] = gpt.get("median_ns")
        for layer in obj.get("layers") or []:
            layer["time_per_inference_ns"] = per_inference(layer.get("time_ns"), n)
    return obj  # type: ignore[return-value]


def frame_records(df: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    """JSON-ready records: numpy scalars to Python, NaN/NA to None."""
    cols = [c for c in columns if c in df.columns]
    if not cols:
        return [{} for _ in range(len(df))]
    # Column by column, then zipped into rows: DataFrame.to_dict boxes every value through
    # several layers of pandas (slow for the tens of thousands of iterations of a long run).
    values = []
    for c in cols:
        col = df[c]
        vals = col.to_numpy(dtype=object)
        na = col.isna().to_numpy()
        if na.any():
            vals = vals.copy()
            vals[na] = None
        values.append([v.item() if hasattr(v, "item") else v for v in vals])
    return [dict(zip(cols, row)) for row in zip(*values)]
