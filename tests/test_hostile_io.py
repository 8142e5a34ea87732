"""Damaged and hostile inputs and outputs (issue: damaged, unusual and hostile inputs): never
a traceback, never a clobbered input, never a confident answer from a half-written database."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import SAMPLES, run_subprocess
from test_bad_input import _assert_clean_error

PROFILE = [{"count": 10}, {"name": "conv", "timeMs": 1.0, "averageMs": 0.1, "percentage": 100}]


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "t.sqlite"
    shutil.copy(SAMPLES / "clean_fp16.sqlite", path)
    return path


@pytest.mark.parametrize("how", ["same", "dot", "symlink", "hardlink"])
def test_outputs_never_overwrite_an_input(tmp_path, sample, how):
    before = sample.read_bytes()
    target = {"same": str(sample), "dot": str(tmp_path / "." / "t.sqlite")}.get(how)
    if how == "symlink":
        target = str(tmp_path / "link.json")
        os.symlink(sample, target)
    elif how == "hardlink":
        target = str(tmp_path / "hard.json")
        os.link(sample, target)
    for flag in ("--save", "--html", "-o"):
        args = [flag, target] + (["--format", "json"] if flag == "-o" else [])
        res = run_subprocess("analyze", sample, *args, "--no-progress")
        _assert_clean_error(res, "refusing to write over the input")
    assert sample.read_bytes() == before
    res = run_subprocess("compare", sample, sample, "-o", target)
    _assert_clean_error(res, "refusing to write over the input")
    assert sample.read_bytes() == before


def test_output_directory_is_created_or_named(tmp_path, sample):
    out = tmp_path / "new" / "deeper" / "r.json"
    res = run_subprocess("analyze", sample, "--save", out, "--no-progress")
    assert res.returncode == 0 and json.loads(out.read_text())["schema_version"]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = run_subprocess("analyze", sample, "--html", blocker / "r.html", "--no-progress")
    _assert_clean_error(res, "cannot write")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_input_is_refused_not_read(tmp_path):
    fifo = tmp_path / "in.log"
    os.mkfifo(fifo)
    res = run_subprocess("analyze", fifo, timeout=30)
    _assert_clean_error(res, "is a FIFO")


def test_newline_in_a_file_name_keeps_one_line(tmp_path):
    odd = tmp_path / "bad\nname.json"
    odd.write_text("{")
    res = run_subprocess("analyze", odd)
    _assert_clean_error(res, "bad\\nname.json")


@pytest.mark.parametrize("side", ["-wal", "-journal"])
def test_database_mid_transaction_is_refused(sample, side):
    side_file = sample.with_name(sample.name + side)
    side_file.write_bytes(b"\x37\x7f\x06\x82" + b"\0" * 28)   # not empty: a writer left state
    res = run_subprocess("analyze", sample, "--no-progress")
    _assert_clean_error(res, f"non-empty t.sqlite{side}")
    side_file.write_bytes(b"")                                  # an empty one is harmless
    assert run_subprocess("analyze", sample, "--no-progress").returncode == 0


@pytest.mark.parametrize("text, says", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('[{"count": ' + "9" * 5000 + "}]", "cannot read"),
    ('[{"count": 10}, {"name": "conv", "timeMs": NaN, "averageMs": 0.1}]', "NaN"),
    ('[{"count": 10}, {"name": "conv", "timeMs": Infinity, "averageMs": 0.1}]', "Infinity"),
])
def test_hostile_json_is_a_clean_error(tmp_path, text, says):
    path = tmp_path / "p.json"
    path.write_text(text)
    res = run_subprocess("analyze", path, "--format", "json")
    _assert_clean_error(res, says)


def test_wal_mode_database_reads_after_checkpoint(tmp_path, sample):
    """A database in WAL mode whose writer closed cleanly (checkpointed, -wal removed) reads."""
    con = sqlite3.connect(sample)
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    assert not sample.with_name(sample.name + "-wal").exists()
    assert run_subprocess("analyze", sample, "--no-progress").returncode == 0


def _kernel_leaves(path):
    from trtprof.parsers.nsys import pages
    con = sqlite3.connect(path)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = "
                       "'CUPTI_ACTIVITY_KIND_KERNEL'").fetchone()[0]
    con.close()
    psize = pages.page_size(path)[0]
    with open(path, "rb") as fh:
        return psize, pages._leaf_pages(fh, root, psize).tolist()


def _sqlite_view(path) -> int | None:
    """How many kernels SQLite itself reads, or None when it calls the file malformed."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        return con.execute("SELECT COUNT(*) FROM CUPTI_ACTIVITY_KIND_KERNEL").fetchone()[0]
    except sqlite3.DatabaseError:
        return None


@pytest.mark.parametrize("damage", ["zero cells", "self loop", "child page 0",
                                    "interior typed as leaf", "header varint past its end"])
def test_damaged_btree_never_gives_fewer_rows_than_sqlite(tmp_path, damage):
    from trtprof.parsers.nsys import pages
    from trtprof.testing import synth
    path = tmp_path / "big.sqlite"
    synth.write_trace(synth.clean_fp16(iterations=200), path)
    psize, leaves = _kernel_leaves(path)
    assert len(leaves) > 2
    con = sqlite3.connect(path)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = "
                       "'CUPTI_ACTIVITY_KIND_KERNEL'").fetchone()[0]
    con.close()
    data = bytearray(path.read_bytes())
    at = (root - 1) * psize
    if damage == "zero cells":
        at = (leaves[1] - 1) * psize
        data[at + 3:at + 5] = b"\0\0"
    elif damage == "self loop":        # the root's right-most child points back at the root
        data[at + 8:at + 12] = root.to_bytes(4, "big")
    elif damage == "child page 0":
        data[at + 8:at + 12] = bytes(4)
    elif damage == "interior typed as leaf":
        data[at] = 13
    else:   # the last serial type of a record header runs on into the values (0x80 bit)
        page = (leaves[0] - 1) * psize
        cell = page + int.from_bytes(data[page + 8:page + 10], "big")
        record = pages._py_varint(bytes(data), pages._py_varint(bytes(data), cell)[1])[1]
        data[record + data[record] - 1] |= 0x80
    path.write_bytes(bytes(data))
    res = run_subprocess("analyze", path, "--format", "json", "--no-progress", timeout=120)
    want = _sqlite_view(path)
    if want is None:        # SQLite calls it malformed: so must we (before: exit 0, rows lost)
        _assert_clean_error(res, "big.sqlite")
    elif res.returncode == 0:
        report = json.loads(res.stdout)
        assert report["metrics"]["kernel_count"] + report["window"]["excluded_kernels"] == want
    else:
        _assert_clean_error(res, "big.sqlite")


@pytest.mark.parametrize("kind", ["STORED", "VIRTUAL"])
def test_generated_columns_do_not_shift_the_kernel_columns(tmp_path, kind):
    """A generated column before the real ones: table_info leaves it out, but a STORED one is
    in every record; reading by table_info positions gave 0 kernels."""
    plain = tmp_path / "plain.sqlite"
    shutil.copy(SAMPLES / "clean_fp16.sqlite", plain)
    odd = tmp_path / "odd.sqlite"
    shutil.copy(plain, odd)
    con = sqlite3.connect(odd)
    t = "CUPTI_ACTIVITY_KIND_KERNEL"
    cols = [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
    decl = ", ".join(f"{c} {r[2]}" for c, r in zip(cols, con.execute(f"PRAGMA table_info({t})")))
    first, rest = decl.split(", ", 1)
    con.executescript(
        f"ALTER TABLE {t} RENAME TO old_k;"
        f"CREATE TABLE {t} ({first}, gen INTEGER GENERATED ALWAYS AS (start + 1) {kind}, {rest});"
        f"INSERT INTO {t} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM old_k;"
        "DROP TABLE old_k;")
    con.execute(f"ALTER TABLE {t} ADD COLUMN later INTEGER")
    con.commit()
    con.close()

    def metrics(path):
        res = run_subprocess("analyze", path, "--format", "json", "--no-progress")
        assert res.returncode == 0, res.stderr
        m = json.loads(res.stdout)["metrics"]
        return m["kernel_count"], m["kernel_time_ns"], m["gemm_share"]
    assert metrics(odd) == metrics(plain)


@pytest.mark.parametrize("compress", ["xz", "gzip"])
def test_errors_name_the_compressed_file_not_a_temporary_one(tmp_path, compress):
    import gzip
    import lzma
    raw = (SAMPLES / "clean_fp16.sqlite").read_bytes()[:100_000]     # a truncated export
    opener = lzma.open if compress == "xz" else gzip.open
    path = tmp_path / f"t.sqlite.{'xz' if compress == 'xz' else 'gz'}"
    with opener(path, "wb") as fh:
        fh.write(raw)
    res = run_subprocess("analyze", path, "--no-progress")
    _assert_clean_error(res, str(path))
    assert "trtprof-" not in res.stderr and "(decompressed)" in res.stderr


def _unprivileged() -> list[str]:
    """A command prefix under which permission bits apply: none when not root; as root, the
    capabilities that bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) dropped through
    setpriv. Skips where neither is possible."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("root without setpriv: permission bits do not apply")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"]


def test_input_in_a_directory_that_cannot_be_searched(tmp_path):
    """chmod 000 on the input's directory: Path.exists() raised PermissionError (exit 3)."""
    prefix = _unprivileged()
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(SAMPLES / "clean_fp16.sqlite", locked / "t.sqlite")
    locked.chmod(0)
    try:
        for cmd in (["analyze"], ["compare", SAMPLES / "clean_fp16.sqlite"]):
            res = subprocess.run([*prefix, "trtprof", *map(str, cmd), str(locked / "t.sqlite")],
                                 capture_output=True, text=True)
            _assert_clean_error(res, "cannot read: Permission denied")
    finally:
        locked.chmod(0o755)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("args", [["--format", "json"], [], ["--save", "/dev/full"]])
def test_full_disk_under_the_output_is_a_clean_error(args):
    """stdout on a full disk: the buffered write failed in the final flush (exit 0, nothing
    written) or inside click.echo (exit 3)."""
    with open("/dev/full", "w") as full:
        res = subprocess.run(["trtprof", "analyze", str(SAMPLES / "clean_fp16.sqlite"),
                              "--no-progress", *args], stdout=full, stderr=subprocess.PIPE,
                             text=True)
    _assert_clean_error(res, "No space left on device")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_full_disk_under_version_output():
    with open("/dev/full", "w") as full:
        res = subprocess.run(["trtprof", "--version"], stdout=full, stderr=subprocess.PIPE,
                             text=True)
    _assert_clean_error(res, "No space left on device")


def test_output_into_an_unwritable_directory(tmp_path, sample):
    prefix = _unprivileged()
    closed = tmp_path / "closed"
    closed.mkdir()
    closed.chmod(0o555)
    try:
        for flag in ("--save", "--html"):
            res = subprocess.run([*prefix, "trtprof", "analyze", str(sample), "--no-progress",
                                  flag, str(closed / "r.out")], capture_output=True, text=True)
            _assert_clean_error(res, "cannot write: Permission denied")
    finally:
        closed.chmod(0o755)


def test_record_header_damage_that_reads_start_as_null(tmp_path, sample):
    """One serial-type byte of a kernel record set to 0: SQLite reads that kernel's start as
    NULL (and its other columns shifted); 0 in its place gave exit 0 and 4 s more GPU time."""
    from trtprof.parsers.nsys import pages
    psize, leaves = _kernel_leaves(sample)
    data = bytearray(sample.read_bytes())
    page = (leaves[0] - 1) * psize
    cell = page + int.from_bytes(data[page + 8:page + 10], "big")
    at = cell
    for _ in range(2):                          # the payload size and rowid varints
        at = pages._py_varint(bytes(data), at)[1]
    assert data[at] < 0x80 and data[at + 1] not in (0, 8, 9)   # header size, start's type
    data[at + 1] = 0
    sample.write_bytes(bytes(data))
    res = run_subprocess("analyze", sample, "--format", "json", "--no-progress")
    _assert_clean_error(res, "start is NULL in 1 rows")


def test_error_messages_quoting_sqlite_stay_on_one_line():
    """SQLite's 'malformed database schema' error quotes the damaged CREATE statement, newlines
    included: the message was several lines."""
    from trtprof.errors import InputError
    err = InputError("cannot read (malformed database schema (T) - unrecognized token: "
                     "\"'TABLE T (\n    -- labels\n\n    id INTEGER\x1c)\")", path="a.sqlite")
    assert len(str(err).splitlines()) == 1 and str(err).isprintable()
    assert "'TABLE T ( -- labels id INTEGER )" in str(err)   # \x1c is whitespace too


def test_wal_with_committed_transactions_is_refused(tmp_path, sample):
    """A writer in WAL mode that has committed but not checkpointed: the rows are only in the
    -wal file, which immutable reading ignores (it would report the old contents)."""
    con = sqlite3.connect(sample)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("DELETE FROM CUPTI_ACTIVITY_KIND_KERNEL WHERE rowid % 2 = 0")
    con.commit()
    try:
        assert sample.with_name(sample.name + "-wal").stat().st_size > 0
        res = run_subprocess("analyze", sample, "--no-progress")
        _assert_clean_error(res, "non-empty t.sqlite-wal")
    finally:
        con.close()


def test_hot_journal_is_refused(tmp_path, sample):
    """A writer killed mid-transaction leaves a hot -journal: the main file holds half-written
    pages that SQLite would roll back; read as they are, they would be a wrong answer."""
    script = ("import sqlite3, os, sys; con = sqlite3.connect(sys.argv[1]); "
              "con.execute('PRAGMA cache_size=1'); con.execute('BEGIN'); "
              "con.execute('UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET start = start + 1'); "
              "os._exit(0)")
    subprocess.run([sys.executable, "-c", script, str(sample)], check=True)
    assert sample.with_name(sample.name + "-journal").stat().st_size > 0
    res = run_subprocess("analyze", sample, "--no-progress")
    _assert_clean_error(res, "non-empty t.sqlite-journal")


def test_virtual_kernel_table_with_root_page_0(tmp_path, sample):
    """A virtual table has root page 0 in sqlite_master: the page reader must not walk it, and
    what SQLite reads from it (here: real coordinates of an R*Tree) gives SQLite's answer or a
    clean refusal."""
    con = sqlite3.connect(sample)
    con.executescript("DROP TABLE CUPTI_ACTIVITY_KIND_KERNEL; CREATE VIRTUAL TABLE "
                      "CUPTI_ACTIVITY_KIND_KERNEL USING rtree(id, start, end, "
                      "correlationId, x); INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL "
                      "VALUES (1, 10, 20, 5, 5);")
    con.commit()
    assert con.execute("SELECT rootpage FROM sqlite_master WHERE name = "
                       "'CUPTI_ACTIVITY_KIND_KERNEL'").fetchone()[0] == 0
    con.close()
    res = run_subprocess("analyze", sample, "--format", "json", "--no-progress")
    _assert_clean_error(res, "values are not integers")
