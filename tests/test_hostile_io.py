"""Damaged and hostile inputs and outputs (issue: damaged, unusual and hostile inputs): never
a traceback, never a clobbered input, never a confident answer from a half-written database."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3

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
