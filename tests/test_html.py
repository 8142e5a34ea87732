"""HTML renderer: one offline file with findings first, charts, and paginated tables."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys

import pytest
from report_samples import sample_report

pytest.importorskip("matplotlib")

from trtprof.errors import UsageError  # noqa: E402
from trtprof.reports import html as html_report  # noqa: E402


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


def test_charts_are_embedded_pngs(page):
    imgs = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(imgs) == 4                      # shares, top layers, timeline, latency
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in imgs)


def test_thousands_of_layers_stay_small():
    report = sample_report(n_layers=8000)
    page = html_report.render(report)
    assert page.count("<tr>") <= html_report.MAX_TABLE_ROWS + 100
    assert "The 5,000 largest of 8,000 are shown" in page
    assert len(page) < 4_000_000


def test_missing_matplotlib_is_a_usage_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(UsageError, match=r"pip install 'trtprof\[html\]'"):
        html_report.render(sample_report())


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
