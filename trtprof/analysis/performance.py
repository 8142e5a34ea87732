"""trtexec's performance summary, in the report's form (``report["performance"]``).

The summary is what most users have (a ``--loadEngine`` run prints nothing else): throughput,
and the distributions of host latency, enqueue time, H2D, GPU compute and D2H, per inference.
It comes from a trtexec log (the last ``=== Performance summary ===`` when there are several)
or from a TREx ``*.profile.metadata.json`` (trtexec's summary saved as numbers). Times are
converted from trtexec's milliseconds to integer nanoseconds; nothing is derived that the
summary does not print.

trtexec's own warnings are kept with a kind, from the printed text only:
``enqueue_bound`` (enqueue median > 0.8 x GPU compute median), ``h2d_bound`` / ``d2h_bound``
(a copy median >= the GPU compute median), ``unstable`` (GPU compute coefficient of variation
over 1%). Those thresholds are trtexec's (samples/common/sampleReporting.cpp); the rules in
``trtprof.rules.host`` apply the same ones to the numbers, so a summary without the printed
warnings (TREx metadata, older logs) is judged alike.
"""

from __future__ import annotations

import re
from typing import Any

from trtprof.inputs import Inputs
from trtprof.report import Performance, PerfStats

# (our key, the parser's key) for each distribution trtexec prints
STAT_KEYS = (("latency", "latency"), ("end_to_end", "end_to_end"), ("enqueue", "enqueue"),
             ("h2d", "h2d"), ("gpu_compute", "gpu_compute"), ("d2h", "d2h"))
_WARNING_KINDS = (("enqueue_bound", re.compile(r"bound by Enqueue Time", re.I)),
                  ("h2d_bound", re.compile(r"bound by host-to-device", re.I)),
                  ("d2h_bound", re.compile(r"bound by device-to-host", re.I)),
                  ("unstable", re.compile(r"GPU compute time is unstable", re.I)))


def _ns(ms: Any) -> int | None:
    return int(round(float(ms) * 1e6)) if isinstance(ms, (int, float)) else None


def _stats(values: Any) -> PerfStats | None:
    """A trtexec distribution (ms; min/max/mean/median/pNN) as ns."""
    if not isinstance(values, dict):
        return None
    out: dict[str, int] = {}
    for key, ms in values.items():
        ns = _ns(ms)
        if ns is not None:
            out[f"{key}_ns"] = ns
    return PerfStats(**out) if out else None   # type: ignore[typeddict-item]


def warning_kind(text: str) -> str | None:
    return next((kind for kind, pat in _WARNING_KINDS if pat.search(text)), None)


def performance(inputs: Inputs) -> Performance | None:
    """The performance summary of the inputs, or None when none of them has one."""
    log, md = inputs.log, inputs.metadata
    if log is not None and log.perf:
        perf, runs, source = log.perf, len(log.perf_runs), "trtexec log"
        path = _path(inputs, "trtexec-log")
    elif md is not None and md.perf:
        perf, runs, source = md.perf, 1, "TREx profile metadata"
        path = _path(inputs, "engine-metadata")
    else:
        return None
    out = Performance(source=source, input=path, summaries=runs,
                      used="the last" if runs > 1 else "the only",
                      throughput_qps=perf.get("throughput_qps"))
    for key, parser_key in STAT_KEYS:
        stats = _stats(perf.get(parser_key))
        if stats:
            out[key] = stats   # type: ignore[literal-required]
    out["host_walltime_ns"] = _ns(perf["walltime_s"] * 1e3) if "walltime_s" in perf else None
    out["gpu_compute_total_ns"] = (_ns(perf["total_gpu_compute_s"] * 1e3)
                                   if "total_gpu_compute_s" in perf else None)
    cov = perf.get("gpu_compute_cov_pct")
    out["gpu_compute_cv"] = round(cov / 100, 8) if isinstance(cov, (int, float)) else None
    out["warnings"] = [{"kind": warning_kind(w), "text": w} for w in perf.get("warnings") or []]
    return out


def _path(inputs: Inputs, kind: str) -> str | None:
    return next((s.path for s in inputs.sources if s.kind == kind), None)


def perf_latency(perf: Performance) -> dict | None:
    """trtexec's host latency as the report's ``metrics.latency`` (a Stats without count)."""
    lat = perf.get("latency") or {}
    if lat.get("median_ns") is None and lat.get("mean_ns") is None:
        return None
    return {"count": None, "mean_ns": lat.get("mean_ns"), "median_ns": lat.get("median_ns"),
            "min_ns": lat.get("min_ns"), "max_ns": lat.get("max_ns"), "p90_ns": lat.get("p90_ns"),
            "p99_ns": lat.get("p99_ns"), "stdev_ns": None, "cv": None,
            "source": "trtexec performance summary"}
