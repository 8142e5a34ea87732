"""TREx metadata JSON (``*.build.metadata.json``, ``*.profile.metadata.json``): the device, the
build options and trtexec's performance summary that TensorRT Engine Explorer saves beside an
engine's graph and profile JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trtprof.errors import InputError
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


def _stats(values: object) -> dict[str, float] | None:
    """TREx stores [min, max, mean, median, p99]-style lists; keep what the list says."""
    if not isinstance(values, list) or len(values) < 4:
        return None
    keys = ("min", "max", "mean", "median", "p99")
    return {k: float(v) for k, v in zip(keys, values) if is_measurement(v)}


def load_metadata(obj: dict, path: str | None = None) -> EngineMetadata:
    if not isinstance(obj, dict) or not set(obj) & METADATA_KEYS:
        raise InputError("not a TREx metadata JSON", path=path)
    md = EngineMetadata()
    dev = obj.get("device_information") or {}
    md.device = dev.get("Selected Device")
    cc = dev.get("Compute Capability")
    md.compute_capability = f"{float(cc):.1f}" if isinstance(cc, (int, float)) else cc
    sms = dev.get("SMs")
    md.sm_count = int(sms) if isinstance(sms, (int, float)) else None
    md.build_options = dict(obj.get("build_options") or {})
    prec = str(md.build_options.get("Precision", ""))
    if prec:
        parts = {p.strip().lower() for p in prec.split("+")}
        md.build_flags = {k: k in parts for k in ("fp16", "int8", "fp8", "bf16")}
    summary = obj.get("performance_summary") or {}
    for key, name in (("Latency", "latency"), ("GPU Compute Time", "gpu_compute"),
                      ("H2D Latency", "h2d"), ("D2H Latency", "d2h"),
                      ("Enqueue Time", "enqueue")):
        s = _stats(summary.get(key))
        if s:
            md.perf[name] = s
    if is_measurement(summary.get("Throughput")):
        md.perf["throughput_qps"] = float(summary["Throughput"])
    for key, name in (("Total Host Walltime", "walltime_s"),
                      ("Total GPU Compute Time", "total_gpu_compute_s")):
        if is_measurement(summary.get(key)):
            md.perf[name] = float(summary[key])
    if not md.device and not md.perf and not md.build_options:
        md.notes.append("metadata without device, build options or performance summary")
    return md


def parse_metadata(path: str | Path) -> EngineMetadata:
    values = list(iter_json_values(read_text(path), str(path)))
    if len(values) != 1:
        raise InputError("expected one JSON object", path=str(path))
    return load_metadata(values[0], str(path))
