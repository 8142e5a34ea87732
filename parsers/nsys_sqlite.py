"""Nsight Systems SQLite export -> ``trtprof.model.Trace``.

The schema changes between nsys versions and tables exist only when they have rows, so every table
and column is feature-detected. The file is opened read-only and immutable: nothing is ever written
over or beside it (no journal, no -shm/-wal files).
"""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from trtprof.errors import InputError
from trtprof.model import (API_COLUMNS, GPU_OP_COLUMNS, GRAPH_NODE_COLUMNS, NVTX_COLUMNS,
                           SYNC_COLUMNS, GpuInfo, Trace, empty_frame)

SQLITE_MAGIC = b"SQLite format 3\x00"

# CUPTI enums (FORMATS.md section 1); exports carry ENUM_* tables too, but not every version does.
COPY_KINDS = {0: "unknown", 1: "HtoD", 2: "DtoH", 3: "HtoA", 4: "AtoH", 5: "AtoA", 6: "AtoD",
              7: "DtoA", 8: "DtoD", 9: "HtoH", 10: "PtoP", 11: "UM HtoD", 12: "UM DtoH",
              13: "UM DtoD"}
MEM_KINDS = {0: "pageable", 1: "pinned", 2: "device", 3: "array", 4: "managed",
             5: "device static", 6: "managed static", 7: "unknown"}
SYNC_TYPES = {0: "unknown", 1: "event_sync", 2: "stream_wait_event", 3: "stream_sync",
              4: "context_sync"}
RANGE_EVENT_TYPES = (59, 60, 70, 71)   # push/pop and start/end ranges (plain and NVTX-text format)
DOMAIN_CREATE = 75

_PID_SHIFT = 24
_PID_MASK = 0xFFFFFF
_VERSION_SUFFIX = re.compile(r"_v\d+$")

Progress = Callable[[str], None]


def pid_of(global_id: np.ndarray | pd.Series) -> np.ndarray:
    """Process id from a globalTid/globalPid: ``(gid >> 24) & 0xFFFFFF``."""
    return (np.asarray(global_id, dtype=np.int64) >> _PID_SHIFT) & _PID_MASK


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open ``path`` read-only and immutable (no locks, no side files)."""
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True)


def check_sqlite_file(path: Path) -> None:
    """Raise InputError unless ``path`` is a readable SQLite file."""
    if not path.exists():
        raise InputError("no such file", path=str(path))
    if path.is_dir():
        raise InputError("is a directory, expected an Nsight Systems .sqlite export", path=str(path))
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", path=str(path)) from None
    if not head:
        raise InputError("file is empty", path=str(path))
    if not head.startswith(SQLITE_MAGIC):
        raise InputError("not an SQLite database (expected an Nsight Systems .sqlite export)",
                         path=str(path))


class _Reader:
    """Column-wise reads from one export, with feature detection."""

    def __init__(self, path: Path):
        self.path = path
        self.con = connect_readonly(path)
        self.tables = {r[0] for r in self.con.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        self._columns: dict[str, list[str]] = {}

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            self._columns[table] = ([r[1] for r in self.con.execute(f"PRAGMA table_info({table})")]
                                    if table in self.tables else [])
        return self._columns[table]

    def has(self, table: str, *cols: str) -> bool:
        have = self.columns(table)
        return bool(have) and all(c in have for c in cols)

    def frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        return pd.read_sql_query(sql, self.con, params=params)

    def pick(self, table: str, wanted: dict[str, str]) -> str:
        """SELECT list for ``wanted`` (alias -> column); absent columns read as 0."""
        have = self.columns(table)
        return ", ".join(f"{col} AS {alias}" if col in have else f"0 AS {alias}"
                         for alias, col in wanted.items())


def _strings(rd: _Reader, ids: np.ndarray) -> np.ndarray:
    """Values of StringIds for ``ids`` (object array); unknown ids give ''."""
    uniq = np.unique(ids[ids >= 0]) if len(ids) else np.array([], dtype=np.int64)
    if not len(uniq) or "StringIds" not in rd.tables:
        return np.full(len(ids), "", dtype=object)
    table = {}
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


def _categorical_from_ids(rd: _Reader, ids: pd.Series) -> pd.Categorical:
    """Decode an id column through StringIds once per unique id (names are interned)."""
    arr = ids.fillna(-1).to_numpy(dtype=np.int64)
    uniq, inv = np.unique(arr, return_inverse=True)
    names = _strings(rd, uniq)
    # Two ids may carry the same text; Categorical needs unique categories.
    cats, remap = np.unique(names.astype(str), return_inverse=True)
    return pd.Categorical.from_codes(remap[inv], categories=cats)


def _metadata(rd: _Reader) -> dict[str, str]:
    for table in ("META_DATA_EXPORT", "EXPORT_META_DATA"):
        if rd.has(table, "name", "value"):
            return {n: v for n, v in rd.con.execute(f"SELECT name, value FROM {table}")}
    return {}


def _capture_command(rd: _Reader) -> str | None:
    if rd.has("META_DATA_CAPTURE", "name", "value"):
        for name, value in rd.con.execute("SELECT name, value FROM META_DATA_CAPTURE"):
            if name in ("CAPTURE_COMMAND_LINE", "COMMAND_LINE", "PROCESS_COMMAND_LINE"):
                return value
    return None


def _gpus(rd: _Reader) -> list[GpuInfo]:
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


def _kernels(rd: _Reader) -> pd.DataFrame:
    t = "CUPTI_ACTIVITY_KIND_KERNEL"
    if not rd.has(t, "start", "end", "correlationId"):
        return empty_frame(GPU_OP_COLUMNS)
    name_col = "demangledName" if "demangledName" in rd.columns(t) else "shortName"
    sel = rd.pick(t, {"start": "start", "end": "end", "device_id": "deviceId",
                      "stream_id": "streamId", "gpid": "globalPid",
                      "correlation_id": "correlationId", "name_id": name_col,
                      "short_id": "shortName", "graph_node_id": "graphNodeId"})
    df = rd.frame(f"SELECT {sel} FROM {t}")
    names = _categorical_from_ids(rd, df.pop("name_id"))
    short = _categorical_from_ids(rd, df.pop("short_id"))
    out = pd.DataFrame({
        "kind": "kernel", "start": df["start"], "end": df["end"],
        "device_id": df["device_id"], "stream_id": df["stream_id"],
        "pid": pid_of(df["gpid"]), "correlation_id": df["correlation_id"],
        "name": names, "bytes": 0, "copy_kind": "", "src_kind": "", "dst_kind": "",
        "graph_node_id": df["graph_node_id"].fillna(0),
    })
    out["short_name"] = short
    return out


def _copies(rd: _Reader, table: str, kind: str) -> pd.DataFrame:
    if not rd.has(table, "start", "end", "correlationId"):
        return empty_frame(GPU_OP_COLUMNS)
    if kind == "memcpy":
        wanted = {"copy_kind": "copyKind", "src_kind": "srcKind", "dst_kind": "dstKind"}
    else:
        wanted = {"copy_kind": "memKind", "src_kind": "memKind", "dst_kind": "memKind"}
    sel = rd.pick(table, {"start": "start", "end": "end", "device_id": "deviceId",
                          "stream_id": "streamId", "gpid": "globalPid",
                          "correlation_id": "correlationId", "bytes": "bytes",
                          "graph_node_id": "graphNodeId", **wanted})
    df = rd.frame(f"SELECT {sel} FROM {table}")
    if kind == "memcpy":
        copy_kind = df["copy_kind"].map(COPY_KINDS).fillna("unknown")
        name = "[CUDA memcpy " + copy_kind + "]"
        src = df["src_kind"].map(MEM_KINDS).fillna("unknown")
        dst = df["dst_kind"].map(MEM_KINDS).fillna("unknown")
    else:
        copy_kind = pd.Series("memset", index=df.index)
        name = pd.Series("[CUDA memset]", index=df.index)
        src = df["src_kind"].map(MEM_KINDS).fillna("unknown")
        dst = src
    return pd.DataFrame({
        "kind": kind, "start": df["start"], "end": df["end"], "device_id": df["device_id"],
        "stream_id": df["stream_id"], "pid": pid_of(df["gpid"]),
        "correlation_id": df["correlation_id"], "name": name, "bytes": df["bytes"].fillna(0),
        "copy_kind": copy_kind, "src_kind": src, "dst_kind": dst,
        "graph_node_id": df["graph_node_id"].fillna(0),
        "short_name": name,
    })


def _gpu_ops(rd: _Reader) -> pd.DataFrame:
    parts = [_kernels(rd), _copies(rd, "CUPTI_ACTIVITY_KIND_MEMCPY", "memcpy"),
             _copies(rd, "CUPTI_ACTIVITY_KIND_MEMSET", "memset")]
    parts = [p for p in parts if len(p)]
    if not parts:
        df = empty_frame(GPU_OP_COLUMNS)
        df["short_name"] = pd.Series(dtype="category")
        return df
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    for col, dtype in GPU_OP_COLUMNS.items():
        if dtype == "category":
            df[col] = df[col].astype("category")
        else:
            df[col] = df[col].astype(dtype)
    df["short_name"] = df["short_name"].astype("category")
    return df.sort_values("start", kind="stable", ignore_index=True)


def _api(rd: _Reader) -> pd.DataFrame:
    t = "CUPTI_ACTIVITY_KIND_RUNTIME"
    if not rd.has(t, "start", "end", "globalTid", "correlationId", "nameId"):
        return empty_frame(API_COLUMNS)
    df = rd.frame(f"SELECT start, end, globalTid AS tid, correlationId AS correlation_id, "
                  f"nameId FROM {t}")
    names = _categorical_from_ids(rd, df.pop("nameId"))
    # cudaLaunchKernel_v7000 -> cudaLaunchKernel: strip the API version suffix once per name.
    stripped = np.array([_VERSION_SUFFIX.sub("", c) for c in names.categories], dtype=object)
    cats, remap = np.unique(stripped.astype(str), return_inverse=True)
    names = pd.Categorical.from_codes(remap[names.codes], categories=cats)
    df["name"] = names
    df["pid"] = pid_of(df["tid"])
    return df[list(API_COLUMNS)].astype({c: t for c, t in API_COLUMNS.items() if t != "category"})


def _nvtx(rd: _Reader) -> pd.DataFrame:
    t = "NVTX_EVENTS"
    if not rd.has(t, "start", "end", "eventType", "globalTid"):
        return empty_frame(NVTX_COLUMNS)
    cols = rd.columns(t)
    text = "text" if "text" in cols else "NULL"
    text_id = "textId" if "textId" in cols else "NULL"
    domain = "domainId" if "domainId" in cols else "0"
    end_tid = "endGlobalTid" if "endGlobalTid" in cols else "NULL"
    # Domain names: the eventType-75 row with the same domainId in the same process.
    dom = rd.frame(f"SELECT globalTid, {domain} AS domain_id, COALESCE({text}, "
                   f"(SELECT value FROM StringIds WHERE id = {text_id})) AS name "
                   f"FROM {t} WHERE eventType = {DOMAIN_CREATE}")
    domains = {(int(p), int(d)): n or "" for p, d, n in
               zip(pid_of(dom["globalTid"]), dom["domain_id"], dom["name"])}
    types = ",".join(map(str, RANGE_EVENT_TYPES))
    # A range counts when it starts and ends on one thread (FORMATS.md projection step 1).
    df = rd.frame(
        f"SELECT start, end, globalTid AS tid, {domain} AS domain_id, {text} AS text, "
        f"{text_id} AS text_id FROM {t} WHERE eventType IN ({types}) AND end IS NOT NULL "
        f"AND ({end_tid} IS NULL OR {end_tid} = globalTid)")
    if not len(df):
        return empty_frame(NVTX_COLUMNS)
    # Registered strings (textId) when the inline text is NULL.
    need = df["text"].isna()
    if need.any():
        ids = df.loc[need, "text_id"].fillna(-1).to_numpy(dtype=np.int64)
        df.loc[need, "text"] = _strings(rd, ids)
    pid = pid_of(df["tid"])
    dom_ids = df["domain_id"].fillna(0).to_numpy(dtype=np.int64)
    if domains:
        keys = pd.Series(list(zip(pid.tolist(), dom_ids.tolist())))
        domain_names = keys.map(domains).fillna("").to_numpy()
    else:
        domain_names = np.full(len(df), "", dtype=object)
    out = pd.DataFrame({
        "start": df["start"].astype("int64"), "end": df["end"].astype("int64"),
        "tid": df["tid"].astype("int64"), "pid": pid,
        "domain": pd.Categorical(domain_names),
        "name": pd.Categorical(df["text"].fillna("").astype(str)),
    })
    # Parents before children when they start together, so "latest start" means innermost.
    out["_neg_end"] = -out["end"]
    out = out.sort_values(["tid", "start", "_neg_end"], kind="stable", ignore_index=True)
    return out.drop(columns="_neg_end")


def _graph_nodes(rd: _Reader) -> pd.DataFrame:
    t = "CUDA_GRAPH_NODE_EVENTS"
    if not rd.has(t, "graphNodeId", "globalTid", "start"):
        return empty_frame(GRAPH_NODE_COLUMNS)
    sel = rd.pick(t, {"graph_node_id": "graphNodeId",
                      "original_graph_node_id": "originalGraphNodeId",
                      "tid": "globalTid", "start": "start"})
    df = rd.frame(f"SELECT {sel} FROM {t}").fillna(0)
    return df.astype({c: "int64" for c in GRAPH_NODE_COLUMNS})


def _sync(rd: _Reader) -> pd.DataFrame:
    t = "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION"
    if not rd.has(t, "start", "end"):
        return empty_frame(SYNC_COLUMNS)
    sel = rd.pick(t, {"start": "start", "end": "end", "gpid": "globalPid",
                      "stream_id": "streamId", "sync_type": "syncType"})
    df = rd.frame(f"SELECT {sel} FROM {t}")
    return pd.DataFrame({
        "start": df["start"].astype("int64"), "end": df["end"].astype("int64"),
        "pid": pid_of(df["gpid"].fillna(0)), "stream_id": df["stream_id"].fillna(0).astype("int64"),
        "sync_type": pd.Categorical(df["sync_type"].map(SYNC_TYPES).fillna("unknown")),
    })


def _graph_launch_rows(rd: _Reader) -> int:
    if rd.has("CUPTI_ACTIVITY_KIND_GRAPH_TRACE", "start"):
        return int(rd.con.execute("SELECT COUNT(*) FROM CUPTI_ACTIVITY_KIND_GRAPH_TRACE")
                   .fetchone()[0])
    return 0


def _reject_foreign(rd: _Reader, path: Path) -> None:
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
    try:
        rd = _Reader(path)
        _reject_foreign(rd, path)
        meta = _metadata(rd)
        step("kernels and copies")
        gpu_ops = _gpu_ops(rd)
        step("API calls")
        api = _api(rd)
        step("NVTX ranges")
        nvtx = _nvtx(rd)
        trace = Trace(
            path=str(path),
            nsys_version=meta.get("EXPORT_PRODUCT_VERSION"),
            schema_version=meta.get("EXPORT_SCHEMA_VERSION"),
            gpus=_gpus(rd), gpu_ops=gpu_ops, api=api, nvtx=nvtx,
            graph_nodes=_graph_nodes(rd), sync=_sync(rd),
            capture_command=_capture_command(rd),
            graph_launches=_graph_launch_rows(rd),
        )
        rd.con.close()
    except sqlite3.DatabaseError as err:
        raise InputError(f"cannot read the SQLite export ({err}); is it truncated or still being "
                         f"written?", path=str(path)) from None
    if not meta:
        trace.notes.append("no export metadata table (very old nsys?): version unknown")
    return trace
