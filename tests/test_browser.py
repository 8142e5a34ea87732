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
    assert layers.count("<tr hidden") == 95
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
