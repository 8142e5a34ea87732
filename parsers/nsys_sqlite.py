"""Nsight Systems SQLite export -> ``trtprof.model.Trace``.

The schema changes between nsys versions and tables exist only when they have rows, so every table
and column is feature-detected. The file is opened read-only and immutable: nothing is ever written
over or beside it (no journal, no -shm/-wal files).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from trtprof.errors import InputError
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
RANGE_EVENT_TYPES = (59, 60, 70, 71)   # push/pop and start/end ranges (plain and NVTX-text format)
DOMAIN_CREATE = 75

# Columns worth a MIN/MAX probe before reading: often one value for the whole table.
_OFTEN_CONSTANT = {"deviceId", "globalPid", "graphNodeId", "originalGraphNodeId", "domainId",
                   "textId", "(text IS NOT NULL)", "copyKind", "srcKind", "dstKind", "memKind",
                   "syncType"}

_PID_SHIFT = 24
_PID_MASK = 0xFFFFFF
_VERSION_SUFFIX = re.compile(r"_v\d+$")

Progress = Callable[[str], None]


def pid_of(global_id: np.ndarray | pd.Series) -> np.ndarray:
    """Process id from a globalTid/globalPid: ``(gid >> 24) & 0xFFFFFF``."""
    return (np.asarray(global_id, dtype=np.int64) >> _PID_SHIFT) & _PID_MASK


def connect_readonly(path: Path, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open ``path`` read-only and immutable (no locks, no side files)."""
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=check_same_thread)


def check_sqlite_file(path: Path) -> None:
    """Raise InputError unless ``path`` is a readable SQLite file."""
    from trtprof.parsers.detect import read_head
    head = read_head(path, 100, expected="an Nsight Systems .sqlite export")
    if not head.startswith(SQLITE_MAGIC):
        raise InputError("not an SQLite database (expected an Nsight Systems .sqlite export)",
                         path=str(path))


class _Reader:
    """Column-wise reads from one export, with feature detection."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._cons: list[sqlite3.Connection] = []
        self.tables = {r[0] for r in self.con.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        self._columns: dict[str, list[str]] = {}
        self._not_null: set[tuple[str, str]] = set()

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            info = (self.con.execute(f"PRAGMA table_info({table})").fetchall()
                    if table in self.tables else [])
            self._columns[table] = [r[1] for r in info]
            self._not_null.update((table, r[1]) for r in info if r[3])
        return self._columns[table]

    def not_null(self, table: str, col: str) -> bool:
        """Declared NOT NULL: no IFNULL and no NULL count needed when reading it."""
        return col in self.columns(table) and (table, col) in self._not_null

    def has(self, table: str, *cols: str) -> bool:
        have = self.columns(table)
        return bool(have) and all(c in have for c in cols)

    def frame(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        return pd.read_sql_query(sql, self.con, params=params)

    # group_concat builds one string per column; SQLite caps strings at 1e9 bytes, so tables
    # beyond a few million rows are read in windows of rowids (same order, same result).
    ROWID_WINDOW = 4_000_000

    def ints(self, table: str, wanted: dict[str, tuple[str, int]], where: str = "",
             text: str | None = None, read: tuple[str, ...] = ()
             ) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        """See ``_ints``; reads big tables window by window."""
        lo, hi = self.con.execute(f"SELECT MIN(rowid), MAX(rowid) FROM {table}").fetchone()
        if lo is None or hi - lo < self.ROWID_WINDOW:
            return self._ints(table, wanted, where, text, read)
        parts = []
        for start in range(lo, hi + 1, self.ROWID_WINDOW):
            cond = f"rowid BETWEEN {start} AND {start + self.ROWID_WINDOW - 1}"
            parts.append(self._ints(table, wanted, f"({where}) AND {cond}" if where else cond,
                                    text, read))
        cols = {a: np.concatenate([p[0][a] for p in parts]) for a in wanted}
        texts = None
        if text is not None and any(p[1] is not None for p in parts):
            texts = np.concatenate([p[1] if p[1] is not None else
                                    np.full(len(p[0][next(iter(wanted))]), "", dtype=object)
                                    for p in parts])
        return cols, texts

    def _ints(self, table: str, wanted: dict[str, tuple[str, int]], where: str = "",
              text: str | None = None, read: tuple[str, ...] = ()
              ) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        """Integer columns of the rows of ``table`` that match ``where``, as int64 arrays, and
        optionally one text column (NULL -> '') as an object array (None when that column is
        all NULL).

        ``wanted`` maps alias -> (column or expression, value for NULL and for an absent
        column). Why not ``fetchall``: that builds one Python object per value (seconds per
        million rows). Here SQLite formats each column as one text (``group_concat``) and numpy
        parses it, both in C. All columns come from one query, so one pass over the table
        (decoding the rows is a good part of the cost) and the columns line up by construction.
        The same pass probes the columns that are often constant (MIN = MAX, no NULL: device,
        process and graph node ids), which are then not formatted at all; one that is not
        constant after all is read by a second query; ``read`` names aliases to read outright
        (the caller expects them to vary).
        """
        have = self.columns(table)
        cond = f" WHERE {where}" if where else ""
        # An expression such as "(text IS NULL)" is read like a column.
        present = {a: c for a, (c, _) in wanted.items() if c in have or not c.isidentifier()}
        probed = [a for a, c in present.items() if c in _OFTEN_CONSTANT and a not in read]
        read = [a for a in present if a not in probed]
        sel = ["COUNT(*)"] + [self._concat(table, present[a], wanted[a][1]) for a in read]
        sel += [f"MIN({present[a]}), MAX({present[a]}), "
                + ("COUNT(*)" if self.not_null(table, present[a]) else f"COUNT({present[a]})")
                for a in probed]
        if text is not None:
            sel += [f"group_concat(IFNULL({text}, ''), char(0))", f"COUNT({text})"]
        row = self.con.execute(f"SELECT {', '.join(sel)} FROM {table}{cond}").fetchone()
        n = int(row[0])
        out = {a: self._parse(row[1 + i], n, f"{table}.{a}") for i, a in enumerate(read)}
        pos = 1 + len(read)
        again = []
        for alias in probed:
            lo, hi, count = row[pos:pos + 3]
            pos += 3
            if count == 0:
                out[alias] = np.full(n, wanted[alias][1], dtype=np.int64)
            elif count == n and lo == hi and isinstance(lo, int):
                out[alias] = np.full(n, lo, dtype=np.int64)
            else:
                again.append(alias)
        if again:
            row2 = self.con.execute(
                f"SELECT {', '.join(self._concat(table, present[a], wanted[a][1]) for a in again)} "
                f"FROM {table}{cond}").fetchone()
            out.update({a: self._parse(v, n, f"{table}.{a}") for a, v in zip(again, row2)})
        for alias, (_, null) in wanted.items():
            if alias not in present:
                out[alias] = np.full(n, null, dtype=np.int64)
        texts = None
        if text is not None and n and row[pos + 1]:
            parts = row[pos].split("\x00")   # NUL: C strings (NVTX text) cannot contain it
            if len(parts) != n:
                raise sqlite3.DatabaseError(f"{table}.{text}: read {len(parts)} of {n} values")
            texts = np.empty(n, dtype=object)
            texts[:] = parts
        return {a: out[a] for a in wanted}, texts

    def _concat(self, table: str, col: str, null: int) -> str:
        # NULL must become a value (group_concat skips NULLs, which would shift the columns).
        # No CAST: INTEGER affinity stores integers as integers, and a stray real or text value
        # makes the parse come up short, which _parse reports.
        value = col if self.not_null(table, col) else f"IFNULL({col}, {int(null)})"
        return f"group_concat({value}, ' ')"

    @staticmethod
    def _parse(text: str | None, n: int, what: str) -> np.ndarray:
        values = (np.fromstring(text, dtype=np.int64, sep=" ") if n
                  else np.zeros(0, dtype=np.int64))
        if len(values) != n:   # cannot happen with integer columns; never guess
            raise sqlite3.DatabaseError(f"{what}: read {len(values)} of {n} values")
        return values

    @property
    def con(self) -> sqlite3.Connection:
        """This thread's own connection: the tables are read from several threads, and a
        connection serves one query at a time."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = connect_readonly(self.path, check_same_thread=False)
            self._cons.append(con)
        return con

    def close(self) -> None:
        for con in self._cons:
            con.close()


def _frame(columns: dict) -> pd.DataFrame:
    """A frame over freshly read column arrays, without copying them: pandas would otherwise
    stack same-typed columns into one 2-D block, a full copy (0.1-0.2 s per million rows)."""
    return pd.DataFrame(columns, copy=False)


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


def _categorical_from_ids(rd: _Reader, ids: np.ndarray) -> pd.Categorical:
    """Decode an id column (NULL read as -1) through StringIds once per unique id (names are
    interned)."""
    uniq, inv = np.unique(np.asarray(ids, dtype=np.int64), return_inverse=True)
    return categorical(_strings(rd, uniq), inv)


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


# _kernels and _copies return columns (name -> array), not frames: _gpu_ops builds the one
# frame from them, so the op columns are copied into a DataFrame once.
Columns = dict[str, object]


def _kernels(rd: _Reader) -> Columns | None:
    t = "CUPTI_ACTIVITY_KIND_KERNEL"
    if not rd.has(t, "start", "end", "correlationId"):
        return None
    name_col = "demangledName" if "demangledName" in rd.columns(t) else "shortName"
    c, _ = rd.ints(t, {"start": ("start", 0), "end": ("end", 0), "device_id": ("deviceId", 0),
                       "stream_id": ("streamId", 0), "gpid": ("globalPid", 0),
                       "correlation_id": ("correlationId", 0), "name_id": (name_col, -1),
                       "short_id": ("shortName", -1), "graph_node_id": ("graphNodeId", 0)})
    n = len(c["start"])
    # shortName is often the same id as demangledName's: decode once.
    short = (None if name_col == "shortName" else _categorical_from_ids(rd, c["short_id"]))
    names = _categorical_from_ids(rd, c["name_id"])
    empty = constant_categorical("", n)
    return {
        "kind": constant_categorical("kernel", n), "start": c["start"], "end": c["end"],
        "device_id": c["device_id"], "stream_id": c["stream_id"], "pid": pid_of(c["gpid"]),
        "correlation_id": c["correlation_id"], "name": names,
        "bytes": np.zeros(n, dtype=np.int64), "copy_kind": empty, "src_kind": empty,
        "dst_kind": empty, "graph_node_id": c["graph_node_id"],
        "short_name": names if short is None else short,
    }


def _enum(codes: np.ndarray, table: dict[int, str]) -> pd.Categorical:
    """CUPTI enum codes -> names ('unknown' for NULL (-1) and unlisted codes)."""
    uniq, inv = np.unique(codes, return_inverse=True)
    return categorical(np.array([table.get(int(u), "unknown") for u in uniq], dtype=object), inv)


def _copies(rd: _Reader, table: str, kind: str) -> Columns | None:
    if not rd.has(table, "start", "end", "correlationId"):
        return None
    if kind == "memcpy":
        wanted = {"copy_kind": ("copyKind", -1), "src_kind": ("srcKind", -1),
                  "dst_kind": ("dstKind", -1)}
    else:
        wanted = {"src_kind": ("memKind", -1)}
    c, _ = rd.ints(table, {"start": ("start", 0), "end": ("end", 0), "device_id": ("deviceId", 0),
                           "stream_id": ("streamId", 0), "gpid": ("globalPid", 0),
                           "correlation_id": ("correlationId", 0), "bytes": ("bytes", 0),
                           "graph_node_id": ("graphNodeId", 0), **wanted})
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
    return {
        "kind": constant_categorical(kind, n), "start": c["start"], "end": c["end"],
        "device_id": c["device_id"], "stream_id": c["stream_id"], "pid": pid_of(c["gpid"]),
        "correlation_id": c["correlation_id"], "name": name, "bytes": c["bytes"],
        "copy_kind": copy_kind, "src_kind": src, "dst_kind": dst,
        "graph_node_id": c["graph_node_id"], "short_name": name,
    }


def _gpu_ops(rd: _Reader) -> pd.DataFrame:
    parts = [_kernels(rd), _copies(rd, "CUPTI_ACTIVITY_KIND_MEMCPY", "memcpy"),
             _copies(rd, "CUPTI_ACTIVITY_KIND_MEMSET", "memset")]
    parts = [p for p in parts if p is not None and len(p["start"])]
    if not parts:
        df = empty_frame(GPU_OP_COLUMNS)
        df["short_name"] = pd.Series(dtype="category")
        return df
    if len(parts) > 1:
        # Column by column: categoricals with different categories would fall back to object
        # arrays in pd.concat; union them instead (sorted, as astype("category") would be).
        cols = {c: (union_categoricals([p[c] for p in parts], sort_categories=True)
                    if isinstance(parts[0][c], pd.Categorical)
                    else np.concatenate([p[c] for p in parts]))
                for c in parts[0]}
    else:
        cols = parts[0]
    start = cols["start"]
    if len(start) > 1 and not (start[1:] >= start[:-1]).all():
        order = np.argsort(start, kind="stable")
        cols = {c: v[order] for c, v in cols.items()}
    return _frame(cols)


def _api(rd: _Reader) -> pd.DataFrame:
    t = "CUPTI_ACTIVITY_KIND_RUNTIME"
    if not rd.has(t, "start", "end", "globalTid", "correlationId", "nameId"):
        return empty_frame(API_COLUMNS)
    c, _ = rd.ints(t, {"start": ("start", 0), "end": ("end", 0), "tid": ("globalTid", 0),
                       "correlation_id": ("correlationId", 0), "name_id": ("nameId", -1)})
    names = _categorical_from_ids(rd, c["name_id"])
    # cudaLaunchKernel_v7000 -> cudaLaunchKernel: strip the API version suffix once per name.
    stripped = np.array([_VERSION_SUFFIX.sub("", str(x)) for x in names.categories],
                        dtype=object)
    names = categorical(stripped, names.codes.astype(np.int64))
    return _frame({"start": c["start"], "end": c["end"], "tid": c["tid"],
                         "pid": pid_of(c["tid"]), "correlation_id": c["correlation_id"],
                         "name": names})


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
    registered = (f"(SELECT value FROM StringIds WHERE id = {text_id})"
                  if "StringIds" in rd.tables else "NULL")
    dom = rd.frame(f"SELECT globalTid, {domain} AS domain_id, COALESCE({text}, {registered}) "
                   f"AS name FROM {t} WHERE eventType = {DOMAIN_CREATE}")
    domains = {(int(p), int(d)): n or "" for p, d, n in
               zip(pid_of(dom["globalTid"]), dom["domain_id"], dom["name"])}
    types = ",".join(map(str, RANGE_EVENT_TYPES))
    # A range counts when it starts and ends on one thread (FORMATS.md projection step 1).
    where = (f"eventType IN ({types}) AND end IS NOT NULL "
             f"AND ({end_tid} IS NULL OR {end_tid} = globalTid)")
    # Registered strings (textId: what TensorRT writes) or inline text: a sample of the first
    # ranges says which column to read in the main pass. Only a hint: whatever the sample missed
    # is still read, by a second pass.
    sample_text, sample_ids = rd.con.execute(
        f"SELECT COUNT({text}), COUNT({text_id}) FROM "
        f"(SELECT {text} AS text, {text_id} AS textId FROM {t} WHERE {where} LIMIT 10000)"
    ).fetchone()
    has_text = "(text IS NOT NULL)" if text == "text" else "text"   # absent column: 0
    c, values = rd.ints(t, {"start": ("start", 0), "end": ("end", 0), "tid": ("globalTid", 0),
                            "domain_id": ("domainId", 0), "text_id": ("textId", -1),
                            "has_text": (has_text, 0)},
                        where, text="text" if text == "text" and sample_text else None,
                        read=("text_id",) if sample_ids else ())
    n = len(c["start"])
    if not n:
        return empty_frame(NVTX_COLUMNS)
    inline = c["has_text"].astype(bool)
    if values is None and inline.any():
        values = rd.ints(t, {"has_text": (has_text, 0)}, where, text="text")[1]
    if values is None:
        names = _categorical_from_ids(rd, c["text_id"])
    else:
        # Inline strings: one object per row is unavoidable here; factorize them once.
        if not inline.all():
            values[~inline] = _strings(rd, c["text_id"][~inline])
        codes, uniq = pd.factorize(values)
        names = categorical(uniq, codes)
    pid = pid_of(c["tid"])
    # Domain per (process, domainId) pair: look up each distinct pair once.
    pid_u, pid_inv = np.unique(pid, return_inverse=True)
    dom_u, dom_inv = np.unique(c["domain_id"], return_inverse=True)
    pair_u, pair_inv = np.unique(pid_inv * len(dom_u) + dom_inv, return_inverse=True)
    pair_names = np.array([domains.get((int(pid_u[k // len(dom_u)]),
                                        int(dom_u[k % len(dom_u)])), "")
                           for k in pair_u], dtype=object)
    out = _frame({
        "start": c["start"], "end": c["end"], "tid": c["tid"], "pid": pid,
        "domain": categorical(pair_names, pair_inv), "name": names,
    })
    # Parents before children when they start together, so "latest start" means innermost.
    order = np.lexsort((-c["end"], c["start"], c["tid"]))
    if (order != np.arange(n)).any():
        out = out.take(order).reset_index(drop=True)
    return out


def _graph_nodes(rd: _Reader) -> pd.DataFrame:
    t = "CUDA_GRAPH_NODE_EVENTS"
    if not rd.has(t, "graphNodeId", "globalTid", "start"):
        return empty_frame(GRAPH_NODE_COLUMNS)
    c, _ = rd.ints(t, {"graph_node_id": ("graphNodeId", 0),
                       "original_graph_node_id": ("originalGraphNodeId", 0),
                       "tid": ("globalTid", 0), "start": ("start", 0)})
    return _frame(c)


def _sync(rd: _Reader) -> pd.DataFrame:
    t = "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION"
    if not rd.has(t, "start", "end"):
        return empty_frame(SYNC_COLUMNS)
    c, _ = rd.ints(t, {"start": ("start", 0), "end": ("end", 0), "gpid": ("globalPid", 0),
                       "stream_id": ("streamId", 0), "sync_type": ("syncType", -1)})
    return _frame({
        "start": c["start"], "end": c["end"], "pid": pid_of(c["gpid"]),
        "stream_id": c["stream_id"], "sync_type": _enum(c["sync_type"], SYNC_TYPES),
    })


def _graph_launch_rows(rd: _Reader) -> tuple[int, int]:
    """Whole-graph rows (default --cuda-graph-trace=graph): how many, and their GPU time."""
    if rd.has("CUPTI_ACTIVITY_KIND_GRAPH_TRACE", "start", "end"):
        n, ns = rd.con.execute("SELECT COUNT(*), TOTAL(end - start) FROM "
                               "CUPTI_ACTIVITY_KIND_GRAPH_TRACE").fetchone()
        return int(n), int(ns)
    return 0, 0


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
    rd = None
    try:
        rd = _Reader(path)
        _reject_foreign(rd, path)
        meta = _metadata(rd)
        # The three big tables are read side by side: while one thread is in Python (building
        # frames), the others keep SQLite busy on the other cores.
        with ThreadPoolExecutor(max_workers=2) as tables:
            api_job = tables.submit(_api, rd)
            nvtx_job = tables.submit(_nvtx, rd)
            step("kernels and copies")
            gpu_ops = _gpu_ops(rd)
            step("API calls")
            api = api_job.result()
            step("NVTX ranges")
            nvtx = nvtx_job.result()
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
    except (sqlite3.DatabaseError, pd.errors.DatabaseError) as err:   # pandas wraps sqlite's
        raise InputError(f"cannot read the SQLite export ({err}); is it truncated or still being "
                         f"written?", path=str(path)) from None
    finally:
        if rd is not None:
            rd.close()
    if not meta:
        trace.notes.append("no export metadata table (very old nsys?): version unknown")
    if "StringIds" not in rd.tables:
        trace.notes.append("no StringIds table: kernel, API and registered NVTX names are unknown")
    return trace
