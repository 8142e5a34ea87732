"""The HTML report in a real browser (headless Debian chromium): it loads with no console
message (errors, CSP violations, exceptions), its script runs to the end, hostile names run
nothing, and a screenshot is drawn. Skipped where chromium is not installed."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import real_nsys_exports
from report_samples import HOSTILE, real_report, sample_report

pytest.importorskip("matplotlib")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def _chromium(tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
                           "--enable-logging=stderr", "--v=0", *args],
                          capture_output=True, text=True, timeout=120)


def open_report(report: dict, tmp_path, screenshot: bool = False) -> str:
    """Load the report; return its DOM after scripts ran. Fails on any console message."""
    from trtprof.reports.html import render
    page = tmp_path / "report.html"
    page.write_text(render(report), encoding="utf-8")
    res = _chromium(tmp_path, "--dump-dom", page.as_uri())
    console = [ln for ln in res.stderr.splitlines() if ":CONSOLE" in ln]
    assert not console, console
    assert re.search(r"<html[^>]*data-ready=\"1\"", res.stdout), "report.js did not finish"
    if screenshot:
        shot = tmp_path / "report.png"
        _chromium(tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", page.as_uri())
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    return res.stdout


def test_sample_report_renders(tmp_path):
    dom = open_report(sample_report(n_layers=120), tmp_path, screenshot=True)
    # pagination ran: 25 rows shown, the rest hidden
    layers = dom.split('id="layers"')[1].split("</table>")[0]
    assert len(re.findall(r"<tr[^>]*\shidden", layers)) == 95
    assert "1\u201325 of 120" in layers


def test_hostile_names_run_nothing(tmp_path):
    dom = open_report(sample_report(HOSTILE), tmp_path)
    assert not re.search(r"<html[^>]*data-pwned", dom)
    assert "<title>trtprof report - NVIDIA GeForce RTX 3090</title>" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


@pytest.mark.slow
@pytest.mark.parametrize("trace", real_nsys_exports(), ids=lambda p: p.stem)
def test_real_traces(trace, tmp_path):
    report = real_report(trace)
    dom = open_report(report, tmp_path, screenshot=True)
    assert "Findings" in dom
    size = len((tmp_path / "report.html").read_bytes())
    assert size < 3_000_000, size


def test_real_trace_report_size(tmp_path):
    """The 30k-kernel VGG16 trace: a report well under a few MB."""
    traces = [p for p in real_nsys_exports() if "vgg16" in p.name]
    if not traces:
        pytest.skip("../shared/realdata is absent")
    from trtprof.reports.html import render
    report = real_report(traces[0])
    assert report["metrics"]["kernel_count"] > 30_000
    assert len(render(report).encode()) < 1_000_000


def _bundled_traces():
    from conftest import SAMPLES
    return sorted(SAMPLES.glob("*.sqlite")) + sorted((SAMPLES / "h100").glob("*.sqlite.xz"))


@pytest.mark.slow
@pytest.mark.parametrize("trace", _bundled_traces(), ids=lambda p: p.name.split(".")[0])
def test_bundled_sample_traces(trace, tmp_path):
    """Every sample scenario and H100 capture shipped in sample_traces/ renders cleanly."""
    from trtprof.analyze import analyze
    paths = [trace]
    layers_json = trace.with_name(trace.name.replace(".sqlite", ".layers.json"))
    if layers_json.exists():
        paths.append(layers_json)
    dom = open_report(analyze(paths), tmp_path, screenshot=True)
    assert "Findings" in dom


# Measured in the page by a script of the test's (the report's CSP is dropped for it): is the
# whole page free of horizontal scrolling, and is the layer table's Tactic column on screen?
# Headless Chromium keeps windows at least 500 px wide, so the report is loaded in an iframe of
# the width under test, inside a wider page; the report posts its measures to that page.
_MEASURE = """<script>
addEventListener("load", function () {
  var doc = document.documentElement, w = innerWidth;
  var th = Array.prototype.find.call(document.querySelectorAll("#layers th"),
                                     function (t) { return t.textContent === "Tactic"; });
  var cell = document.querySelector('#layers tr:not([hidden]) td[data-label="Tactic"]');
  function box(el) { var r = el.getBoundingClientRect(); return {left: r.left, right: r.right, width: r.width}; }
  var scroll = document.querySelector("#layers .scroll");
  parent.postMessage(JSON.stringify({
    width: w, page_scroll: doc.scrollWidth - doc.clientWidth,
    table_scroll: scroll.scrollWidth - scroll.clientWidth,
    header: th && th.getBoundingClientRect().width > 0 ? box(th) : null,
    cell: box(cell)}), "*");
});
</script>"""
_FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="{src}" width="{width}" height="{height}" style="border:0;display:block"></iframe>
<script>addEventListener("message", function (e) {{
  document.documentElement.setAttribute("data-measure", e.data); }});</script></body></html>"""


def _measure(report: dict, tmp_path, width: int) -> dict:
    import html
    import json

    from trtprof.reports.html import render
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", render(report))
    (tmp_path / "report.html").write_text(page.replace("</body>", _MEASURE + "</body>"),
                                          encoding="utf-8")
    outer = max(width, 500) + 20
    frame = tmp_path / "frame.html"
    frame.write_text(_FRAME.format(src="report.html", width=width, height=1000), encoding="utf-8")
    res = _chromium(tmp_path, f"--window-size={outer},1000", "--virtual-time-budget=10000",
                    "--dump-dom", frame.as_uri())
    m = re.search(r'data-measure="([^"]*)"', res.stdout)
    assert m, "the measuring script did not run"
    # and a picture at that width, for a person to look at
    frame.write_text(_FRAME.format(src="report.html", width=width, height=4000), encoding="utf-8")
    shot = tmp_path / f"report{width}.png"
    _chromium(tmp_path, f"--window-size={outer},4000", "--virtual-time-budget=10000",
              f"--screenshot={shot}", frame.as_uri())
    assert shot.stat().st_size > 20_000
    return json.loads(html.unescape(m.group(1)))


@pytest.mark.parametrize("width", [1400, 420])
def test_tactic_column_visible_without_scrolling(tmp_path, width):
    from conftest import SAMPLES

    from trtprof.analyze import analyze
    report = analyze([SAMPLES / "int8_fallbacks.sqlite", SAMPLES / "int8_fallbacks.layers.json"])
    assert any(la.get("tactic") for la in report["layers"])
    m = _measure(report, tmp_path, width)
    assert m["page_scroll"] <= 0, m
    assert m["cell"]["width"] > 0 and 0 <= m["cell"]["left"] and m["cell"]["right"] <= width, m
    if width >= 1000:           # desktop: a table with its header, nothing scrolled away
        assert m["header"] and m["header"]["right"] <= width and m["table_scroll"] <= 0, m
    else:                       # phone: rows stacked as cards, headers as labels
        assert m["header"] is None, m


def test_pr_comment_commands_render_as_code(tmp_path):
    """The gate comment as GitHub renders it (markdown-it, GFM tables and strikethrough, raw
    HTML kept as GitHub keeps <details>): the fix commands sit inside <code>, and the page
    draws in the browser."""
    mdit = pytest.importorskip("markdown_it")
    from conftest import SAMPLES

    from trtprof.analyze import analyze
    from trtprof.ci.compare import compare_reports
    from trtprof.ci.gate import GateConfig, evaluate_gate
    from trtprof.reports.compare_markdown import render_gate
    from trtprof.reports.markdown import render
    head = analyze([SAMPLES / "int8_fallbacks.sqlite", SAMPLES / "int8_fallbacks.layers.json"])
    base = analyze([SAMPLES / "clean_fp16.sqlite"])
    comparison = compare_reports(base, head)
    md = render_gate(comparison, evaluate_gate(comparison, GateConfig()),
                     report_url="https://example.com/run/1") + "\n" + render(head)
    html = mdit.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(md)
    for flag in ("--precisionConstraints=obey --layerPrecisions=&lt;layer&gt;:int8", "--fp16",
                 "--inputIOFormats"):
        assert f"<code>{flag}</code>" in html, flag
    assert "`" not in re.sub(r"<code>.*?</code>", "", html, flags=re.S)   # no literal backticks
    assert '<a href="https://example.com/run/1">Full report</a>' in html
    assert "<details><summary>" in html
    page = tmp_path / "comment.html"
    page.write_text(f"<!DOCTYPE html><meta charset=utf-8><body style='max-width:900px'>{html}",
                    encoding="utf-8")
    shot = tmp_path / "comment.png"
    _chromium(tmp_path, "--window-size=1000,3000", f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
