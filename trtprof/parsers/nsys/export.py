"""Nsight Systems SQLite export -> ``trtprof.model.Trace``.

The schema changes between nsys versions and tables exist only when they have rows, so every table
and column is feature-detected. The file is opened read-only and immutable: nothing is ever written
over or beside it (no journal, no -shm/-wal files).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from trtprof.errors import InputError
from trtprof.parsers.nsys.columns import (REQUIRED, Reader, TableReads, interned, pid_of,
                                         prefetched)
from trtprof.model import (API_COLUMNS, GPU_OP_COLUMNS, GRAPH_NODE_COLUMNS, NVTX_COLUMNS,
                           SYNC_COLUMNS, GpuInfo, Trace, categorical, constant_categorical,
                           empty_frame)

SQLITE_MAGIC = b"SQLite format 3\x00"

# CUPTI enums (FORMATS.md section 1); exports carry ENUM_* tables too, but not every version does.
COPY_KINDS = {0: "unknown", 1: "HtoD", 2: "DtoH", 3: "HtoA", 4: "AtoH", 5: "AtoA", 6: "AtoD",
              7: "DtoA", 8: "DtoD", 9: "HtoH", 10: "PtoP", 11: "UM HtoD", 12: "UM DtoH",
              13: "UM DtoD"}
MEM_KINDS = {0: "pageable", 1: "pinned", 2: "device", 3: "array", 4: "managed",
             5: "device static", 6: "managed static", 7: "unknown"}
SYNC_TYPES = {0: "unknown", 1: "event_sync", 2: "stream_wait_event", 3: "stream_sync",
              4: "context_sync"}
_VERSION_SUFFIX = re.compile(r"_v\d+$")

Progress = Callable[[str], None]


class Step(str):
    """A progress message that can also say how far the step has got: ``fraction()`` gives
    0-1, or None when unknown. A plain string to any progress callback that only prints."""

    fraction: Callable[[], float | None]

    def __new__(cls, message: str, fraction: Callable[[], float | None]):
        step = super().__new__(cls, message)
        step.fraction = fraction
        return step


def check_sqlite_file(path: Path) -> None:
    """Raise InputError unless ``path`` is a readable SQLite file."""
    from trtprof.parsers.detect import read_head
    head = read_head(path, 100, expected="an Nsight Systems .sqlite export")
    if not head.startswith(SQLITE_MAGIC):
        raise InputError("not an SQLite database (expected an Nsight Systems .sqlite export)",
                         path=str(path))
    from trtprof.parsers.nsys.columns import refuse_side_files
    refuse_side_files(path)


def _frame(columns: dict) -> pd.DataFrame:
    """A frame over freshly read column arrays, without copying them: pandas would otherwise
    stack same-typed columns into one 2-D block, a full copy (0.1-0.2 s per million rows)."""
    return pd.DataFrame(columns, copy=False)


def _strings(rd: Reader, ids: np.ndarray) -> np.ndarray:
    """Values of StringIds for ``ids`` (object array); unknown ids give ''."""
    uniq = np.unique(ids[ids >= 0]) if len(ids) else np.array([], dtype=np.int64)
    if not len(uniq) or "StringIds" not in rd.tables:
        return np.full(len(ids), "", dtype=object)
    table: dict[int, str] = {}
    # Chunked IN lists: SQLite caps bound parameters.
    for i in range(0, len(uniq), 900):
        chunk = uniq[i:i + 900].tolist()
        q = f"SELECT id, value FROM StringIds WHERE id IN ({','.join('?' * len(chunk))})"
        table.update(rd.con.execute(q, chunk).fetchall())
    values = np.array([table.get(int(i), "") or "" for i in uniq], dtype=object)
    pos = np.searchsorted(uniq, ids)
    pos = np.clip(pos, 0, len(uniq) - 1)
    out = values[pos]
    out[(ids < 0) | (uniq[pos] != ids)] = ""
    return out


def _decoded(rd: Reader, ids: tuple[np.ndarray, np.ndarray]) -> pd.Categorical:
    """An interned id column (distinct ids, positions; NULL read as -1) as its StringIds values,
    decoded once per distinct id."""
    uniq, inv = ids
    return categorical(_strings(rd, uniq), inv)


def _metadata(rd: Reader) -> dict[str, str]:
    for table in ("META_DATA_EXPORT", "EXPORT_META_DATA"):
        if rd.has(table, "name", "value"):
            return {n: v for n, v in rd.con.execute(f"SELECT name, value FROM {table}")}
    return {}


def _capture_command(rd: Reader) -> str | None:
    if rd.has("META_DATA_CAPTURE", "name", "value"):
        for name, value in rd.con.execute("SELECT name, value FROM META_DATA_CAPTURE"):
            if name in ("CAPTURE_COMMAND_LINE", "COMMAND_LINE", "PROCESS_COMMAND_LINE"):
                return value
    return None


def _gpus(rd: Reader) -> list[GpuInfo]:
    if not rd.has("TARGET_INFO_GPU", "name"):
        return []
    cols = rd.columns("TARGET_INFO_GPU")
    sel = ["name",
           "computeMajor" if "computeMajor" in cols else "NULL",
           "computeMinor" if "computeMinor" in cols else "NULL",
           "smCount" if "smCount" in cols else "NULL",
           "id" if "id" in cols else "0"]
    seen, gpus = set(), []
    for name, major, minor, sms, gid in rd.con.execute(
            f"SELECT {', '.join(sel)} FROM TARGET_INFO_GPU"):
        key = (gid, name)
        if key in seen:   # one row per VM/context in some exports
            continue
        seen.add(key)
        cc = f"{major}.{minor}" if major is not None and minor is not None else None
        gpus.append(GpuInfo(name=name or "unknown GPU", compute_capability=cc,
                            sm_count=int(sms) if sms is not None else None))
    return gpus


# _kernels and _copies return columns (name -> array), not frames: _gpu_ops builds the one
# frame from them, so the op columns are copied into a DataFrame once.
Columns = dict[str, Any]


def _kernels(rd: Reader, read) -> Columns | None:
    if read is None:
        return None
    c, demangled = read
    n = len(c["start"])
    # shortName is often the same id as demangledName's: decode once.
    short = _decoded(rd, c["short"]) if demangled else None
    names = _decoded(rd, c["name"])
    empty = constant_categorical("", n)
    part = {
        "kind": constant_categorical("kernel", n), "start": c["start"], "end": c["end"],
        "device_id": c["device_id"], "stream_id": c["stream_id"], "pid": pid_of(c["gpid"]),
        "correlation_id": c["correlation_id"], "name": names,
        "bytes": np.zeros(n, dtype=np.int64), "copy_kind": empty, "src_kind": empty,
        "dst_kind": empty, "graph_node_id": c["graph_node_id"],
        "short_name": names if short is None else short,
    }
    c.clear()   # the part is now the only holder of its columns (see _in_start_order)
    return part


def _enum(codes: np.ndarray, table: dict[int, str]) -> pd.Categorical:
    """CUPTI enum codes -> names ('unknown' for NULL (-1) and unlisted codes)."""
    uniq, inv = np.unique(codes, return_inverse=True)
    return categorical(np.array([table.get(int(u), "unknown") for u in uniq], dtype=object), inv)


def _copies(c: Columns | None, kind: str) -> Columns | None:
    if c is None:
        return None
    n = len(c["start"])
    src = _enum(c["src_kind"], MEM_KINDS)
    if kind == "memcpy":
        uniq, inv = np.unique(c["copy_kind"], return_inverse=True)
        words = np.array([COPY_KINDS.get(int(u), "unknown") for u in uniq], dtype=object)
        copy_kind = categorical(words, inv)
        name = categorical(np.array([f"[CUDA memcpy {w}]" for w in words], dtype=object), inv)
        dst = _enum(c["dst_kind"], MEM_KINDS)
    else:
        copy_kind = constant_categorical("memset", n)
        name = constant_categorical("[CUDA memset]", n)
        dst = src
    part = {
        "kind": constant_categorical(kind, n), "start": c["start"], "end": c["end"],
        "device_id": c["device_id"], "stream_id": c["stream_id"], "pid": pid_of(c["gpid"]),
        "correlation_id": c["correlation_id"], "name": name, "bytes": c["bytes"],
        "copy_kind": copy_kind, "src_kind": src, "dst_kind": dst,
        "graph_node_id": c["graph_node_id"], "short_name": name,
    }
    c.clear()
    return part


def _gpu_ops(rd: Reader, read) -> pd.DataFrame:
    kernels, memcpy, memset = read
    parts = [_kernels(rd, kernels), _copies(memcpy, "memcpy"), _copies(memset, "memset")]
    parts = [p for p in parts if p is not None and len(p["start"])]
    if not parts:
        df = empty_frame(GPU_OP_COLUMNS)
        df["short_name"] = pd.Series(dtype="category")
        return df
    return _frame(_in_start_order(cast(list[Columns], parts)))


def _in_start_order(parts: list[Columns]) -> Columns:
    """The parts' columns end to end, ordered by start (stable: kernels before copies on ties).

    Categoricals are joined on their categories (sorted, as ``astype("category")`` makes them)
    and reordered as small integer codes: pandas' concat would fall back to object arrays, and
    ``union_categoricals`` plus a take per column costs several times more at millions of ops.
    Each column is taken out of the parts as it is joined, so that the parts' copy of it can
    be freed right away (at millions of ops, holding both copies is a few hundred MB more).
    """
    start = np.concatenate([p["start"] for p in parts])
    order = (None if len(start) < 2 or (start[1:] >= start[:-1]).all()
             else np.argsort(start, kind="stable"))
    del start
    out: Columns = {}
    for col in list(parts[0]):
        values = [p.pop(col) for p in parts]
        if isinstance(values[0], pd.Categorical):
            cats = pd.Index(sorted(set().union(*(v.categories for v in values))), dtype=object)
            # per part: its category -> position in cats (and -1, NaN, stays -1)
            codes = np.concatenate([np.append(cats.get_indexer(v.categories), -1)[v.codes]
                                    for v in values]).astype(np.int32)
            out[col] = pd.Categorical.from_codes(codes if order is None else codes[order],
                                                 categories=cats)
        else:
            joined = values[0] if len(values) == 1 else np.concatenate(values)
            out[col] = joined if order is None else joined[order]
    return out


def _api(rd: Reader, c: Columns | None) -> pd.DataFrame:
    if c is None:
        return empty_frame(API_COLUMNS)
    names = _decoded(rd, c["name"])
    # cudaLaunchKernel_v7000 -> cudaLaunchKernel: strip the API version suffix once per name.
    stripped = np.array([_VERSION_SUFFIX.sub("", str(x)) for x in names.categories],
                        dtype=object)
    names = categorical(stripped, names.codes.astype(np.int64))
    return _frame({"start": c["start"], "end": c["end"], "tid": c["tid"],
                         "pid": pid_of(c["tid"]), "correlation_id": c["correlation_id"],
                         "name": names})


def _nvtx(rd: Reader, read) -> pd.DataFrame:
    if read is None:
        return empty_frame(NVTX_COLUMNS)
    c, values = read
    n = len(c["start"])
    if not n:
        return empty_frame(NVTX_COLUMNS)
    if values is None:
        names = _decoded(rd, c["text"])
    else:
        # Inline texts (interned), and registered names where a range has no inline text.
        texts, codes = values
        registered = ~c["has_text"].astype(bool)
        if registered.any():
            ids, pos = interned(c["text_id"][registered])
            codes = codes.copy()
            codes[registered] = len(texts) + pos
            texts = np.concatenate([texts, _strings(rd, ids)])
        names = categorical(texts, codes)
    return _frame({"start": c["start"], "end": c["end"], "tid": c["tid"], "pid": c["pid"],
                   "domain": categorical(*c["domain"]), "name": names})


# The frames of the big tables, from their columns (nsys_columns reads them in background threads).
FRAMES: dict[str, Callable[[Reader, Any], pd.DataFrame]] = {
    "gpu": _gpu_ops, "api": _api, "nvtx": _nvtx}


def _frames(reads: TableReads) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The gpu, api and nvtx frames, each built in its own thread as soon as its table's read is
    done, while the other tables are still read or built."""
    pool = ThreadPoolExecutor(max_workers=len(FRAMES), thread_name_prefix="trtprof-frame")
    # mypy cannot infer a lambda with a defaulted parameter passed through submit's ParamSpec.
    jobs = [pool.submit(lambda n=name: FRAMES[n](reads.reader, reads.result(n)))  # type: ignore[misc]
            for name in ("gpu", "api", "nvtx")]
    # No waiting for the other builds when one fails (a bad input is reported at once).
    pool.shutdown(wait=False)
    try:
        gpu_ops, api, nvtx = (job.result() for job in jobs)
    except BaseException:
        # The builds still running use the reader's connections: closing one under a running
        # query crashes the process (SIGSEGV). They are left to finish and be collected.
        reads.abandoned = True
        raise
    return gpu_ops, api, nvtx


def _graph_nodes(rd: Reader) -> pd.DataFrame:
    t = "CUDA_GRAPH_NODE_EVENTS"
    if not rd.has(t, "graphNodeId", "globalTid", "start"):
        return empty_frame(GRAPH_NODE_COLUMNS)
    c, _ = rd.ints(t, {"graph_node_id": ("graphNodeId", 0),
                       "original_graph_node_id": ("originalGraphNodeId", 0),
                       "tid": ("globalTid", 0), "start": ("start", REQUIRED)})
    return _frame(c)


def _sync(rd: Reader) -> pd.DataFrame:
    t = "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION"
    if not rd.has(t, "start", "end"):
        return empty_frame(SYNC_COLUMNS)
    c, _ = rd.ints(t, {"start": ("start", REQUIRED), "end": ("end", REQUIRED),
                       "gpid": ("globalPid", 0), "stream_id": ("streamId", 0),
                       "sync_type": ("syncType", -1)})
    return _frame({
        "start": c["start"], "end": c["end"], "pid": pid_of(c["gpid"]),
        "stream_id": c["stream_id"], "sync_type": _enum(c["sync_type"], SYNC_TYPES),
    })


def _graph_launch_rows(rd: Reader) -> tuple[int, int]:
    """Whole-graph rows (default --cuda-graph-trace=graph): how many, and their GPU time."""
    if rd.has("CUPTI_ACTIVITY_KIND_GRAPH_TRACE", "start", "end"):
        n, ns = rd.con.execute("SELECT COUNT(*), TOTAL(end - start) FROM "
                               "CUPTI_ACTIVITY_KIND_GRAPH_TRACE").fetchone()
        return int(n), int(ns)
    return 0, 0


def _reject_foreign(rd: Reader, path: Path) -> None:
    if "StringTable" in rd.tables or "CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL" in rd.tables:
        raise InputError("this is an nvprof database, not an Nsight Systems export; profile with "
                         "`nsys profile` (or import the .nvvp into Nsight Systems) and export to "
                         "SQLite with `nsys export --type sqlite`", path=str(path))
    nsys_markers = {"StringIds", "NVTX_EVENTS", "CUPTI_ACTIVITY_KIND_KERNEL",
                    "CUPTI_ACTIVITY_KIND_RUNTIME", "TARGET_INFO_GPU", "META_DATA_EXPORT",
                    "EXPORT_META_DATA", "TARGET_INFO_SESSION_START_TIME"}
    if not rd.tables & nsys_markers:
        raise InputError("SQLite database without Nsight Systems tables (no StringIds, NVTX_EVENTS "
                         "or CUPTI_ACTIVITY_KIND_*): not an nsys export", path=str(path))


def read_nsys_sqlite(path: str | Path, progress: Progress | None = None) -> Trace:
    """Read an Nsight Systems SQLite export into a Trace. Raises InputError on bad input."""
    path = Path(path)
    check_sqlite_file(path)
    step = progress or (lambda _msg: None)
    reads = prefetched(path)
    rd = reads.reader if reads else None
    try:
        rd = rd or Reader(path)
        _reject_foreign(rd, path)
        meta = _metadata(rd)
        reads = reads or TableReads(rd)
        step(Step(f"reading kernels, API calls and NVTX ranges "
                  f"({path.stat().st_size / 1e6:,.0f} MB export)", reads.reader.meter.fraction))
        gpu_ops, api, nvtx = _frames(reads)
        graph_rows = _graph_launch_rows(rd)
        trace = Trace(
            path=str(path),
            nsys_version=meta.get("EXPORT_PRODUCT_VERSION"),
            schema_version=meta.get("EXPORT_SCHEMA_VERSION"),
            gpus=_gpus(rd), gpu_ops=gpu_ops, api=api, nvtx=nvtx,
            graph_nodes=_graph_nodes(rd), sync=_sync(rd),
            capture_command=_capture_command(rd),
            graph_launches=graph_rows[0], graph_time_ns=graph_rows[1],
        )
    # pandas wraps sqlite's errors; a damaged schema's error message, not valid UTF-8 itself,
    # reaches Python as a UnicodeDecodeError instead of the DatabaseError SQLite raised
    except (sqlite3.DatabaseError, pd.errors.DatabaseError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the SQLite export ({err}); is it truncated or still being "
                         f"written?", path=str(path)) from None
    finally:
        if reads is not None:
            reads.close()
        elif rd is not None:
            rd.close()
    if not meta:
        trace.notes.append("no export metadata table (very old nsys?): version unknown")
    if "StringIds" not in rd.tables:
        trace.notes.append("no StringIds table: kernel, API and registered NVTX names are unknown")
    return trace
