"""Markdown renderer: a compact PR comment with names that cannot become markup."""

from __future__ import annotations

import re

from report_samples import sample_report

from trtprof.reports.markdown import MARKER, code, escape, render


def test_marker_headline_and_findings_first():
    md = render(sample_report())
    assert md.startswith(MARKER + "\n")
    assert "| **GEMM share** | 62.0% |" in md
    assert "is below the 90.0% target" in md
    assert md.index("#### Findings (2)") < md.index("<summary>Top 3 of 3 layers</summary>")
    assert "*Fix:*" in md and "🔴 high" in md


def test_top_limits_rows_and_findings():
    report = sample_report(n_layers=40)
    md = render(report, top=5)
    assert "<summary>Top 5 of 40 layers</summary>" in md
    table = md.split("<summary>Top 5 of 40 layers</summary>")[1].split("</details>")[0]
    assert len([ln for ln in table.splitlines() if ln.startswith("| `")]) == 5
    assert "1 more findings" not in render(report, top=2)
    assert "1 more findings" in render(report, top=1)


def test_collapsible_details_render_on_github():
    md = render(sample_report())
    # GitHub only renders markdown inside <details> after a blank line following <summary>.
    for m in re.finditer(r"<summary>.*</summary>\n(.*)\n", md):
        assert m.group(1) == ""
    assert md.count("<details>") == md.count("</details>") == 3


def test_code_span_fence_is_longer_than_any_backtick_run():
    assert code("a ``b`` c") == "```a ``b`` c```"
    assert code("`x`") == "`` `x` ``"
    assert code("a|b", table=True) == "`a\\|b`"
    assert code("") == "-"
    assert code("two\nlines") == "`two lines`"


def test_escape_prose():
    assert escape("[x](y)") == "\\[x\\](y)"
    assert escape("<b>") == "\\<b\\>"
    assert "://" not in escape("see http://evil")
    assert re.search(r"@\w", escape("@team")) is None
    assert escape("4.54 ms, p90 1.1 s") == "4.54 ms, p90 1.1 s"   # ordinary text stays readable


def test_report_without_trace_data():
    report = {"schema_version": 1, "tool": {"name": "trtprof", "version": "x"},
              "inputs": [{"path": "build.log", "kind": "trtexec-log"}], "gpu": None,
              "metrics": {"gemm_share": None}, "layers": [], "kernels": [], "findings": [],
              "not_evaluated": []}
    md = render(report)
    assert "No findings." in md and "layers</summary>" not in md
