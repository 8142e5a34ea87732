"""The page reader (trtprof/parsers/nsys/pages.py) gives what SQLite gives, or says it cannot."""

import lzma
import random
import sqlite3

import numpy as np
import pytest

from conftest import SAMPLES, need_realdata, real_nsys_exports
from trtprof.parsers.nsys import columns as nsys_columns
from trtprof.parsers.nsys import pages as sqlite_pages
from trtprof.parsers.nsys.columns import Reader, connect_readonly

BIG_TABLES = ("CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_RUNTIME", "NVTX_EVENTS")


def _via_pages(path, table, ints, text=None, nulls=()):
    con = connect_readonly(path)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    ncols = len(con.execute(f"PRAGMA table_info({table})").fetchall())
    con.close()
    chunks = list(sqlite_pages.read_table(path, root, ncols, ints, text, nulls))
    out = {}
    for col in [*ints, *([text] if text is not None else []), *nulls]:
        parts = [c[col] for c in chunks]
        values = (np.concatenate([p.values if p.texts is None else p.texts[p.values]
                                  for p in parts]) if parts and parts[0].values is not None
                  else None)
        null = np.concatenate([p.null if p.null is not None else np.zeros(len(p.notnull()), bool)
                               for p in parts]) if parts else np.zeros(0, bool)
        out[col] = (values, null)
    return out


def _same_as_sqlite(path, table) -> bool:
    """Every integer column (but a rowid alias) and the first text column of ``table``, read
    from the pages, equal what SQLite returns; False when the reader declines the table."""
    con = connect_readonly(path)
    info = con.execute(f"PRAGMA table_info({table})").fetchall()
    ints = [i for i, r in enumerate(info) if "INT" in (r[2] or "").upper() and not r[5]]
    texts = [i for i, r in enumerate(info) if "TEXT" in (r[2] or "").upper()][:1]
    cols = ints + texts
    if not cols:
        return True
    rows = con.execute(f"SELECT {', '.join(chr(34) + info[i][1] + chr(34) for i in cols)} "
                       f"FROM {table} ORDER BY rowid").fetchall()
    con.close()
    try:
        got = _via_pages(path, table, ints, texts[0] if texts else None)
    except sqlite_pages.Unsupported:
        return False
    for k, col in enumerate(cols):
        values, null = got[col]
        want = [r[k] for r in rows]
        assert null.tolist() == [v is None for v in want], (table, info[col][1])
        blank = "" if col in texts else 0
        assert values.tolist() == [blank if v is None else v for v in want], (table, info[col][1])
    return True


def _tables(path):
    con = connect_readonly(path)
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    con.close()
    return names


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.sqlite")), ids=lambda p: p.name)
def test_every_table_of_the_samples(path):
    read = [t for t in _tables(path) if _same_as_sqlite(path, t)]
    assert set(BIG_TABLES) <= set(read)


def test_every_table_of_the_real_exports():
    need_realdata()
    exports = real_nsys_exports()
    assert exports
    for path in exports:
        read = {t for t in _tables(path) if _same_as_sqlite(path, t)}
        assert set(BIG_TABLES) & set(_tables(path)) <= read, path.name


def test_h100_captures(tmp_path):
    for packed in sorted((SAMPLES / "h100").glob("*.sqlite.xz")):
        path = tmp_path / packed.name.removesuffix(".xz")
        path.write_bytes(lzma.decompress(packed.read_bytes()))
        read = {t for t in _tables(path) if _same_as_sqlite(path, t)}
        assert set(BIG_TABLES) & set(_tables(path)) <= read, packed.name


def _make(path, rows, schema="a INTEGER, b INTEGER, c TEXT, d INTEGER", page_size=4096):
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA page_size = {page_size}")
    con.execute(f"CREATE TABLE t ({schema})")
    marks = ", ".join("?" * len(rows[0]))
    con.executemany(f"INSERT INTO t VALUES ({marks})", rows)
    con.commit()
    con.close()
    return path


# Every integer size SQLite stores (1, 2, 3, 4, 6, 8 bytes, and the 0 and 1 constants), signs,
# NULLs, empty and long texts (a serial type of two bytes from 58 bytes on), non-ASCII text.
EDGE_INTS = [0, 1, -1, 2, 127, -128, 128, 255, 32767, -32768, 32768, 2**23 - 1, -2**23, 2**23,
             2**31 - 1, -2**31, 2**31, 2**47 - 1, -2**47, 2**47, 2**63 - 1, -2**63, None]
EDGE_TEXTS = [None, "", "a", "conv1 + relu", "x" * 57, "y" * 58, "z" * 300, "ünïcødé ✓", "a\tb"]


@pytest.mark.parametrize("page_size", [512, 4096, 65536])
def test_every_integer_size_and_text(tmp_path, page_size):
    rng = random.Random(page_size)
    rows = [(rng.choice(EDGE_INTS), rng.choice(EDGE_INTS), rng.choice(EDGE_TEXTS),
             rng.choice(EDGE_INTS)) for _ in range(5000)]
    path = _make(tmp_path / "t.sqlite", rows, page_size=page_size)
    assert _same_as_sqlite(path, "t")


def test_deep_trees_and_small_chunks(tmp_path, monkeypatch):
    # 512-byte pages and 100k rows: a b-tree three levels deep; chunks of 7 leaf pages.
    rows = [(i, i * 7919 % 1000003, f"r{i % 13}", -i) for i in range(100_000)]
    path = _make(tmp_path / "t.sqlite", rows, page_size=512)
    monkeypatch.setattr(sqlite_pages, "_CHUNK_PAGES", 7)
    assert _same_as_sqlite(path, "t")


def test_many_record_patterns(tmp_path):
    # Six columns of random sizes: hundreds of distinct record headers, past the peeling of
    # the few common ones into the sort.
    rng = random.Random(1)
    sizes = [0, 1, 200, 40000, 2**20, 2**40, None]
    rows = [tuple(rng.choice(sizes) for _ in range(6)) for _ in range(20000)]
    path = _make(tmp_path / "t.sqlite", rows, schema=", ".join(f"c{i} INTEGER" for i in range(6)))
    assert _same_as_sqlite(path, "t")


def test_distinct_matches_unique():
    rng = np.random.default_rng(3)
    for n_keys in (1, 5, 31, 32, 33, 200):
        key = rng.integers(0, n_keys, 5000).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        index, first = sqlite_pages._distinct(key)
        assert (key[first][index] == key).all()
        assert len(np.unique(key[first])) == len(first) == n_keys
        # each the key's first row
        assert [int(np.flatnonzero(key == key[f])[0]) for f in first] == first.tolist()


def test_varints_match_python():
    rng = np.random.default_rng(5)
    values = [0, 1, 127, 128, 16383, 16384, 2**21, 2**28, 2**35, 2**49, 2**56 - 1, 2**56,
              2**63 - 1] + rng.integers(0, 2**62, 200).tolist()
    blob, pos = b"", []
    for v in values:
        pos.append(len(blob))
        blob += _encode_varint(v)
    buf = np.frombuffer(blob + bytes(16), dtype=np.uint8)
    got, length = sqlite_pages._varint(buf, np.array(pos, dtype=np.int64))
    assert got.tolist() == values
    assert length.tolist() == [len(_encode_varint(v)) for v in values]
    assert sqlite_pages._varint_length(buf, np.array(pos, dtype=np.int64)).tolist() == \
        length.tolist()
    assert [sqlite_pages._py_varint(blob, p)[0] for p in pos] == values


def _encode_varint(v: int) -> bytes:
    """SQLite's varint encoding (the reference for the decoder under test)."""
    if v > 0x00FFFFFFFFFFFFFF:
        out = [v & 0xFF]
        v >>= 8
        for _ in range(8):
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        return bytes(reversed(out))
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    return bytes(reversed(out))


@pytest.mark.parametrize("case, rows, schema", [
    ("overflow", [(1, "x" * 5000)], "a INTEGER, b TEXT"),
    ("real in an integer column", [(1, 2.5)], "a INTEGER, b INTEGER"),
    ("text in an integer column", [(1, "7x")], "a INTEGER, b INTEGER"),
    ("blob in a text column", [(1, b"\x00\x01")], "a INTEGER, b TEXT"),
])
def test_what_it_declines(tmp_path, case, rows, schema):
    path = _make(tmp_path / "t.sqlite", rows, schema=schema)
    with pytest.raises(sqlite_pages.Unsupported):
        text = 1 if "TEXT" in schema else None
        _via_pages(path, "t", [0] if text else [0, 1], text)


def test_declines_a_column_added_later_and_tables_without_rowid(tmp_path):
    path = _make(tmp_path / "t.sqlite", [(1, 2)], schema="a INTEGER, b INTEGER")
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE t ADD COLUMN c INTEGER DEFAULT 5")
    con.execute("CREATE TABLE w (k INTEGER PRIMARY KEY, v INTEGER) WITHOUT ROWID")
    con.execute("INSERT INTO w VALUES (1, 2)")
    con.commit()
    con.close()
    with pytest.raises(sqlite_pages.Unsupported):
        _via_pages(path, "t", [2])
    assert _via_pages(path, "t", [0, 1])[1][0].tolist() == [2]
    with pytest.raises(sqlite_pages.Unsupported):
        _via_pages(path, "w", [1])


def test_reader_falls_back_to_sqlite(tmp_path):
    # A real in an integer column: the page reader declines, SQLite reads the rest and reports
    # the value it cannot parse, as before the page reader existed.
    path = _make(tmp_path / "t.sqlite", [(1, 2), (3, 4.5)], schema="a INTEGER, b INTEGER")
    rd = Reader(path)
    cols, _ = rd.ints("t", {"a": ("a", 0)})
    assert cols["a"].tolist() == [1, 3]
    with pytest.raises(sqlite3.DatabaseError):
        rd.ints("t", {"b": ("b", 0)})
    rd.close()


def _nvtx_rows():
    """Ranges that count and ranges that do not: other event types, no end, ending on another
    thread, NULL end thread, inline texts and registered ids, a domain."""
    t1, t2 = (1 << 24) * 77 + 1, (1 << 24) * 77 + 2
    rows = [(0, None, 75, None, t1, None, None, 5)]   # domain creation
    for i in range(3000):
        kind = (59, 60, 70, 71, 34, 75)[i % 6]
        end = None if i % 17 == 0 else 100 * i + 50
        end_tid = (None, t1, t2)[i % 3]
        text = f"layer {i % 9}" if i % 4 == 0 else None
        text_id = None if text else i % 7 + 1
        rows.append((100 * i, end, kind, text, (t1, t2)[i % 2], end_tid, text_id, i % 2 * 5))
    return rows


def test_nvtx_filter_matches_sql(tmp_path):
    con = sqlite3.connect(tmp_path / "n.sqlite")
    con.execute("CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType INTEGER "
                "NOT NULL, text TEXT, globalTid INTEGER, endGlobalTid INTEGER, textId INTEGER, "
                "domainId INTEGER)")
    con.executemany("INSERT INTO NVTX_EVENTS VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _nvtx_rows())
    con.commit()
    con.close()
    got = {}
    for pages in (True, False):
        rd = Reader(tmp_path / "n.sqlite")
        rd.use_pages = pages
        got[pages] = nsys_columns.nvtx_columns(rd)
        rd.close()
    (c1, t1), (c2, t2) = got[True], got[False]
    assert len(c1["start"]) > 500
    for key in ("start", "end", "tid", "domain_id", "text_id", "has_text", "pid"):
        assert np.array_equal(c1[key], c2[key]), key
    assert t1[0][t1[1]].tolist() == t2[0][t2[1]].tolist()
    assert c1["domain"][0].tolist() == c2["domain"][0].tolist()
    assert np.array_equal(c1["domain"][1], c2["domain"][1])


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.sqlite")), ids=lambda p: p.name)
def test_reader_columns_same_both_ways(path):
    got = {}
    for pages in (True, False):
        rd = Reader(path)
        rd.use_pages = pages
        got[pages] = [nsys_columns.kernel_columns(rd)[0], nsys_columns.api_columns(rd),
                      nsys_columns.nvtx_columns(rd)[0]]
        rd.close()
    for a, b in zip(got[True], got[False]):
        assert a.keys() == b.keys()
        for key in a:
            assert _equal(a[key], b[key]), key


def _equal(x, y) -> bool:
    if isinstance(x, tuple):   # interned: (distinct values, positions)
        return all(_equal(u, v) for u, v in zip(x, y))
    return np.array_equal(x, y)


def test_nvtx_frame_same_both_ways(tmp_path, monkeypatch):
    # Inline texts and registered names mixed, read from the pages and through SQLite: one
    # frame.
    from trtprof.parsers.nsys.export import read_nsys_sqlite
    path = tmp_path / "n.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType INTEGER "
                "NOT NULL, text TEXT, globalTid INTEGER, endGlobalTid INTEGER, textId INTEGER, "
                "domainId INTEGER)")
    con.executemany("INSERT INTO NVTX_EVENTS VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _nvtx_rows())
    con.execute("CREATE TABLE StringIds (id INTEGER PRIMARY KEY, value TEXT NOT NULL)")
    con.executemany("INSERT INTO StringIds VALUES (?, ?)",
                    [(i, f"registered {i}") for i in range(1, 6)])   # ids 6 and 7 unknown
    con.commit()
    con.close()
    frames = []
    for pages in (True, False):
        monkeypatch.setattr(Reader, "use_pages", pages)
        frames.append(read_nsys_sqlite(path).nvtx)
    names = set(frames[0]["name"].astype(str))
    assert {"layer 0", "registered 1", ""} <= names
    for other in frames[1:]:
        assert frames[0].equals(other)


def _both_ways(path, table, wanted, where=None):
    """``Reader.ints`` from the pages and through SQLite (the fallback): (pages, sqlite)."""
    got = []
    for pages in (True, False):
        rd = Reader(path)
        rd.use_pages = pages
        got.append(rd.ints(table, wanted, where)[0])
        rd.close()
    return got


@pytest.mark.parametrize("shadow", [["rowid"], ["rowid", "_rowid_", "oid"]])
def test_a_column_named_rowid_is_not_the_rowid(tmp_path, shadow):
    """A user column named ``rowid`` (NULL or repeated values, the real rowids far apart and
    inserted out of order): the fallback must order by a name that still means the rowid, and
    keep every row; with all three names taken, by the plain scan's order."""
    con = sqlite3.connect(tmp_path / "r.sqlite")
    con.execute(f"CREATE TABLE t ({', '.join(f'{n} INTEGER' for n in shadow)}, a INTEGER)")
    keys = [9, 2, 2**40, 5, 1]
    fake = ", ".join("?" * len(shadow))
    for i, key in enumerate(keys):
        if len(shadow) == 1:      # the real rowid set through _rowid_, the user's rowid odd
            con.execute(f"INSERT INTO t (_rowid_, rowid, a) VALUES (?, ?, ?)",
                        (key, None if i % 2 else 7, key))
        else:                     # no name left for the real rowid: it counts up from 1
            con.execute(f"INSERT INTO t VALUES ({fake}, ?)", (*[-key] * len(shadow), key))
    con.commit()
    con.close()
    by_pages, by_sql = _both_ways(tmp_path / "r.sqlite", "t", {"a": ("a", 0)})
    assert by_sql["a"].tolist() == by_pages["a"].tolist()
    assert by_sql["a"].tolist() == (sorted(keys) if len(shadow) == 1 else keys)


def test_fallback_keeps_rowid_order_when_an_index_covers_the_filter(tmp_path):
    """An index on the filtered column: SQLite would return rows in the index's order; the
    page reader gives rowid order, and the two ways must agree (ties in later sorts keep it)."""
    con = sqlite3.connect(tmp_path / "i.sqlite")
    con.execute("CREATE TABLE t (a INTEGER, b INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(100 - i, i) for i in range(100)])
    con.execute("CREATE INDEX ta ON t (a)")
    con.commit()
    con.close()
    where = nsys_columns.RowFilter("a > 10", ("a",), lambda c: c["a"].values > 10)
    by_pages, by_sql = _both_ways(tmp_path / "i.sqlite", "t", {"b": ("b", 0)}, where)
    assert by_sql["b"].tolist() == by_pages["b"].tolist() == list(range(90))


def test_far_rowid_reads_at_once_both_ways(tmp_path):
    """Rowids 1..n and one near 2**62: sizing rowid windows by the span ran practically
    forever; the reads must take no longer than for dense rowids."""
    import time
    con = sqlite3.connect(tmp_path / "f.sqlite")
    con.execute("CREATE TABLE t (a INTEGER, b INTEGER)")
    con.executemany("INSERT INTO t (rowid, a, b) VALUES (?, ?, ?)",
                    [(i, i, 2 * i) for i in range(1, 5001)] + [(2**62, -1, -2)])
    con.commit()
    con.close()
    t0 = time.perf_counter()
    by_pages, by_sql = _both_ways(tmp_path / "f.sqlite", "t", {"a": ("a", 0), "b": ("b", 0)})
    assert time.perf_counter() - t0 < 10
    assert by_sql["a"].tolist() == by_pages["a"].tolist() == [*range(1, 5001), -1]


@pytest.mark.parametrize("decl", ["start INTEGER PRIMARY KEY, end INTEGER",
                                  "start INTEGER, end INTEGER, PRIMARY KEY (start)"])
def test_integer_primary_key_on_start_is_read_from_the_pages(tmp_path, decl):
    """``start`` as the INTEGER PRIMARY KEY is the rowid (NULL in the record): the page reader
    declined it, so the whole table went through SQLite (8x slower). Now it reads the key."""
    con = sqlite3.connect(tmp_path / "k.sqlite")
    con.execute(f"CREATE TABLE t ({decl})")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(s * 10, s * 10 + 3) for s in range(3000)]
                    + [(-5, 1), (2**62, 2**62 + 1)])
    con.commit()
    con.close()
    rd = Reader(tmp_path / "k.sqlite")
    wanted = {"start": ("start", 0), "end": ("end", 0), "has": ("(start IS NOT NULL)", 0)}
    by_pages = rd._page_ints("t", wanted, None, None)[0]      # raises if it declines
    rd.close()
    by_sql = _both_ways(tmp_path / "k.sqlite", "t", wanted)[1]
    for key in wanted:
        assert by_pages[key].tolist() == by_sql[key].tolist(), key
    assert by_pages["start"][:2].tolist() == [-5, 0]


def test_integer_primary_key_desc_is_not_the_rowid(tmp_path):
    """``INTEGER PRIMARY KEY DESC`` is an ordinary column (SQLite's quirk): its values are in
    the record, never the cell's key."""
    con = sqlite3.connect(tmp_path / "d.sqlite")
    con.execute("CREATE TABLE t (start INTEGER PRIMARY KEY DESC, end INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(s * 10, s) for s in range(50)])
    con.commit()
    con.close()
    by_pages, by_sql = _both_ways(tmp_path / "d.sqlite", "t", {"start": ("start", 0)})
    assert by_pages["start"].tolist() == by_sql["start"].tolist()
    assert sorted(by_sql["start"].tolist()) == [s * 10 for s in range(50)]


def test_null_start_is_an_error_both_ways(tmp_path):
    """A kernel whose start or end is NULL (a damaged record header reads so) has no time:
    read as 0 it was a kernel of seconds, exit 0 (benchmarks/fuzz_sqlite.py)."""
    con = sqlite3.connect(tmp_path / "n.sqlite")
    con.execute("CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER, end INTEGER, "
                "correlationId INTEGER, shortName INTEGER)")
    con.executemany("INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (?, ?, ?, ?)",
                    [(10 * i, 10 * i + 5, i, 1) for i in range(200)] + [(None, 7, 9, 1)])
    con.commit()
    con.close()
    for pages in (True, False):
        rd = Reader(tmp_path / "n.sqlite")
        rd.use_pages = pages
        with pytest.raises(sqlite3.DatabaseError, match="start is NULL in 1 rows"):
            nsys_columns.kernel_columns(rd)
        rd.close()


def test_many_distinct_texts_of_many_lengths(tmp_path):
    """Thousands of distinct lengths (few rows each: decoded one by one) and lengths shared by
    many distinct texts (hashed in numpy): each text as SQLite reads it. Before, a pass over
    every row per distinct length made such tables 14x slower than SQLite."""
    rnd = random.Random(5)
    rows = []
    for i in range(6000):
        n = rnd.choice((200, 200, 201, rnd.randint(1, 3000)))
        body = f"{i:06d}" + "".join(rnd.choice("abcé\x00z") for _ in range(n))
        rows.append((i, body[:n] if i % 7 else f"dup {i % 5}"))
    path = _make(tmp_path / "t.sqlite", rows, schema="a INTEGER, b TEXT", page_size=65536)
    assert _same_as_sqlite(path, "t")


def test_a_hash_collision_declines(tmp_path, monkeypatch):
    """Every key the same (multipliers all 0): rows are checked against the first row of their
    key, so distinct texts are never merged; the table is declined instead."""
    path = _make(tmp_path / "t.sqlite", [(i, f"text {i:04d}") for i in range(500)],
                 schema="a INTEGER, b TEXT")
    monkeypatch.setattr(sqlite_pages, "_MULTIPLIERS", np.zeros(9000, dtype=np.uint64))
    with pytest.raises(sqlite_pages.Unsupported, match="hash collision"):
        _via_pages(path, "t", [0], 1)
