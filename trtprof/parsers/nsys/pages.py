"""Columns of an SQLite table read straight from the file's b-tree pages, with numpy.

Why: SQLite hands values to Python one object at a time (``fetchall``), and boxing every value
is most of the cost of reading a large nsys export (the plain SQLite path, kept for the files
this reader declines, is about 8x slower). The file format is public and stable (https://www.sqlite.org/fileformat2.html): a
table is a b-tree whose leaf pages hold the rows, each a record: a header of "serial types" (each
column's type and size), then the values, integers big-endian. Here the leaf pages are read in
large chunks and every row of a chunk is decoded at once.

The rows of a table share few distinct record headers (a serial type depends only on a value's
type and magnitude), so each distinct header is decoded once, in Python, and every row then
finds each column at a fixed offset from its record's start.

Anything this module does not handle (rows spilling to overflow pages, UTF-16 text, a real or
text value in an integer column, tables without rowid, a damaged page) raises ``Unsupported``,
and the caller reads the table through SQLite instead, which then gives the same answer or a
proper error. Only the main database file is read, as SQLite itself does for the read-only
immutable connections trtprof opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

MAGIC = b"SQLite format 3\x00"
_LEAF, _INTERIOR = 13, 5              # table b-tree page types
_CHUNK_PAGES = 16384                  # leaf pages decoded together (64 MB of 4 KiB pages)
_PAD = 16                             # zero bytes after a chunk: fixed-width reads past a value
# A record (and so a text) fits in a page: 64 KiB at most, 8192 words of 8 bytes.
_MULTIPLIERS = np.random.default_rng(0x9E3779B9).integers(
    0, 2**63, size=65536 // 8 + 1, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_FEW_ROWS = 64                        # texts of one length decoded one by one below this
_MAX_DEPTH = 20                       # SQLite's own limit on b-tree depth
_MAX_HEADER = 4096                    # bytes: hundreds of columns, no nsys table has that many

# Serial type -> bytes of the value (types 10 and 11 are reserved; >= 12 are blobs and texts).
_INT_SIZES = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8, 8: 0, 9: 0}


class Unsupported(Exception):
    """The table uses something this reader does not handle: read it through SQLite."""


@dataclass
class Column:
    values: np.ndarray | None          # int64 (0 where NULL); for text, positions in ``texts``
    null: np.ndarray | None            # bool per row; None when no row is NULL
    texts: np.ndarray | None = None    # text column: its distinct texts ('' for NULL)

    def __len__(self) -> int:
        return len(cast(np.ndarray, self.values if self.values is not None else self.null))

    def notnull(self) -> np.ndarray:
        return np.ones(len(self), bool) if self.null is None else ~self.null

    def value_or(self, default: int) -> np.ndarray:
        """The values, ``default`` where NULL."""
        if self.null is None:
            return cast(np.ndarray, self.values)
        values = cast(np.ndarray, self.values).copy()
        values[self.null] = default
        return values


def page_size(path: Path) -> tuple[int, int, int]:
    """(page size, usable bytes per page, text encoding) from the database header."""
    with open(path, "rb") as fh:
        head = fh.read(100)
    if len(head) < 100 or not head.startswith(MAGIC):
        raise Unsupported("no SQLite header")
    size = int.from_bytes(head[16:18], "big")
    size = 65536 if size == 1 else size
    return size, size - head[20], int.from_bytes(head[56:60], "big")


def read_table(path: Path, root: int, ncols: int, ints: list[int], text: int | None = None,
               nulls: Sequence[int] = (), meter=None, rowid: Sequence[int] = ()):
    """Yield, chunk by chunk of leaf pages in rowid order, ``{column index: Column}`` for the
    integer columns ``ints``, the text column ``text`` and the columns ``nulls`` (of any type;
    only which rows are NULL: their ``values`` are None) of the table whose b-tree starts at
    page ``root`` and whose schema has ``ncols`` columns. ``rowid``: the columns that are the
    rowid (an INTEGER PRIMARY KEY), whose value is the cell's key and not in the record.
    ``meter`` (optional) is told how many leaf pages there are (``expect``) and how many have
    been decoded (``read``)."""
    psize, usable, encoding = page_size(path)
    if text is not None and encoding != 1:
        raise Unsupported("text is not UTF-8")
    with open(path, "rb") as fh:
        leaves = _leaf_pages(fh, root, psize)
        if meter is not None:
            meter.expect(len(leaves))
        # One buffer for every chunk: what is decoded from it is copied out.
        buf = np.empty(min(len(leaves), _CHUNK_PAGES) * psize + _PAD, dtype=np.uint8)
        for start in range(0, len(leaves), _CHUNK_PAGES):
            pages = leaves[start:start + _CHUNK_PAGES]
            _read_pages(fh, pages, psize, buf)
            chunk = _decode(buf[:len(pages) * psize + _PAD], len(pages), psize, usable, ncols,
                            ints, text, nulls, rowid, below_root=len(leaves) > 1)
            if meter is not None:
                meter.read(len(pages))
            yield chunk


def _leaf_pages(fh, root: int, psize: int) -> np.ndarray:
    """Leaf page numbers in key order: the tree level by level (every leaf is at the same
    depth), children of each interior page in cell order, then its right-most child."""
    fh.seek(0, 2)
    npages = fh.tell() // psize
    level = [root]
    seen: set[int] = set()
    for _ in range(_MAX_DEPTH):
        if 1 in level:
            raise Unsupported("page 1 in a table b-tree")
        if any(p < 1 or p > npages for p in level):
            raise Unsupported("a page number outside the file")
        if seen.intersection(level) or len(set(level)) != len(level):
            raise Unsupported("a page reached twice (a loop in a damaged file?)")
        seen.update(level)
        fh.seek((level[0] - 1) * psize)
        kind = fh.read(1)
        if kind == bytes([_LEAF]):
            return np.array(level, dtype=np.int64)
        if kind != bytes([_INTERIOR]):
            raise Unsupported(f"page {level[0]} is not a table b-tree page")
        below = []
        for page in level:
            fh.seek((page - 1) * psize)
            raw = np.frombuffer(fh.read(psize), dtype=np.uint8)
            if len(raw) != psize or raw[0] != _INTERIOR:
                raise Unsupported(f"page {page}: expected an interior table page")
            n = int(raw[3]) << 8 | int(raw[4])
            ptr = raw[12:12 + 2 * n].astype(np.int64)
            ptr = ptr[0::2] << 8 | ptr[1::2]
            if len(ptr) != n or (ptr > psize - 4).any():
                raise Unsupported(f"page {page}: damaged cell pointers")
            child = raw[ptr[:, None] + np.arange(4)].astype(np.int64)
            child = child[:, 0] << 24 | child[:, 1] << 16 | child[:, 2] << 8 | child[:, 3]
            below.extend(child.tolist())
            below.append(int.from_bytes(raw[8:12].tobytes(), "big"))
        level = below
    raise Unsupported("b-tree deeper than SQLite makes one (a loop in a damaged file?)")


def _read_pages(fh, pages: np.ndarray, psize: int, buf: np.ndarray) -> np.ndarray:
    """The pages, in order, into ``buf``, then zeros (runs of consecutive pages read at once)."""
    buf[len(pages) * psize:len(pages) * psize + _PAD] = 0
    view = memoryview(buf)  # type: ignore[arg-type]  # numpy's stubs declare __buffer__ only for 3.12+
    breaks = np.flatnonzero(np.diff(pages) != 1) + 1
    for lo, hi in zip(np.r_[0, breaks].tolist(), np.r_[breaks, len(pages)].tolist()):
        fh.seek((int(pages[lo]) - 1) * psize)
        want = (hi - lo) * psize
        if fh.readinto(view[lo * psize:hi * psize]) != want:
            raise Unsupported("file ends inside a page")
    return buf


def _varint(buf: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SQLite varints (1-9 bytes, big-endian, 7 bits per byte, all 8 in the ninth) at byte
    offsets ``pos``: (values, lengths). Almost all are one or two bytes: only the rows still
    unfinished are looked at again."""
    first = buf[pos]
    values = first.astype(np.int64)
    lengths = np.ones(len(pos), dtype=np.int64)
    todo = np.flatnonzero(first >= 0x80)
    acc = values[todo] & 0x7F
    for k in range(1, 9):
        if not len(todo):
            break
        byte = buf[pos[todo] + k].astype(np.int64)
        acc = (acc << 8 | byte) if k == 8 else (acc << 7 | byte & 0x7F)
        done = (byte < 0x80) | (k == 8)
        values[todo[done]] = acc[done]
        lengths[todo[done]] = k + 1
        todo, acc = todo[~done], acc[~done]
    return values, lengths


def _varint_length(buf: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Lengths only of the varints at ``pos`` (the rowids: skipped, their order is the rows')."""
    length = np.ones(len(pos), dtype=np.int64)
    more = buf[pos] >= 0x80
    for k in range(1, 9):
        if not more.any():
            break
        length += more
        more &= buf[pos + k] >= 0x80
    return length


def _py_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for k in range(9):
        byte = data[pos + k]
        if k == 8:
            return value << 8 | byte, pos + 9
        value = value << 7 | byte & 0x7F
        if byte < 0x80:
            return value, pos + k + 1
    raise AssertionError("unreachable")


def _serial_size(t: int) -> int:
    if t >= 12:
        return (t - 12) // 2
    if t in _INT_SIZES:
        return _INT_SIZES[t]
    raise Unsupported(f"reserved serial type {t}")


def _decode(buf, npages, psize, usable, ncols, ints, text, nulls, rowid=(), below_root=False):
    """Every row of a chunk of leaf pages (``below_root``: the leaves of an interior root)."""
    base = np.arange(npages, dtype=np.int64) * psize
    if (buf[base] != _LEAF).any():
        raise Unsupported("a leaf of the table b-tree is not a table leaf page")
    ncells = buf[base + 3].astype(np.int64) << 8 | buf[base + 4]
    # A leaf below the root always holds rows in a sound file: a zero cell count (one
    # changed byte) would silently drop every row of that page.
    if below_root and (ncells == 0).any():
        raise Unsupported("a non-root leaf page without cells (damaged file?)")
    if (8 + 2 * ncells > usable).any():
        raise Unsupported("damaged leaf page header")
    page = np.repeat(base, ncells)
    nth = np.arange(len(page), dtype=np.int64) - np.repeat(np.cumsum(ncells) - ncells, ncells)
    slot = page + 8 + 2 * nth
    offset = buf[slot].astype(np.int64) << 8 | buf[slot + 1]
    if len(offset) and ((offset < 8) | (offset >= usable)).any():
        raise Unsupported("damaged cell pointer")
    cell = page + offset
    payload, n1 = _varint(buf, cell)
    # Larger payloads continue on overflow pages (a row of several kilobytes).
    if (payload > usable - 35).any():
        raise Unsupported("rows on overflow pages")
    # The rowid: rows come in its order; its value only for a column that is the rowid.
    if rowid:
        key, n2 = _varint(buf, cell + n1)
    else:
        n2 = _varint_length(buf, cell + n1)
    record = cell + n1 + n2
    if (record + payload - page > usable).any():
        raise Unsupported("damaged cell")
    header, _ = _varint(buf, record)
    if ((header < 1) | (header > payload)).any():
        raise Unsupported("damaged record header")
    if not len(record):
        return ({col: Column(np.zeros(0, dtype=np.int64), None) for col in ints}
                | {col: Column(None, np.zeros(0, dtype=bool)) for col in nulls}
                | {col: Column(np.zeros(0, dtype=np.int64), None) for col in rowid}
                | ({} if text is None else {text: Column(np.zeros(0, dtype=np.int64), None,
                                                         np.array([""], dtype=object))}))
    pattern, layouts = _patterns(buf, record, header)
    if any(len(lay.types) > ncols for lay in layouts):
        raise Unsupported("record with more columns than its table")
    if (payload != np.array([lay.total for lay in layouts])[pattern]).any():
        raise Unsupported("record sizes disagree with their headers")
    out = {}
    for col in ints:
        out[col] = _int_column(buf, record, pattern, layouts, col)
    if text is not None:
        out[text] = _text_column(buf, record, pattern, layouts, text)
    for col in rowid:
        # The record holds NULL in the rowid's place. A value there means the column is not
        # the rowid after all (INTEGER PRIMARY KEY DESC is not, SQLite's documented quirk).
        if any(lay.of(col)[0] != 0 for lay in layouts):
            raise Unsupported("a value stored for a column taken as the rowid")
        out[col] = Column(key, None)
    for col in nulls:
        null = np.array([lay.of(col)[0] == 0 for lay in layouts])
        out.setdefault(col, Column(None, null[pattern]))
    return out


@dataclass
class _Layout:
    types: list[int]                   # serial type of each column present in the record
    offsets: list[int]                 # each column's offset from the record's start
    total: int                         # header + values: the payload size

    def of(self, col: int) -> tuple[int, int]:
        if col < len(self.types):
            return self.types[col], self.offsets[col]
        # Shorter records predate an ALTER TABLE ADD COLUMN: the column's default applies,
        # which the caller does not know.
        raise Unsupported("record without a column of its table")


def _patterns(buf, record, header) -> tuple[np.ndarray, list[_Layout]]:
    """Each row's record-header pattern (index into the layouts), and each pattern's layout."""
    pattern = np.empty(len(record), dtype=np.int64)
    layouts: list[_Layout] = []
    sizes = np.unique(header).tolist()
    for size in sizes:                              # nearly always one size
        rows = None if len(sizes) == 1 else np.flatnonzero(header == size)
        at = record if rows is None else record[rows]
        if size > _MAX_HEADER:
            raise Unsupported("record header too large")
        local, first, words = _distinct_bytes(buf, at, size)
        if rows is None:
            pattern[:] = local + len(layouts)
        else:
            pattern[rows] = local + len(layouts)
        layouts.extend(_layout(words[k].tobytes()) for k in first.tolist())
    return pattern, layouts


def _distinct_bytes(buf, at: np.ndarray, size: int):
    """Rows whose ``size`` bytes from offsets ``at`` are the same: (each row's index among
    the distinct byte strings, the first row of each, the rows' bytes as a 2-D array). The
    bytes are hashed 8 at a time into one key per row (a sum of the words times random odd
    numbers: one numpy call whatever the width; a call per word made long texts slow), and
    every row is then checked against the first row of its key, so two byte strings with one
    key cannot pass unnoticed (a collision declines the table)."""
    width = -(-size // 8) * 8
    grabbed = np.ndarray((len(buf) - width + 1,), dtype=f"V{width}", buffer=buf,
                         strides=(1,))[at]
    raw = grabbed.view(np.uint8).reshape(len(at), width)
    raw[:, size:] = 0                                # the bytes after: not part of the string
    words = grabbed.view(np.uint64).reshape(len(at), width // 8)
    mult = _MULTIPLIERS[:words.shape[1]]
    if words.shape[1] <= 4:           # record headers: no temporary of every row's words
        key = words[:, 0] * mult[0]
        for j in range(1, words.shape[1]):
            key += words[:, j] * mult[j]
    else:
        key = (words * mult).sum(axis=1, dtype=np.uint64)
    index, first = _distinct(key)
    # Each row against the first row of its key; a row that is that first row needs no look
    # (all of them when every text differs). Where most rows share keys, the whole at once.
    other = np.flatnonzero(first[index] != np.arange(len(at)))
    same = ((words[first][index] == words).all() if len(other) > len(at) // 2 else
            (words[first[index[other]]] == words[other]).all())
    if not same:                      # a hash collision
        raise Unsupported("hash collision between two distinct byte strings")
    return index, first, raw[:, :size]


def _distinct(key: np.ndarray, few: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """(each row's index among the distinct keys, the first row of each distinct key).
    A table's rows share few headers, most rows one or two: peeling them off one at a time
    costs less than sorting, which is kept for whatever is left after ``few``."""
    index = np.empty(len(key), dtype=np.int64)
    first: list[int] = []
    todo = np.arange(len(key), dtype=np.int64)
    left = key
    # Peeling pays while each pass takes many rows; for a few rows, or keys mostly distinct
    # (texts: a pass per distinct text), one sort costs less.
    while len(todo) > few and len(first) < few:
        hit = left == left[0]
        taken = int(np.count_nonzero(hit))
        index[todo[hit]] = len(first)
        first.append(int(todo[0]))
        todo, left = todo[~hit], left[~hit]
        if taken * few < len(todo):
            break
    if len(todo):
        _, one, inverse = np.unique(left, return_index=True, return_inverse=True)
        index[todo] = inverse.reshape(-1) + len(first)
        first.extend(todo[one].tolist())
    return index, np.array(first, dtype=np.int64)


def _layout(head: bytes) -> _Layout:
    size, pos = _py_varint(head, 0)
    types, offsets, at = [], [], size
    while pos < size:
        t, pos = _py_varint(head, pos)
        types.append(t)
        offsets.append(at)
        at += _serial_size(t)
    return _Layout(types, offsets, at)


def _int_column(buf, record, pattern, layouts, col) -> Column:
    types: Any  # the serial types as a tuple, then as an int64 array
    types, offsets = zip(*(lay.of(col) for lay in layouts))
    for t in types:
        if t == 7 or t >= 10:
            raise Unsupported("a real, text or blob value in an integer column")
    types = np.array(types, dtype=np.int64)
    const = np.isin(types, (0, 8, 9))
    null = types == 0
    if const.all():
        values = (types == 9).astype(np.int64)[pattern]
        return Column(values, null[pattern] if null.any() else None)
    size = np.array([_INT_SIZES[t] for t in types.tolist()], dtype=np.int64)
    # A value of n bytes, read as the top n of 8 big-endian bytes, sign-extends when shifted
    # down by 64 - 8n (types 1-6: 1, 2, 3, 4, 6 and 8 bytes, two's complement).
    shift = np.where(const, 0, 64 - 8 * size)
    eight = np.ndarray((len(buf) - 7,), dtype=">i8", buffer=buf, strides=(1,))
    values = eight[record + _per_row(np.array(offsets, dtype=np.int64), pattern)].astype(np.int64)
    values >>= _per_row(shift, pattern)
    if const.any():
        is_const = const[pattern]
        values[is_const] = (types == 9)[pattern][is_const]
    return Column(values, null[pattern] if null.any() else None)


def _per_row(table: np.ndarray, pattern: np.ndarray):
    """A pattern's value for each row; a scalar when every pattern has the same (the columns
    in front of the first variable-size one start at the same offset in every row)."""
    return int(table[0]) if (table == table[0]).all() else table[pattern]


def _text_column(buf, record, pattern, layouts, col) -> Column:
    types: Any  # the serial types as a tuple, then as an int64 array
    types, offsets = zip(*(lay.of(col) for lay in layouts))
    for t in types:
        if t != 0 and (t < 13 or t % 2 == 0):
            raise Unsupported("a number or blob in a text column")
    types = np.array(types, dtype=np.int64)
    length = np.where(types == 0, 0, (types - 13) // 2)[pattern]
    start = record + np.array(offsets, dtype=np.int64)[pattern]
    positions = np.zeros(len(record), dtype=np.int64)
    texts = [""]
    # Interned: each distinct text is decoded once (texts of one length compared as bytes).
    # The rows grouped by length with one sort: a pass over every row per distinct length
    # made thousands of lengths (names of 1-3000 characters) 14x slower than SQLite.
    order = np.argsort(length, kind="stable")
    few = []
    for rows in np.split(order, np.flatnonzero(np.diff(length[order])) + 1):
        n = int(length[rows[0]]) if len(rows) else 0
        if n == 0:
            continue
        if len(rows) < _FEW_ROWS:     # numpy's calls cost more than a row at a time
            few.append(rows)
            continue
        index, first, raw = _distinct_bytes(buf, start[rows], n)
        positions[rows] = index + len(texts)
        texts.extend(_utf8(raw[first], n))
    if few:
        rows = np.concatenate(few)
        positions[rows] = _one_by_one(buf, start[rows], length[rows], texts)
    null = (types == 0)[pattern]
    return Column(positions, null if null.any() else None, np.array(texts, dtype=object))


def _one_by_one(buf: np.ndarray, start: np.ndarray, length: np.ndarray,
                texts: list[str]) -> list[int]:
    """Texts at ``start`` of ``length`` bytes, interned in Python (a dict of their bytes):
    each row's position in ``texts``, which gains the texts not yet in it."""
    view = memoryview(buf)  # type: ignore[arg-type]  # numpy's stubs: __buffer__ only for 3.12+
    seen: dict[bytes, int] = {}
    out = []
    for at, n in zip(start.tolist(), length.tolist()):
        raw = view[at:at + n].tobytes()
        pos = seen.get(raw)
        if pos is None:
            pos = seen[raw] = len(texts)
            texts.append(raw.decode("utf-8", "replace"))
        out.append(pos)
    return out


def _utf8(raw: np.ndarray, n: int) -> list[str]:
    """Rows of ``n`` bytes as text. ASCII (most names) is decoded in one call and sliced, a
    byte being a character; other UTF-8 row by row (invalid bytes replaced, as before)."""
    if len(raw) and (raw < 0x80).all():
        text = raw.tobytes().decode("ascii")
        return [text[i:i + n] for i in range(0, len(text), n)]
    return [row.tobytes().decode("utf-8", "replace") for row in raw]
