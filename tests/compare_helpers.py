"""Reports for the compare/gate/history tests: the synthetic samples analysed once per session,
and jittered copies made by perturbing a report in Python (no extra trace files)."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_traces"


@functools.lru_cache(maxsize=None)
def _cached(name: str, tmp: str) -> str:
    from trtprof.analyze import analyze
    from trtprof.testing.synth import SCENARIOS, layer_json, write_trace
    trace = SAMPLES / f"{name}.sqlite"
    inputs = [trace]
    if trace.exists():
        side = SAMPLES / f"{name}.layers.json"
        inputs += [side] if side.exists() else []
    else:  # the samples are not committed yet: generate them the same way
        sc = SCENARIOS[name]()
        trace = Path(tmp) / f"{name}.sqlite"
        write_trace(sc, trace)
        inputs = [trace]
        if name == "int8_fallbacks":
            side = Path(tmp) / f"{name}.layers.json"
            side.write_text(json.dumps(layer_json(sc)))
            inputs.append(side)
    return json.dumps(analyze(inputs))


def sample_report(name: str, tmp: Path) -> dict:
    """A fresh copy of the analysed sample ``name`` (clean_fp16, int8_fallbacks, ...)."""
    return json.loads(_cached(name, str(tmp)))


def jittered(report: dict, *, seed: int, cv: float = 0.02, scale: float = 1.0,
             iterations: int | None = None) -> dict:
    """Another "run" of the same engine: per-inference times with multiplicative noise of
    coefficient of variation ``cv`` (optionally all scaled by ``scale``), metrics recomputed."""
    from trtprof.analysis.metrics import _stats
    rng = np.random.default_rng(seed)
    out = copy.deepcopy(report)
    its = out["iterations"]
    if iterations is not None:  # resample to the wanted count
        its = [dict(its[i % len(its)], index=i) for i in range(iterations)]
    for it in its:
        f = scale * (1 + rng.normal(0, cv))
        it["latency_ns"] = int(it["latency_ns"] * f)
        it["kernel_time_ns"] = int(it["kernel_time_ns"] * f)
    out["iterations"] = its
    m = out["metrics"]
    m["latency"] = _stats(np.array([i["latency_ns"] for i in its]))
    m["gpu_time_per_iteration"] = _stats(np.array([i["kernel_time_ns"] for i in its]))
    for layer in out["layers"]:
        layer["time_ns"] = int(layer["time_ns"] * scale * (1 + rng.normal(0, cv / 3)))
    return out
