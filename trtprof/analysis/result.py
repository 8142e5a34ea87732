"""Analysis: what the rules read, built once by ``trtprof.pipeline`` from the inputs.

Rules never see parser objects or the half-built report: every fact they use is a field here,
typed, with one meaning on every path (trace or engine-only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from trtprof.analysis.window import Window


@dataclass(frozen=True)
class TraceFacts:
    """The trace's frames, for rules that need the timeline (``needs=("trace",)``)."""
    window: Window
    kernels: pd.DataFrame       # classified kernel rows inside the window
    ktable: pd.DataFrame        # one row per kernel name (the report's ``kernels``)
    nvtx: pd.DataFrame
    api: pd.DataFrame
    graph_launches: int         # CUDA graph launches in the trace
    graph_nodes_traced: bool    # some kernel carries a graph node id (--cuda-graph-trace=node)
    capture_command: str


@dataclass(frozen=True)
class Analysis:
    """Everything a rule may read.

    Times are window totals (trace: kernel time inside the window; engine-only: the profile's
    timeMs over every profiled run); ``iterations`` divides them into per-inference figures.
    """
    have: frozenset[str]              # data kinds present: trace, nvtx, api, engine, log, profile
    metrics: dict[str, Any]           # the report's metrics (trtprof.report.Metrics)
    layers: pd.DataFrame              # the one layer table (trtprof.analysis.layers.LAYER_COLUMNS)
    iterations: int | None            # inferences in the window; None when unknown
    gpu: dict[str, Any] | None
    gemm_target: float
    trace: TraceFacts | None = None   # None for engine-only inputs
    build_flags: dict[str, Any] = field(default_factory=dict)      # the trtexec log's
    missing_scale_tensors: tuple[str, ...] = ()                    # the log's INT8 warnings
    bindings: frozenset[str] = frozenset()                          # the engine's I/O tensors
    int8_calibration: str | None = None   # the log's: explicit | calibrated | uncalibrated | ...
    performance: dict[str, Any] | None = None   # trtexec's summary (trtprof.report.Performance)

    @property
    def engine_only(self) -> bool:
        return self.trace is None

    @property
    def capture_command(self) -> str:
        return self.trace.capture_command if self.trace is not None else ""
