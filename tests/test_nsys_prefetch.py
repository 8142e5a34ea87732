"""Reading a trace's big tables ahead (`trtprof analyze` starts them before importing pandas)."""

import shutil

import pandas as pd

from conftest import SAMPLES
from trtprof.parsers.nsys import columns as nsys_columns
from trtprof.parsers.nsys.export import read_nsys_sqlite


def _frames_equal(a, b):
    for attr in ("gpu_ops", "api", "nvtx", "graph_nodes", "sync"):
        pd.testing.assert_frame_equal(getattr(a, attr), getattr(b, attr))


def test_prefetched_read_gives_the_same_trace():
    path = SAMPLES / "int8_fallbacks.sqlite"
    plain = read_nsys_sqlite(path)
    nsys_columns.prefetch(path)
    assert nsys_columns._prefetched            # started
    ahead = read_nsys_sqlite(path)
    assert not nsys_columns._prefetched        # and taken
    _frames_equal(plain, ahead)


def test_prefetch_ignores_what_is_not_sqlite(tmp_path):
    junk = tmp_path / "trace.sqlite"
    junk.write_bytes(b"not a database at all")
    nsys_columns.prefetch(junk)
    nsys_columns.prefetch(tmp_path / "missing.sqlite")
    assert not nsys_columns._prefetched


def test_a_file_changed_after_prefetch_is_read_again(tmp_path):
    path = tmp_path / "t.sqlite"
    shutil.copy(SAMPLES / "clean_fp16.sqlite", path)
    nsys_columns.prefetch(path)
    shutil.copy(SAMPLES / "int8_fallbacks.sqlite", path)   # replaced before the analysis reads
    got = read_nsys_sqlite(path)
    _frames_equal(got, read_nsys_sqlite(SAMPLES / "int8_fallbacks.sqlite"))
    nsys_columns._prefetched.clear()
