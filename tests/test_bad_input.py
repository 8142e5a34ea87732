"""Bad input: exit 2, one clear line naming the file, no traceback, nothing written."""

import os
import shutil
import sqlite3

import pytest

from conftest import NSYS_DIR, need_realdata, run_subprocess


def _assert_clean_error(res, path_fragment):
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert lines[0].startswith("trtprof: error: ") and path_fragment in lines[0]


def _make(tmp_path, kind):
    p = tmp_path / f"{kind}.sqlite"
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "random":
        p.write_bytes(os.urandom(4096))
    elif kind == "nvprof":
        con = sqlite3.connect(p)
        con.execute("CREATE TABLE StringTable(_id_ INTEGER PRIMARY KEY, value TEXT)")
        con.execute("CREATE TABLE CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL(_id_ INTEGER, start INT)")
        con.commit(), con.close()
    elif kind == "other_sqlite":
        con = sqlite3.connect(p)
        con.execute("CREATE TABLE users(id INTEGER, name TEXT)")
        con.commit(), con.close()
    elif kind == "binary_log":
        p = tmp_path / "build.log"
        p.write_bytes(b"\x00\x01\x02" * 500)
    elif kind == "truncated_json":
        p = tmp_path / "layers.json"
        p.write_text('{"Layers": [{"Name": "conv1", "LayerType": "CaskConv')
    elif kind == "wrong_json":
        p = tmp_path / "layers.json"
        p.write_text('{"hello": 1}')
    return p


@pytest.mark.parametrize("kind", ["empty", "random", "nvprof", "other_sqlite", "binary_log",
                                  "truncated_json", "wrong_json"])
def test_bad_files(tmp_path, kind):
    p = _make(tmp_path, kind)
    before = sorted(os.listdir(tmp_path))
    _assert_clean_error(run_subprocess("analyze", p), p.name)
    assert sorted(os.listdir(tmp_path)) == before


def test_missing_path_and_directory(tmp_path):
    _assert_clean_error(run_subprocess("analyze", tmp_path / "nope.sqlite"), "nope.sqlite")
    _assert_clean_error(run_subprocess("analyze", tmp_path), str(tmp_path))


def test_nvprof_message_says_what_it_is(tmp_path):
    res = run_subprocess("analyze", _make(tmp_path, "nvprof"))
    assert "nvprof" in res.stderr


def test_truncated_export(tmp_path):
    need_realdata()
    src = NSYS_DIR / "memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite"
    p = tmp_path / "trunc.sqlite"
    p.write_bytes(src.read_bytes()[: src.stat().st_size // 3])
    _assert_clean_error(run_subprocess("analyze", p), "trunc.sqlite")


def test_read_only_input_in_read_only_dir(tmp_path):
    need_realdata()
    d = tmp_path / "ro"
    d.mkdir()
    p = d / "trace.sqlite"
    shutil.copy(NSYS_DIR / "memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite", p)
    p.chmod(0o444)
    d.chmod(0o555)
    try:
        digest = p.read_bytes()
        res = run_subprocess("analyze", p, "--format", "json")
        assert res.returncode == 0, res.stderr
        assert p.read_bytes() == digest and os.listdir(d) == ["trace.sqlite"]
    finally:
        d.chmod(0o755)


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    p = tmp_path / "secret.sqlite"
    p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    p.chmod(0)
    _assert_clean_error(run_subprocess("analyze", p), "secret.sqlite")


def test_two_traces_is_a_usage_error(tmp_path):
    need_realdata()
    a = NSYS_DIR / "memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite"
    res = run_subprocess("analyze", a, a)
    assert res.returncode == 2 and "compare" in res.stderr


def test_nsys_rep_without_nsys_names_the_fix(tmp_path):
    p = tmp_path / "report.nsys-rep"
    p.write_bytes(b"NVIDIA Tegra Profiler Report 1.\n" + b"\x00" * 64)
    env = {**os.environ, "PATH": "/usr/bin:/bin", "TRTPROF_NSYS": ""}
    env.pop("TRTPROF_NSYS")
    res = run_subprocess("analyze", p, env={**env, "PATH": os.path.dirname(shutil.which("trtprof"))
                                            + ":/usr/bin:/bin"})
    _assert_clean_error(res, "report.nsys-rep")
    assert "nsys export" in res.stderr


def test_engine_file_without_tensorrt_says_what_to_do(tmp_path):
    pytest.importorskip("pytest")
    try:
        import tensorrt  # noqa: F401
        pytest.skip("tensorrt is installed here")
    except ImportError:
        pass
    p = tmp_path / "model.engine"
    p.write_bytes(b"ftrt\x00\x00\x00\xe8" + os.urandom(2048))
    res = run_subprocess("analyze", p)
    _assert_clean_error(res, "model.engine")
    assert "tensorrt" in res.stderr and "--exportLayerInfo" in res.stderr


@pytest.mark.parametrize("sql", [
    "DROP TABLE CUPTI_ACTIVITY_KIND_RUNTIME", "DROP TABLE CUPTI_ACTIVITY_KIND_KERNEL",
    "DROP TABLE NVTX_EVENTS", "DROP TABLE StringIds", "DROP TABLE TARGET_INFO_GPU",
    "DELETE FROM CUPTI_ACTIVITY_KIND_KERNEL", "DELETE FROM NVTX_EVENTS WHERE eventType = 59",
    "UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET correlationId = NULL",
])
def test_exports_missing_tables_or_rows_never_crash(tmp_path, sql):
    """nsys creates tables lazily and users trim exports: whatever is missing, trtprof reports
    what it can (exit 0) or says what is wrong (exit 2), never an internal error."""
    need_realdata()
    p = tmp_path / "t.sqlite"
    shutil.copy(NSYS_DIR / "memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite", p)
    p.chmod(0o644)
    con = sqlite3.connect(p)
    con.executescript(sql)
    con.commit()
    con.close()
    res = run_subprocess("analyze", p, "--format", "json")
    assert res.returncode in (0, 2), res.stderr
    assert "Traceback" not in res.stderr


def test_real_value_in_an_integer_column_is_a_clean_error(tmp_path):
    """The page reader declines the table, the SQLite path names the column; the frame builds
    still running when the error is reported must not crash the process (it did: SIGSEGV when
    the reader's connections were closed under them, in most runs)."""
    from conftest import REPO
    p = tmp_path / "real.sqlite"
    shutil.copy(REPO / "sample_traces" / "clean_fp16.sqlite", p)
    con = sqlite3.connect(p)
    con.execute("UPDATE CUPTI_ACTIVITY_KIND_KERNEL SET start = start + 0.5 WHERE rowid = 3")
    con.commit(), con.close()
    for _ in range(4):
        res = run_subprocess("analyze", p)
        _assert_clean_error(res, "real.sqlite")
        assert "CUPTI_ACTIVITY_KIND_KERNEL.start" in res.stderr
