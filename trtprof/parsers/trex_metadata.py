"""TREx metadata JSON (``*.build.metadata.json``, ``*.profile.metadata.json``): the device, the
build options and trtexec's performance summary that TensorRT Engine Explorer saves beside an
engine's graph and profile JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trtprof.errors import InputError
from trtprof.parsers.json_fields import json_type, typed
from trtprof.parsers.trt_text import is_measurement, iter_json_values, read_text

METADATA_KEYS = {"performance_summary", "inference_options", "device_information",
                 "model_options", "build_options"}


@dataclass
class EngineMetadata:
    device: str | None = None
    compute_capability: str | None = None
    sm_count: int | None = None
    build_options: dict[str, Any] = field(default_factory=dict)
    build_flags: dict[str, bool] = field(default_factory=dict)   # fp16/int8/... from "Precision"
    perf: dict[str, Any] = field(default_factory=dict)           # trtexec_log-style perf dict
    notes: list[str] = field(default_factory=list)
    trt_version: str | None = None


def _stats(summary: dict, key: str, path: str | None) -> dict[str, float] | None:
    """TREx stores [min, max, mean, median, p99]-style lists; keep what the list says."""
    values = typed(summary, key, (list,), "performance_summary", path, [])
    if len(values) < 4:
        return None
    for i, v in enumerate(values):
        if not is_measurement(v):
            raise InputError(f"performance_summary.{key}[{i}]: expected a finite number, got "
                             f"{json_type(v)}", path=path)
    return {k: float(v) for k, v in zip(("min", "max", "mean", "median", "p99"), values)}


def load_metadata(obj: dict, path: str | None = None) -> EngineMetadata:
    if not isinstance(obj, dict) or not set(obj) & METADATA_KEYS:
        raise InputError("not a TREx metadata JSON", path=path)
    md = EngineMetadata()
    dev = typed(obj, "device_information", (dict,), "", path, {})
    where = "device_information"
    md.device = typed(dev, "Selected Device", (str,), where, path)
    cc = typed(dev, "Compute Capability", (float, str), where, path)
    md.compute_capability = f"{float(cc):.1f}" if isinstance(cc, (int, float)) else cc
    sms = typed(dev, "SMs", (float,), where, path)
    # a count the analyses compute with (1e308 overflowed into infinity there)
    if sms is not None and not (sms == int(sms) and 0 < sms <= 100_000):
        raise InputError(f"{where}.SMs: expected a whole number of SMs, got {sms:g}", path=path)
    md.sm_count = int(sms) if sms is not None else None
    md.build_options = dict(typed(obj, "build_options", (dict,), "", path, {}))
    prec = typed(md.build_options, "Precision", (str,), "build_options", path, "")
    if prec:
        parts = {p.strip().lower() for p in prec.split("+")}
        md.build_flags = {k: k in parts for k in ("fp16", "int8", "fp8", "bf16")}
    summary = typed(obj, "performance_summary", (dict,), "", path, {})
    for key, name in (("Latency", "latency"), ("GPU Compute Time", "gpu_compute"),
                      ("H2D Latency", "h2d"), ("D2H Latency", "d2h"),
                      ("Enqueue Time", "enqueue")):
        s = _stats(summary, key, path)
        if s:
            md.perf[name] = s
    for key, name in (("Throughput", "throughput_qps"), ("Total Host Walltime", "walltime_s"),
                      ("Total GPU Compute Time", "total_gpu_compute_s")):
        value = typed(summary, key, (float,), "performance_summary", path)
        if value is not None:
            md.perf[name] = float(value)
    if not md.device and not md.perf and not md.build_options:
        md.notes.append("metadata without device, build options or performance summary")
    return md


def parse_metadata(path: str | Path) -> EngineMetadata:
    values = list(iter_json_values(read_text(path), str(path)))
    if len(values) != 1:
        raise InputError("expected one JSON object", path=str(path))
    return load_metadata(values[0], str(path))
