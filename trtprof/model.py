"""The one model every analysis reads.

Parsers fill it; analyses read it; nothing else. Times are int64 nanoseconds. Absent data is an
empty frame with the right columns (see ``empty_frame``), never ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

# Column name -> dtype. Frames built by parsers carry exactly these columns (extra columns allowed).
GPU_OP_COLUMNS: dict[str, str] = {
    "kind": "category",        # "kernel" | "memcpy" | "memset"
    "start": "int64",          # ns
    "end": "int64",            # ns
    "device_id": "int64",
    "stream_id": "int64",
    "pid": "int64",
    "correlation_id": "int64",
    "name": "category",        # kernel demangled name; "[CUDA memcpy HtoD]" style for copies
    "bytes": "int64",          # memcpy/memset bytes, 0 for kernels
    "copy_kind": "category",   # HtoD, DtoH, DtoD, HtoH, PtoP, ... ("" for kernels)
    "src_kind": "category",    # pageable, pinned, device, ... ("" for kernels)
    "dst_kind": "category",
    "graph_node_id": "int64",  # 0 when the op did not come from a CUDA graph node
}

API_COLUMNS: dict[str, str] = {
    "start": "int64",
    "end": "int64",
    "tid": "int64",            # globalTid
    "pid": "int64",
    "correlation_id": "int64",
    "name": "category",        # version suffix stripped: cudaLaunchKernel, cuLaunchKernel, ...
}

NVTX_COLUMNS: dict[str, str] = {
    "start": "int64",
    "end": "int64",
    "tid": "int64",            # globalTid of the thread that opened the range
    "pid": "int64",
    "domain": "category",      # "" for the default domain
    "name": "category",
}

GRAPH_NODE_COLUMNS: dict[str, str] = {
    "graph_node_id": "int64",
    "original_graph_node_id": "int64",
    "tid": "int64",
    "start": "int64",          # when the node was created (during stream capture)
}

SYNC_COLUMNS: dict[str, str] = {
    "start": "int64",
    "end": "int64",
    "pid": "int64",
    "stream_id": "int64",
    "sync_type": "category",   # event_sync, stream_wait_event, stream_sync, context_sync
}

# One row per engine layer, from layer JSON or a trtexec log (engine layer information block).
ENGINE_LAYER_COLUMNS: dict[str, str] = {
    "name": "object",
    "layer_type": "object",    # CaskConvolution, Reformat, Myelin, ... verbatim ("" if unknown)
    "tactic_name": "object",   # "" when not known
    "tactic_id": "object",     # uint64 as int, or None
    "precision": "object",     # fp32/fp16/bf16/fp8/int8/mixed/unknown, from the I/O formats
    "inputs": "object",        # list[dict(name, dtype, layout, vector, dims)]
    "outputs": "object",
    "is_reformat": "bool",
    "reformat_origin": "object",  # "REFORMAT" | "QDQ" | "" 
    "metadata": "object",      # list[str] of ONNX node names
}

# Per-layer times from profile JSON or a --dumpProfile table.
LAYER_PROFILE_COLUMNS: dict[str, str] = {
    "name": "object",
    "time_ms": "float64",      # total over the profiled iterations
    "avg_ms": "float64",
    "median_ms": "float64",    # NaN when the file has no median
    "percentage": "float64",
}


def categorical(uniq: np.ndarray, inverse: np.ndarray) -> pd.Categorical:
    """The categorical of ``uniq[inverse]``, built without materialising that array.

    Categories come out as ``pd.Categorical(uniq[inverse])`` would make them (the distinct
    values, sorted), but only the few entries of ``uniq`` are hashed and sorted, never one Python
    object per row. ``uniq`` may hold repeated or unused values.
    """
    used = np.zeros(len(uniq), dtype=bool)
    used[inverse] = True
    small = pd.Categorical(np.asarray(uniq, dtype=object)[used])
    # position in uniq -> code of its value among the sorted categories
    remap = np.full(len(uniq), -1, dtype=np.int64)
    remap[used] = small.codes
    # pandas-stubs type from_codes by its codes (Categorical[int]); the values are small's
    return cast(pd.Categorical, pd.Categorical.from_codes(remap[inverse], dtype=small.dtype))


def constant_categorical(value: str, n: int) -> pd.Categorical:
    """``n`` times ``value`` as a categorical (no object array of ``n`` strings)."""
    return categorical(np.array([value], dtype=object), np.zeros(n, dtype=np.int64))


_AT = {"sum": (np.add, 0), "min": (np.minimum, np.iinfo(np.int64).max),
       "max": (np.maximum, np.iinfo(np.int64).min)}


def group_reduce(codes: np.ndarray, labels, **aggs) -> pd.DataFrame:
    """Per group that occurs, in group order: ``name=(int64 values, "sum" | "min" | "max")`` or
    ``name=(None, "count")``. ``codes`` are group numbers 0..len(labels)-1 (-1: no group), e.g.
    a categorical's codes; the index holds ``labels`` of the groups that occur.

    Why not ``DataFrame.groupby``: on categorical keys it first hashes the codes to find the
    groups that occur (20 ms per million rows, dozens of times per analysis); numpy's unbuffered
    ufunc.at reduces the codes directly, exactly in int64.
    """
    codes = np.asarray(codes)
    ok = codes >= 0
    every = bool(ok.all())
    keys = codes if every else codes[ok]
    n = len(labels)
    count = np.bincount(keys, minlength=n)
    out = {}
    for name, (values, how) in aggs.items():
        if how == "count":
            out[name] = count
            continue
        ufunc, init = _AT[how]
        acc = np.full(n, init, dtype=np.int64)
        v = np.asarray(values, dtype=np.int64)
        ufunc.at(acc, keys, v if every else v[ok])
        out[name] = acc
    seen = count > 0
    index = pd.Index(np.asarray(labels)[seen])
    return pd.DataFrame({k: v[seen] for k, v in out.items()}, index=index)


def codes_of(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, category values as an object array) of a categorical column."""
    cat = col.array
    return np.asarray(cat.codes), np.asarray(cat.categories, dtype=object)


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with ``columns`` and their dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


@dataclass
class GpuInfo:
    name: str
    compute_capability: str | None = None
    sm_count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "compute_capability": self.compute_capability,
                "sm_count": self.sm_count}


@dataclass
class Source:
    """One input file as the report lists it."""
    path: str
    kind: str                  # nsys-sqlite | nsys-rep | trtexec-log | layer-json | profile-json | report
    version: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path, "kind": self.kind, "version": self.version}
        if self.notes:
            d["notes"] = list(self.notes)
        return d


@dataclass
class Trace:
    """What an Nsight Systems export holds, as frames."""
    path: str
    nsys_version: str | None
    schema_version: str | None
    gpus: list[GpuInfo]
    gpu_ops: pd.DataFrame
    api: pd.DataFrame
    nvtx: pd.DataFrame
    graph_nodes: pd.DataFrame
    sync: pd.DataFrame
    capture_command: str | None = None
    # Whole-graph launches seen without per-node kernels (default --cuda-graph-trace=graph mode).
    graph_launches: int = 0
    graph_time_ns: int = 0          # their GPU time: work whose kernels the trace does not show
    notes: list[str] = field(default_factory=list)
