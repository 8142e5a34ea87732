"""Raw columns of an Nsight Systems SQLite export: SQLite and numpy only, no pandas.

The three big tables (kernels with copies, CUDA API calls, NVTX ranges) are read side by side in
background threads; SQLite and the page decoder work with the GIL released, so they use every
core. ``trtprof.parsers.nsys.export`` builds each table's frame as soon as its read is done. This
module stays free of pandas so that ``prefetch`` can start the reads before the rest of trtprof,
pandas above all, is imported: on a million-kernel trace that import is a tenth of the run.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from trtprof.errors import InputError
from trtprof.parsers.nsys import pages as sqlite_pages

RANGE_EVENT_TYPES = (59, 60, 70, 71)   # push/pop and start/end ranges (plain and NVTX-text format)
DOMAIN_CREATE = 75

_PID_SHIFT = 24
_PID_MASK = 0xFFFFFF

# Mostly int64 arrays; interned id columns are (distinct ids, positions) pairs.
Columns = dict[str, Any]
# The "value for NULL" of a column that must have a value in every row read: an op's start or
# end. A NULL there is a damaged row (nsys declares them NOT NULL), and an error: read as 0, it
# gave a kernel of 4 seconds (a damaged record header, found by benchmarks/fuzz_sqlite.py).
REQUIRED = -(2**63)
# An interned text column: (distinct texts, each row's position among them).
Texts = tuple[np.ndarray, np.ndarray]
_IS_NOT_NULL = re.compile(r"\((\w+) IS NOT NULL\)")


@dataclass
class RowFilter:
    """The rows to keep, said twice: as SQL for SQLite, and as numpy over the raw columns
    (``sqlite_pages.Column`` by name, None for a column the table lacks) for the page reader."""
    sql: str
    columns: tuple[str, ...]
    keep: Callable[[dict], np.ndarray]


def pid_of(global_id) -> np.ndarray:
    """Process id from a globalTid/globalPid: ``(gid >> 24) & 0xFFFFFF``."""
    return (np.asarray(global_id, dtype=np.int64) >> _PID_SHIFT) & _PID_MASK


def interned(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct ids, each row's position among them): names are decoded once per id later.
    What ``np.unique(ids, return_inverse=True)`` gives, without its sort when the ids are
    dense (StringIds ids are small integers): a table over their range instead."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids):
        lo, hi = int(ids.min()), int(ids.max())
        if hi - lo <= 4 * len(ids) + 4096:
            seen = np.zeros(hi - lo + 1, dtype=bool)
            seen[ids - lo] = True
            position = np.cumsum(seen) - 1
            return np.flatnonzero(seen) + lo, position[ids - lo]
    return np.unique(ids, return_inverse=True)


def joined_texts(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Interned texts read in pieces, each (distinct texts, each row's position among them),
    as one: the distinct texts of all pieces, each once, and every row's position among them."""
    if len(parts) == 1:
        return parts[0]
    index: dict[str, int] = {}
    codes = []
    for texts, pos in parts:
        remap = np.array([index.setdefault(t, len(index)) for t in texts.tolist()],
                         dtype=np.int64)
        codes.append(remap[pos])
    return np.array(list(index), dtype=object), np.concatenate(codes)


def refuse_side_files(path: Path) -> None:
    """Immutable reading ignores a -wal file's committed transactions and reads the
    half-written state a hot -journal would roll back: such a database is refused, never
    misread."""
    for side in ("-wal", "-journal"):
        extra = Path(str(path) + side)
        if extra.is_file() and extra.stat().st_size > 0:
            raise InputError(f"has a non-empty {extra.name} beside it: the database is mid-"
                             "transaction or not checkpointed, and reading it read-only would "
                             "give stale or half-written data. Let the writer finish (or open "
                             "it once with sqlite3 to checkpoint), then run trtprof again",
                             path=str(path))


def connect_readonly(path: Path, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open ``path`` read-only and immutable (no locks, no side files)."""
    refuse_side_files(path)
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=check_same_thread)


def _no_nulls(table: str, column: str, count: int) -> None:
    if count:
        raise sqlite3.DatabaseError(f"{table}.{column} is NULL in {count} rows, where every row "
                                    "has a value (a damaged record?)")


class ReadMeter:
    """How far the page reads of one export have got: leaf pages decoded, of those found so
    far (each table's count is known as soon as its reading starts, in a few milliseconds)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.total = self.done = 0

    def expect(self, pages: int) -> None:
        with self._lock:
            self.total += pages

    def read(self, pages: int) -> None:
        with self._lock:
            self.done += pages

    def fraction(self) -> float | None:
        """Share read so far; None before any page count is known (or with no page reads)."""
        with self._lock:
            return min(self.done / self.total, 1.0) if self.total else None


class Reader:
    """Column-wise reads from one export, with feature detection."""

    def __init__(self, path: Path):
        self.path = path
        self.meter = ReadMeter()
        self._local = threading.local()
        self._cons: list[sqlite3.Connection] = []
        self.tables = {r[0] for r in self.con.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        self._columns: dict[str, list[str]] = {}
        self._stored: dict[str, list[str]] = {}     # the columns a row's record holds, in order
        self._not_null: set[tuple[str, str]] = set()
        self._rowid_alias: set[tuple[str, str]] = set()

    # Big tables are read from the file's pages (sqlite_pages); tests switch it off to check
    # that both ways give the same columns.
    use_pages = True

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            # table_xinfo, not table_info: table_info leaves generated columns out, and a
            # STORED one is in the record, so positions from table_info would be shifted.
            xinfo = (self.con.execute(f"PRAGMA table_xinfo({table})").fetchall()
                     if table in self.tables else [])
            info = [r for r in xinfo if r[6] in (0, 2, 3)]   # 2/3: VIRTUAL/STORED generated
            self._columns[table] = [r[1] for r in info]
            self._stored[table] = [r[1] for r in info if r[6] != 2]   # VIRTUAL: not stored
            self._not_null.update((table, r[1]) for r in info if r[3])
            keys = [r for r in info if r[5]]
            if len(keys) == 1 and keys[0][2].upper() == "INTEGER" and not self._desc(table):
                self._rowid_alias.add((table, keys[0][1]))   # stored as the rowid
        return self._columns[table]

    def _desc(self, table: str) -> bool:
        """Whether the table's definition says DESC anywhere: ``x INTEGER PRIMARY KEY DESC``
        is not the rowid (SQLite's documented quirk), so no key is taken for the rowid then."""
        sql = self.con.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (table,)).fetchone()
        return bool(sql and sql[0] and re.search(r"\bDESC\b", sql[0], re.IGNORECASE))

    def rowid_name(self, table: str) -> str | None:
        """A name that means the table's rowid in SQL: ``rowid``, ``_rowid_`` or ``oid``, the
        first that no column of the table takes for itself (a column named ``rowid`` is that
        column, not the rowid); None when all three are taken or the table has no rowid."""
        taken = {c.lower() for c in self.columns(table)}
        for name in ("rowid", "_rowid_", "oid"):
            if name not in taken:
                try:
                    self.con.execute(f"SELECT {name} FROM {table} LIMIT 0")
                except sqlite3.OperationalError:       # WITHOUT ROWID
                    return None
                return name
        return None

    def not_null(self, table: str, col: str) -> bool:
        """Declared NOT NULL: no IFNULL and no NULL count needed when reading it."""
        return col in self.columns(table) and (table, col) in self._not_null

    def has(self, table: str, *cols: str) -> bool:
        have = self.columns(table)
        return bool(have) and all(c in have for c in cols)

    def ints(self, table: str, wanted: dict[str, tuple[str, int]],
             where: RowFilter | None = None, text: str | None = None
             ) -> tuple[Columns, Texts | None]:
        """See ``_ints``: from the file's pages when the table allows (fast), else through
        SQLite (plain, slower: files the page reader declines)."""
        if self.use_pages:
            try:
                return self._page_ints(table, wanted, where, text)
            except (sqlite_pages.Unsupported, IndexError, ValueError, OverflowError):
                pass   # the page reader declines (or trips on damage): SQLite decides
        return self._ints(table, wanted, where.sql if where else "", text)

    def _page_ints(self, table: str, wanted: dict[str, tuple[str, int]],
                   where: RowFilter | None, text: str | None
                   ) -> tuple[Columns, Texts | None]:
        """``ints`` from the table's b-tree pages (``sqlite_pages``), the same columns and rows
        as through SQLite; ``sqlite_pages.Unsupported`` when the table cannot be read so."""
        self.columns(table)
        names = self._stored[table]
        index = {name: i for i, name in enumerate(names)}
        virtual = set(self._columns[table]) - set(names)
        source = {}                      # alias -> (column index, read only whether non-NULL)
        for alias, (col, _) in wanted.items():
            test = _IS_NOT_NULL.fullmatch(col)
            name = test.group(1) if test else col
            if name in index:
                source[alias] = (index[name], bool(test))
            elif name in virtual or test or not col.isidentifier():
                raise sqlite_pages.Unsupported(f"expression {col}")
        raw_ints = {i for i, only_null in source.values() if not only_null}
        raw_ints |= {index[c] for c in (where.columns if where else ()) if c in index}
        nulls = {i for i, only_null in source.values() if only_null}
        if text is not None and text not in index:
            raise sqlite_pages.Unsupported(f"no column {text}")
        if where and set(where.columns) & virtual:
            raise sqlite_pages.Unsupported("a filter on a generated column")
        text_col = None if text is None else index[text]
        # An INTEGER PRIMARY KEY is the rowid: the cell's key, never NULL
        rowid = {i for i in raw_ints | nulls if (table, names[i]) in self._rowid_alias}
        raw_ints -= rowid
        nulls -= rowid
        if text_col in rowid:
            raise sqlite_pages.Unsupported("text read from the rowid")
        if not raw_ints and not nulls and not rowid and text_col is None:
            raise sqlite_pages.Unsupported("no column to read")
        root = self.con.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table' "
                                "AND name = ?", (table,)).fetchone()[0]
        parts: dict[str, list[np.ndarray]] = {alias: [] for alias in source}
        texts: list[tuple[np.ndarray, np.ndarray]] = []
        n, rows, any_text = 0, 0, False
        for chunk in sqlite_pages.read_table(self.path, root, len(names), sorted(raw_ints),
                                             text_col, sorted(nulls - raw_ints), self.meter,
                                             sorted(rowid)):
            rows += len(next(iter(chunk.values())))
            keep = where.keep({c: chunk.get(index[c]) if c in index else None
                               for c in where.columns}) if where else None
            n += len(next(iter(chunk.values()))) if keep is None else int(np.count_nonzero(keep))
            for alias, (i, only_null) in source.items():
                if wanted[alias][1] == REQUIRED and not only_null:
                    null = chunk[i].null
                    _no_nulls(table, wanted[alias][0], 0 if null is None else
                              int(np.count_nonzero(null if keep is None else null[keep])))
                values = (chunk[i].notnull().astype(np.int64) if only_null
                          else chunk[i].value_or(wanted[alias][1]))
                parts[alias].append(values if keep is None else values[keep])
            if text_col is not None:
                column = chunk[text_col]
                texts.append((column.texts,
                              column.values if keep is None else column.values[keep]))
                present = column.notnull()
                any_text = any_text or bool((present if keep is None else present[keep]).any())
        # SQLite counts the b-tree's cells without decoding a record: a cheap cross-check that
        # the page walk saw every row (damage SQLite would notice must not drop rows here)
        if rows != self.con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]:
            raise sqlite_pages.Unsupported("row count differs from SQLite's")
        out = {}
        for alias, (_, null) in wanted.items():   # each column's chunks freed once joined
            pieces = parts.pop(alias, None)
            out[alias] = np.concatenate(pieces) if pieces else np.full(n, null, dtype=np.int64)
        # As through SQLite: no texts (None) when the text column is NULL in every row kept.
        values = joined_texts(texts) if any_text else None
        return out, values

    def _ints(self, table: str, wanted: dict[str, tuple[str, int]], where: str = "",
              text: str | None = None) -> tuple[Columns, Texts | None]:
        """Integer columns of the rows of ``table`` that match ``where``, as int64 arrays, and
        optionally one text column (NULL -> ''), interned: (distinct texts, each row's position
        among them), or None when that column is all NULL.

        ``wanted`` maps alias -> (column or expression, value for NULL and for an absent
        column). A value that is not an integer is an error, never a guess.
        """
        have = self.columns(table)
        # In rowid order, as the page reader gives them (ties in later sorts keep it): a plain
        # scan of the table (NOT INDEXED: an index on a filtered column would give its order),
        # and ORDER BY the rowid under a name no column shadows, which costs no sort then.
        key = self.rowid_name(table)
        cond = f" NOT INDEXED{f' WHERE {where}' if where else ''}"
        order = f" ORDER BY {key}" if key else ""
        # An expression such as "(text IS NOT NULL)" is read like a column.
        present = {a: c for a, (c, _) in wanted.items() if c in have or not c.isidentifier()}
        aliases = list(present)
        if aliases:
            required = [a for a in aliases if wanted[a][1] == REQUIRED]
            bad = self.con.execute(
                "SELECT " + ", ".join(
                    [f"TOTAL(typeof({present[a]}) NOT IN ('integer', 'null'))" for a in aliases]
                    # typeof: SQLite folds "x IS NULL" to false on a NOT NULL column
                    + [f"TOTAL(typeof({present[a]}) = 'null')" for a in required])
                + f" FROM {table}{cond}").fetchone()
            for alias, n_bad in zip(aliases, bad):
                if n_bad:
                    raise sqlite3.DatabaseError(f"{table}.{alias}: {int(n_bad)} values are not "
                                                "integers")
            for alias, n_null in zip(required, bad[len(aliases):]):
                _no_nulls(table, present[alias], int(n_null))
        sel = [f"IFNULL({present[a]}, {int(wanted[a][1])})" for a in aliases]
        if text is not None:
            sel.append(f"IFNULL({text}, '')")
        rows = self.con.execute(f"SELECT {', '.join(sel) or 'NULL'} FROM {table}{cond}{order}"
                                ).fetchall()
        n = len(rows)
        cols = list(zip(*rows)) if rows else [()] * len(sel)
        out = {a: np.array(cols[i], dtype=np.int64) for i, a in enumerate(aliases)}
        for alias, (_, null) in wanted.items():
            if alias not in present:
                out[alias] = np.full(n, null, dtype=np.int64)
        texts = None
        if text is not None and n and self.con.execute(
                f"SELECT COUNT({text}) FROM {table}{cond}").fetchone()[0]:
            index: dict[str, int] = {}
            codes = np.fromiter((index.setdefault(v, len(index)) for v in cols[-1]),
                                dtype=np.int64, count=n)
            texts = (np.array(list(index), dtype=object), codes)
        return {a: out[a] for a in wanted}, texts

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


def kernel_columns(rd: Reader) -> tuple[Columns, bool] | None:
    """Kernel columns, and whether ``name_id`` is the demangled name (else the short one)."""
    t = "CUPTI_ACTIVITY_KIND_KERNEL"
    if not rd.has(t, "start", "end", "correlationId"):
        return None
    demangled = "demangledName" in rd.columns(t)
    c, _ = rd.ints(t, {"start": ("start", REQUIRED), "end": ("end", REQUIRED),
                       "device_id": ("deviceId", 0), "stream_id": ("streamId", 0),
                       "gpid": ("globalPid", 0), "correlation_id": ("correlationId", 0),
                       "name_id": ("demangledName" if demangled else "shortName", -1),
                       "short_id": ("shortName", -1), "graph_node_id": ("graphNodeId", 0)})
    c["name"] = interned(c["name_id"])
    if demangled:   # else the short name is the name
        c["short"] = interned(c["short_id"])
    return c, demangled


def copy_columns(rd: Reader, table: str, kind: str) -> Columns | None:
    if not rd.has(table, "start", "end", "correlationId"):
        return None
    if kind == "memcpy":
        wanted = {"copy_kind": ("copyKind", -1), "src_kind": ("srcKind", -1),
                  "dst_kind": ("dstKind", -1)}
    else:
        wanted = {"src_kind": ("memKind", -1)}
    c, _ = rd.ints(table, {"start": ("start", REQUIRED), "end": ("end", REQUIRED),
                           "device_id": ("deviceId", 0), "stream_id": ("streamId", 0),
                           "gpid": ("globalPid", 0), "correlation_id": ("correlationId", 0),
                           "bytes": ("bytes", 0), "graph_node_id": ("graphNodeId", 0), **wanted})
    return c


def api_columns(rd: Reader) -> Columns | None:
    t = "CUPTI_ACTIVITY_KIND_RUNTIME"
    if not rd.has(t, "start", "end", "globalTid", "correlationId", "nameId"):
        return None
    c, _ = rd.ints(t, {"start": ("start", REQUIRED), "end": ("end", REQUIRED),
                       "tid": ("globalTid", 0), "correlation_id": ("correlationId", 0),
                       "name_id": ("nameId", -1)})
    c["name"] = interned(c["name_id"])
    return c


def nvtx_columns(rd: Reader) -> tuple[dict, tuple | None] | None:
    """Ranges that start and end on one thread, in (thread, start, longest first) order: columns
    (``domain``: names and each row's position among them) and inline texts, interned the same
    way ('' where the registered ``text_id`` names the range; None when no range has inline
    text)."""
    t = "NVTX_EVENTS"
    if not rd.has(t, "start", "end", "eventType", "globalTid"):
        return None
    cols = rd.columns(t)
    text = "text" if "text" in cols else "NULL"
    text_id = "textId" if "textId" in cols else "NULL"
    domain = "domainId" if "domainId" in cols else "0"
    end_tid = "endGlobalTid" if "endGlobalTid" in cols else "NULL"
    # Domain names: the eventType-75 row with the same domainId in the same process.
    registered = (f"(SELECT value FROM StringIds WHERE id = {text_id})"
                  if "StringIds" in rd.tables else "NULL")
    domains = {(int(pid_of(tid)), int(d or 0)): n or "" for tid, d, n in rd.con.execute(
        f"SELECT globalTid, {domain}, COALESCE({text}, {registered}) FROM {t} "
        f"WHERE eventType = {DOMAIN_CREATE}") if tid is not None}
    types = ",".join(map(str, RANGE_EVENT_TYPES))
    # A range counts when it starts and ends on one thread (FORMATS.md projection step 1).
    where = RowFilter(
        f"eventType IN ({types}) AND end IS NOT NULL "
        f"AND ({end_tid} IS NULL OR {end_tid} = globalTid)",
        ("eventType", "end", "endGlobalTid", "globalTid"), _one_thread_ranges)
    # Registered strings (textId: what TensorRT writes) or inline text: a sample of the first
    # ranges says whether to read the text column in the main pass. Only a hint: whatever the
    # sample missed is still read, by a second pass.
    sample_text = rd.con.execute(
        f"SELECT COUNT(text) FROM (SELECT {text} AS text FROM {t} WHERE {where.sql} LIMIT 10000)"
    ).fetchone()[0]
    has_text = "(text IS NOT NULL)" if text == "text" else "text"   # absent column: 0
    c, values = rd.ints(t, {"start": ("start", REQUIRED), "end": ("end", REQUIRED),
                            "tid": ("globalTid", 0), "domain_id": ("domainId", 0),
                            "text_id": ("textId", -1), "has_text": (has_text, 0)},
                        where, text="text" if text == "text" and sample_text else None)
    if values is None and c["has_text"].any():
        values = rd.ints(t, {"has_text": (has_text, 0)}, where, text="text")[1]
    # Parents before children when they start together, so "latest start" means innermost.
    order = np.lexsort((-c["end"], c["start"], c["tid"]))
    if (order != np.arange(len(order))).any():
        for key in c:                 # one column at a time: the old one freed at once
            c[key] = c[key][order]
        values = None if values is None else (values[0], values[1][order])
    if values is None:
        c["text"] = interned(c["text_id"])
    # Domain per (process, domainId) pair: each distinct pair looked up once.
    c["pid"] = pid_of(c["tid"])
    pid_u, pid_inv = interned(c["pid"])
    dom_u, dom_inv = interned(c["domain_id"])
    pair_u, pair_inv = interned(pid_inv * len(dom_u) + dom_inv)
    names = np.array([domains.get((int(pid_u[k // len(dom_u)]), int(dom_u[k % len(dom_u)])), "")
                      for k in pair_u], dtype=object)
    c["domain"] = (names, pair_inv)
    return c, values


def _one_thread_ranges(col: dict) -> np.ndarray:
    """The rows of NVTX ranges that start and end on one thread: ``where.sql`` in
    ``nvtx_columns``, in numpy (NULL compares as false there too)."""
    kind, end, end_tid, tid = (col[c] for c in ("eventType", "end", "endGlobalTid", "globalTid"))
    keep = np.isin(kind.values, RANGE_EVENT_TYPES) & kind.notnull() & end.notnull()
    if end_tid is not None:
        same = (end_tid.values == tid.values) & end_tid.notnull() & tid.notnull()
        keep &= ~end_tid.notnull() | same
    return keep


class _Job(threading.Thread):
    """One table read in a daemon thread (exiting early, on a bad input, never waits for it)."""

    def __init__(self, fn, *args):
        super().__init__(daemon=True)
        self.fn, self.args, self.value, self.error = fn, args, None, None
        self.start()

    def run(self):
        try:
            self.value = self.fn(*self.args)
        except BaseException as err:   # handed to the caller of result()
            self.error = err

    def result(self):
        """The value, handed over once: the thread keeps no reference to it (the columns of a
        big table are freed as soon as the caller has built its frame from them)."""
        self.join()
        if self.error is not None:
            raise self.error
        value, self.value = self.value, None
        return value


def _gpu_columns(rd: Reader):
    return (kernel_columns(rd), copy_columns(rd, "CUPTI_ACTIVITY_KIND_MEMCPY", "memcpy"),
            copy_columns(rd, "CUPTI_ACTIVITY_KIND_MEMSET", "memset"))


_READS = {"gpu": _gpu_columns, "api": api_columns, "nvtx": nvtx_columns}


class TableReads:
    """The columns of the big tables of one export (gpu, api, nvtx), being read in background
    threads (numpy and sqlite3 only: this runs while the main thread still imports pandas)."""

    def __init__(self, reader: Reader):
        self.reader = reader
        self.jobs = {name: _Job(_READS[name], reader) for name in _READS}
        self.abandoned = False      # set when frame builds may still use the connections

    def result(self, name: str):
        return self.jobs[name].result()

    def close(self) -> None:
        # A read still running (the caller gave up on a bad input) keeps its connection; the
        # file is open read-only, and the process is about to report and exit.
        if not self.abandoned and not any(job.is_alive() for job in self.jobs.values()):
            self.reader.close()


_prefetched: dict[tuple, TableReads] = {}


def _key(path: Path) -> tuple:
    st = path.stat()
    return str(path.resolve()), st.st_size, st.st_mtime_ns


def prefetch(path: str | Path) -> None:
    """Start reading ``path``'s big tables if it is an SQLite file; silently nothing otherwise
    (the normal read reports any problem)."""
    try:
        path = Path(path)
        if not path.is_file():        # opening a FIFO would block: detection refuses it
            return
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                return
        _prefetched[_key(path)] = TableReads(Reader(path))
    except (OSError, sqlite3.Error, InputError, UnicodeDecodeError):
        return


def prefetched(path: Path) -> TableReads | None:
    """The reads that ``prefetch`` started for ``path``, if it has not changed since."""
    try:
        return _prefetched.pop(_key(path), None)
    except OSError:
        return None
