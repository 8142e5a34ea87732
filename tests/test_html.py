"""HTML renderer: one offline file with findings first, charts, and paginated tables."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys

import pytest
from report_samples import sample_report

from trtprof.reports import html as html_report


@pytest.fixture(scope="module")
def page():
    return html_report.render(sample_report())


def test_offline_single_file(page):
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "@import" not in page and "url(" not in page
    assert page.count("<script>") == 1 and page.count("<style>") == 1


def test_csp_allows_exactly_our_script(page):
    script = re.search(r"<script>(.*)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page
    assert "default-src 'none'" in page


def test_sections_in_order(page):
    order = [page.index(f'id="{s}"') for s in ("summary", "findings", "charts", "layers",
                                               "kernels", "inputs")]
    assert order == sorted(order)
    assert "GEMM share" in page and "target 90.0%" in page
    assert "Recommendation:" in page and "--inputIOFormats" in page
    assert "needs engine layer JSON" in page and "traces/run.sqlite" in page


def test_charts_are_inline_svg_and_html_with_tooltips(page):
    assert "<img" not in page                  # no image files, nothing to decode
    figures = re.findall(r"<figure>(.*?)</figure>", page, re.S)
    assert len(figures) == 4                   # shares, top layers, timeline, latency
    shares, top, timeline, latency = figures
    assert shares.count('class="bar"') >= 2 and "of kernel time" in shares
    # every top-layer bar links to its row in the layer table, and that row exists
    links = re.findall(r'<a href="#(layer-\d+)">', top)
    assert links and all(f'<tr id="{a}">' in page for a in links)
    assert timeline.count("<rect") == timeline.count("<title>") > 0
    assert "<polyline" in latency and latency.count("<circle") == latency.count("<title>") - 1


def test_finding_layers_link_to_their_rows(page):
    findings = page.split('id="findings"')[1].split('id="charts"')[0]
    links = re.findall(r'<a href="#(layer-\d+)"><code>([^<]*)</code></a>', findings)
    assert links
    for anchor, name in links:
        row = re.search(f'<tr id="{anchor}">(.*?)</tr>', page, re.S).group(1)
        assert f"<code>{name}</code>" in row


def test_commands_in_recommendations_are_code(page):
    assert "<code>--inputIOFormats</code>" in page


def test_thousands_of_layers_stay_small():
    report = sample_report(n_layers=8000)
    page = html_report.render(report)
    assert page.count("<tr>") <= html_report.MAX_TABLE_ROWS + 100
    assert "The 5,000 largest of 8,000 are shown" in page
    assert len(page) < 4_000_000


def test_renders_without_matplotlib(monkeypatch):
    for mod in ("matplotlib", "matplotlib.figure", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, mod, None)
    assert "<figure>" in html_report.render(sample_report())


def test_cli_renders_a_saved_report(tmp_path):
    from click.testing import CliRunner

    from trtprof.cli.analyze import analyze_cmd
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(sample_report()))
    out = tmp_path / "report.html"
    res = CliRunner().invoke(analyze_cmd, [str(saved), "--html", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == json.loads(saved.read_text())   # the report comes back as is
    assert "conv1 + relu" in out.read_text()
    res = CliRunner().invoke(analyze_cmd, [str(saved), "--format", "markdown", "--top", "2"])
    assert res.stdout.startswith("<!-- trtprof-report -->")
