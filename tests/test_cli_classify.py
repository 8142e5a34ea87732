"""`trtprof classify` through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from trtprof.cli import main

NAMES = ["volta_sgemm_128x64_nt", 'void k<float, __half>(int, "x")', "volta_sgemm_128x64_nt",
         "[CUDA memcpy HtoD]"]


def run(*args):
    return CliRunner().invoke(main, ["classify", *args])


def test_csv_rows_order_duplicates_quoting():
    r = run(*NAMES)
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.output)))
    assert rows[0] == ["name", "unit", "precision", "op_class"]
    assert [row[0] for row in rows[1:]] == NAMES
    assert rows[1][1:] == ["cuda_core", "fp32", "gemm"]
    assert rows[4][1:] == ["none", "none", "memcpy"]


def test_file_input_and_json(tmp_path):
    f = tmp_path / "names.txt"
    f.write_text("ampere_h16816gemm_128x64_ldg8_nn_v1\n\n[CUDA memset]\n", encoding="utf-8")
    r = run("--file", str(f), "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert [d["name"] for d in data] == ["ampere_h16816gemm_128x64_ldg8_nn_v1", "[CUDA memset]"]
    assert data[0]["unit"] == "tensor_core" and data[1]["op_class"] == "memset"


def test_text_format_aligned():
    r = run("--format", "text", "volta_sgemm_128x64_nt", "[CUDA memset]")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].split() == ["unit", "precision", "op_class", "name"]
    assert lines[1].index("volta") == lines[2].index("[CUDA")


def test_explain():
    r = run("--explain", "ampere_fp16_sgemm_fp16_32x128_tn")
    assert r.exit_code == 0
    assert "[prec.legacy_fp16_sgemm]" in r.output and "unit" in r.output


def test_missing_file_exit_2(tmp_path):
    r = run("--file", str(tmp_path / "nope.txt"))
    assert r.exit_code == 2
    assert "nope.txt" in r.output and "Traceback" not in r.output


def test_no_names_exit_2():
    r = run()
    assert r.exit_code == 2
    assert "no kernel names" in r.output
