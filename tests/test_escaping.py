"""Hostile layer and kernel names (markup, links, backticks, pipes, mentions, newlines) through
every renderer: shown literally, never executed or turned into links."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from report_samples import HOSTILE, sample_report

from trtprof.reports import markdown, text

OUR_TAGS = {"<details>", "</details>", "<summary>", "</summary>", "<!-- trtprof-report -->",
            "<!-- trtprof-gate -->", "<br>", "<sub>", "</sub>"}


def _outside_code_spans(md: str) -> str:
    """The markdown with its code spans removed (CommonMark: a run of N backticks closes at the
    next run of exactly N)."""
    return re.sub(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", " ", md)


@pytest.fixture(scope="module")
def report():
    return sample_report(HOSTILE)


def _hostile_comparison(report):
    """BASE -> HEAD where every hostile name is a changed layer, a new finding, a kernel."""
    import copy

    from trtprof.ci.compare import compare_reports
    head = copy.deepcopy(report)
    for la in head["layers"]:
        la["time_per_inference_ns"] = (la.get("time_per_inference_ns") or 0) * 2
        la["precision"] = "fp32"
    base = copy.deepcopy(report)
    base["findings"] = []
    return compare_reports(base, head)


def _markdown_views(report) -> dict[str, str]:
    from trtprof.ci.gate import evaluate_gate
    from trtprof.reports.compare_markdown import render_comparison, render_gate
    comp = _hostile_comparison(report)
    return {"report": markdown.render(report, top=len(HOSTILE)),
            "compare": render_comparison(comp, top=len(HOSTILE)),
            "gate": render_gate(comp, evaluate_gate(comp), top=len(HOSTILE))}


@pytest.mark.parametrize("view", ["report", "compare", "gate"])
def test_markdown_has_no_live_markup(report, view):
    md = _markdown_views(report)[view]
    assert "click" in md and "alert(1)" in md and "smile" in md   # the names are shown
    markers = {"report": 1, "compare": 0, "gate": 1}[view]
    assert md.count("<!-- trtprof-") == markers, "a name forged a comment marker"
    rest = _outside_code_spans(md)
    for tag in OUR_TAGS:
        rest = rest.replace(tag, "")
    assert re.search(r"(?<!\\)<", rest) is None, "raw HTML outside code spans"
    assert re.search(r"(?<!\\)\[", rest) is None, "link or image syntax outside code spans"
    assert "://" not in rest and re.search(r"@\w", rest) is None
    assert re.search(r"(?<!\\)\$", rest) is None
    assert re.search(r"(?<!\\)#\d", rest) is None and re.search(r"(?<!\\):\w+:", rest) is None


def test_markdown_tables_keep_their_columns(report):
    md = markdown.render(report, top=len(HOSTILE))
    for line in md.splitlines():
        if line.startswith("| `"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 8, line


def test_markdown_renders_names_as_code():
    """A CommonMark+tables renderer (markdown-it, as rich ships it) makes no tags from names."""
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown.render(sample_report(HOSTILE), top=len(HOSTILE))
    out = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    tags = set(re.findall(r"<([a-z0-9]+)", out))
    assert tags <= {"h3", "h4", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "ol",
                    "li", "strong", "em", "details", "summary", "blockquote", "ul"}, tags
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in out
    assert "<code>[click](http://evil)</code>" in out


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_shows_names_literally_and_runs_nothing(report):
    from trtprof.reports import html as html_report
    page = html_report.render(report)
    parser = _Tags()
    parser.feed(page)
    assert [t for t, _ in parser.tags].count("script") == 1       # ours, nothing injected
    for tag, attrs in parser.tags:
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
        assert tag != "img"
        if tag == "a":
            assert attrs["href"].startswith("#"), attrs      # links within the page only
        assert not any(str(v).startswith(("http:", "https:", "//", "javascript:"))
                       for v in attrs.values() if v), (tag, attrs)
    shown = "".join(parser.text)
    for name in HOSTILE:
        assert name in shown, name
    assert html.escape(HOSTILE[0]) in page


def test_terminal_prints_names_literally(report):
    for color in (False, True):
        out = text.render(report, top=len(HOSTILE), color=color, width=200)
        plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
        for name in HOSTILE:
            if "\n" not in name:
                assert name in plain, name
        assert "[red]rich[/red]" in plain


def test_charts_escape_names():
    from trtprof.reports import charts
    chart = charts.top_layers_chart(sample_report(["<b>x</b>", "a\"b", "$\\frac{1$"])["layers"])
    assert "<b>" not in chart and "&lt;b&gt;x&lt;/b&gt;" in chart and "a&quot;b" in chart
