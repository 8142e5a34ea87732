"""What people read in tables: CSV files of the report's tables, kernel names that stay unique
when shortened, one unit down the findings' stake column, plurals, the report link."""

from __future__ import annotations

import csv
import io
import json

from conftest import SAMPLES
from report_samples import sample_report

from trtprof.reports.common import fmt_ns, stake_unit, unique_short_names


def test_csv_tables_have_the_typed_columns_and_every_row(run_cli, tmp_path):
    code, _, err = run_cli("analyze", SAMPLES / "int8_fallbacks.sqlite",
                           SAMPLES / "int8_fallbacks.layers.json", "--csv", tmp_path / "t",
                           "--save", tmp_path / "r.json")
    assert code == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    for name, key in (("layers.csv", "layers"), ("kernels.csv", "kernels"),
                      ("findings.csv", "findings"), ("iterations.csv", "iterations")):
        rows = list(csv.DictReader(io.StringIO((tmp_path / "t" / name).read_text())))
        assert len(rows) == len(report[key]), name
    layers = list(csv.DictReader(io.StringIO((tmp_path / "t" / "layers.csv").read_text())))
    by_name = {r["name"]: r for r in layers}
    for la in report["layers"]:
        assert int(by_name[la["name"]]["time_ns"]) == la["time_ns"]
        assert by_name[la["name"]]["tactic"] == (la.get("tactic") or "")


def test_csv_cells_never_run_as_spreadsheet_formulas():
    from trtprof.reports.csv_tables import tables
    report = sample_report(["=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", "plain"])
    rows = list(csv.DictReader(io.StringIO(tables(report)["layers.csv"])))
    names = [r["name"] for r in rows]
    assert "'=HYPERLINK(\"http://x\")" in names and "'+1" in names and "plain" in names


def test_shortened_kernel_names_stay_unique():
    names = [f"sm80_xmma_fprop_implicit_gemm_interleaved_i8i8_i8i32_f32_nchw_vect_c_32kcrs_"
             f"vect_c_32_nchw_vect_c_32_tilesize{t}_stage4_warpsize2x2x1_g1_tensor16x8x32_"
             f"execute_kernel_trt" for t in ("128x128x64", "128x96x64", "96x128x64")]
    names += ["void at::native::vectorized_elementwise_kernel<4, at::native::AbsFunctor<float>, "
              "at::detail::Array<char*, 2> >(int, at::native::AbsFunctor<float>, char*)",
              "void at::native::vectorized_elementwise_kernel<4, at::native::AbsFunctor<c10::Half>, "
              "at::detail::Array<char*, 2> >(int, at::native::AbsFunctor<c10::Half>, char*)",
              "void genericReformat::copyPackedKernel<float, signed char, (bool)1, (bool)0, "
              "genericReformat::IdentityCoordMapper<(int)4>, (int)4>(unsigned int, void const*)"]
    for width in (40, 60, 80):
        short = unique_short_names(names, width)
        assert len(set(short)) == len(short), short
        assert all(len(s) <= width for s in short), short
    short = unique_short_names(names, 60)
    assert "tilesize96x128x64" in short[2]            # the token that tells the rows apart
    assert ("Half" in short[4] or "c10" in short[4]) and "float" in short[3]
    # template arguments that hold parentheses are not taken for the argument list
    assert unique_short_names(names[5:], 200)[0].endswith("(int)4>")


def test_stake_column_has_one_unit():
    report = {"window": {"iterations": 10}, "findings": [{"time_ns": 4_040_000},
                                                         {"time_ns": 384_000}]}
    unit = stake_unit(report, report["findings"])
    assert unit == "us"
    assert fmt_ns(4_040_000 / 10, unit) == "404 us" and fmt_ns(38_400, unit) == "38.4 us"
    assert fmt_ns(2_500_000, "us") == "2500 us"


def test_one_inference_is_singular(run_cli, tmp_path):
    from trtprof.reports.common import headline
    report = sample_report()
    report["window"]["iterations"] = 1
    window = dict(headline(report))["Window"]
    assert "1 inference" in window and "1 inferences" not in window


def test_report_url_links_in_markdown_only_for_http(run_cli):
    from trtprof.reports.markdown import render
    report = sample_report()
    assert "[Full report](https://ci.example.com/a/1)" in render(report,
                                                                 report_url="https://ci.example.com/a/1")
    hostile = render(report, report_url="javascript:alert(1)")
    assert "](javascript" not in hostile


def test_layer_and_kernel_rows_stay_on_one_line_at_every_width():
    from trtprof.reports import text
    long = "/features/features.14/Conv + (Unnamed Layer* 37) [ElementWise] + /features/f.15/Relu"
    report = sample_report([f"{long} #{i}" for i in range(6)])
    for width in (80, 100, 120, 200):
        out = text.render(report, top=6, width=width)
        for title, rows in (("Top 6 layers (per inference)", 6),
                            (f"Top {min(6, len(report['kernels']))} kernels",
                             min(6, len(report["kernels"])))):
            section = out.split(title, 1)[1].split("\n\n", 1)[0].splitlines()[1:]
            section = [line for line in section if not line.startswith("not evaluated")]
            assert len(section) == 1 + rows, (width, title, section)  # header + one line each
            assert all(len(line) <= width for line in section)
