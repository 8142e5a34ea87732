"""One-file HTML report: works offline (no CDN, fonts or external scripts), safe to attach to a
ticket or publish as a CI artifact.

Every string from the input goes through ``_e`` (HTML escaping, quotes included). A Content
Security Policy allows only this page's own script, by hash, so even a missed escape could not
run an injected script or event handler.
"""

from __future__ import annotations

import base64
import hashlib
import html
from importlib import resources
from pathlib import PurePath

from trtprof.reports import charts
from trtprof.reports.common import (COMMANDS, finding_stake, fmt_bytes, fmt_ns, fmt_pct,
                                    gemm_verdict, headline, layer_time, short_name, top_layers,
                                    unique_short_names)

MAX_TABLE_ROWS = 5000     # beyond this the page gets slow and big; the JSON report has them all
MAX_FINDING_NAMES = 200
CHART_LAYERS = 20
PAGE_SIZES = (25, 100, 500, 0)


def _e(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _asset(name: str) -> str:
    # typeshed's 3.10 Traversable.joinpath takes one part; the Path that files() gives here takes more
    return resources.files("trtprof.reports").joinpath("assets", name).read_text("utf-8")  # type: ignore[call-arg]


def _prose(text) -> str:
    """Our words, escaped, with the commands they quote in backticks and the flags they name as
    ``<code>`` (the same spans the markdown shows as code)."""
    out, pos, text = [], 0, "" if text is None else str(text)
    for m in COMMANDS.finditer(text):
        out.append(_e(text[pos:m.start()]))
        out.append(f"<code>{_e(m.group(m.lastindex or 0))}</code>")
        pos = m.end()
    return "".join(out) + _e(text[pos:])


def _num(value) -> str:
    """A raw number for the sort attribute (empty sorts as the smallest)."""
    return "-1" if value is None else _e(value)


def _header(report: dict) -> str:
    gpu = (report.get("gpu") or {}).get("name")
    inputs = [PurePath(str(i.get("path", ""))).name for i in report.get("inputs") or []]
    sub = " \u00b7 ".join(x for x in [", ".join(inputs), gpu] if x)
    return (f'<header class="top"><h1>trtprof report</h1><div class="sub">{_e(sub)}</div>'
            f"</header>")


def _nav(report: dict) -> str:
    links = [("summary", "Summary"), ("findings", f"Findings ({len(report.get('findings') or [])})"),
             ("charts", "Charts"), ("layers", "Layers"), ("kernels", "Kernels"),
             ("inputs", "Inputs")]
    return "<nav>" + "".join(f'<a href="#{a}">{_e(t)}</a>' for a, t in links) + "</nav>"


def _kpi(label: str, value: str, detail: str = "", cls: str = "", meter: str = "") -> str:
    return (f'<div class="kpi {cls}"><div class="label">{_e(label)}</div>'
            f'<div class="value">{_e(value)}</div>{meter}'
            f'<div class="detail">{_e(detail)}</div></div>')


def _meter(share: float, target: float | None = None) -> str:
    mark = (f'<div class="target" style="left:{min(max(target, 0), 1) * 100:.1f}%"></div>'
            if target is not None else "")
    return (f'<div class="meter"><div class="fill" style="width:{min(max(share, 0), 1) * 100:.1f}%">'
            f"</div>{mark}</div>")


def _kpis(report: dict) -> str:
    m = report.get("metrics") or {}
    target = (report.get("settings") or {}).get("gemm_target", 0.9)
    cards = []
    g = m.get("gemm_share")
    if g is not None:
        cards.append(_kpi("GEMM share", fmt_pct(g), f"target {fmt_pct(target)}",
                          "good" if g >= target else "bad", _meter(g, target)))
    tc = m.get("tensor_core_share")
    if tc is not None:
        cards.append(_kpi("Tensor Core share", fmt_pct(tc), "of kernel time", "", _meter(tc)))
    lat = m.get("latency") or {}
    if lat.get("median_ns") is not None:
        cards.append(_kpi("Latency (median)", fmt_ns(lat["median_ns"]),
                          f"p90 {fmt_ns(lat.get('p90_ns'))}, p99 {fmt_ns(lat.get('p99_ns'))}"))
    gpt = m.get("gpu_time_per_iteration") or {}
    if gpt.get("median_ns") is not None:
        cards.append(_kpi("GPU time / inference", fmt_ns(gpt["median_ns"]), "median"))
    elif m.get("gpu_time_per_inference_ns") is not None:
        cards.append(_kpi("GPU time / inference", fmt_ns(m["gpu_time_per_inference_ns"]),
                          "per-layer averages summed"))
    if m.get("gpu_utilization") is not None:
        cards.append(_kpi("GPU busy", fmt_pct(m["gpu_utilization"]), "of the window span", "",
                          _meter(m["gpu_utilization"])))
    return f'<section class="kpis">{"".join(cards)}</section>' if cards else ""


def _summary(report: dict) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in headline(report))
    out = [f'<section id="summary"><h2>Summary</h2><table class="kv">{rows}</table>']
    verdict = gemm_verdict(report)
    if verdict:
        bad = " bad" if "below" in verdict else ""
        out.append(f'<p class="verdict{bad}">{_e(verdict)}</p>')
    out += [f'<p class="note">{_e(n)}</p>' for n in report.get("notes") or []]
    out.append("</section>")
    return "".join(out)


def _names(label: str, names: list, anchors: dict[str, str] | None = None) -> str:
    """A finding's layers or kernels; a layer links to its row in the layer table."""
    if not names:
        return ""
    anchors = anchors or {}
    items = "".join(f'<li><a href="#{_e(anchors[n])}"><code>{_e(n)}</code></a></li>' if n in anchors
                    else f"<li><code>{_e(n)}</code></li>" for n in names[:MAX_FINDING_NAMES])
    more = (f"<li class=\"muted\">and {len(names) - MAX_FINDING_NAMES:,} more</li>"
            if len(names) > MAX_FINDING_NAMES else "")
    opened = " open" if len(names) <= 3 else ""
    return (f"<details{opened}><summary>{len(names):,} {_e(label)}</summary>"
            f"<ul>{items}{more}</ul></details>")


def _finding(report: dict, f: dict, anchors: dict[str, str]) -> str:
    sev = str(f.get("severity") or "info")
    stake = finding_stake(report, f)
    evidence = "".join(f"<li>{_e(x)}</li>" for x in f.get("evidence") or [])
    parts = [f'<article class="finding sev-{_e(sev)}"><div class="head">'
             f'<span class="badge {_e(sev)}">{_e(sev)}</span><h3>{_e(f.get("title"))}</h3>'
             f'<span class="tag">{_e(f.get("kind"))}</span>'
             f'<span class="stake">{_e(" · ".join(stake))}</span></div>'
             f"<p>{_prose(f.get('message'))}</p>"]
    if evidence:
        parts.append(f"<ul class=\"evidence\">{evidence}</ul>")
    if f.get("recommendation"):
        parts.append(f'<p class="fix"><b>Recommendation:</b> {_prose(f["recommendation"])}</p>')
    parts += [_names("layers", f.get("layers") or [], anchors),
              _names("kernels", f.get("kernels") or []), "</article>"]
    return "".join(parts)


def _findings(report: dict, anchors: dict[str, str]) -> str:
    findings = report.get("findings") or []
    body = ("".join(_finding(report, f, anchors) for f in findings) if findings
            else '<p class="none">No findings: nothing the rules check for stands out.</p>')
    return f'<section id="findings"><h2>Findings</h2>{body}</section>'


def _figure(chart: str | None, caption: str = "") -> str:
    if not chart:
        return ""
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return f"<figure>{chart}{cap}</figure>"


def _charts(report: dict, anchors: dict[str, str]) -> str:
    m = report.get("metrics") or {}
    tl = report.get("timeline") or {}
    cap = ("Kernels coloured by op class, one lane per CUDA stream; hover an op for its name."
           + (" Only the first ops are shown." if tl.get("truncated") else ""))
    figs = [
        _figure(charts.shares_chart(report)),
        _figure(charts.top_layers_chart(top_layers(report, CHART_LAYERS), *layer_time(report),
                                        anchors=anchors)),
        _figure(charts.timeline_chart(report.get("timeline")),
                f"The inference with the median latency. {cap}" if tl else ""),
        _figure(charts.latency_chart(report.get("iterations") or [],
                                     (m.get("latency") or {}).get("median_ns"))),
    ]
    body = "".join(figs) or '<p class="muted">No timing data to chart.</p>'
    return f'<section id="charts"><h2>Charts</h2>{body}</section>'


def _row(cells: list[str], columns: list[tuple[str, str]], row_id: str = "") -> str:
    """A table row; each cell carries its column's header (``data-label``) for the stacked
    layout of narrow screens."""
    labelled = [c.replace("<td", f'<td data-label="{_e(h)}"', 1) for c, (h, _) in zip(cells, columns)]
    attr = f' id="{_e(row_id)}"' if row_id else ""
    return f"<tr{attr}>{''.join(labelled)}</tr>"


def _table(anchor: str, title: str, columns: list[tuple[str, str]], rows: list[str],
           total: int) -> str:
    """A sortable, filterable table; ``columns`` are (header, css class: "num", "name", ...)."""
    head = "".join(f'<th class="{c}" scope="col">{_e(h)}</th>' for h, c in columns)
    sizes = "".join(f'<option value="{n}">{n if n else "all"}</option>' for n in PAGE_SIZES)
    more = (f'<p class="muted">The {len(rows):,} largest of {total:,} are shown; the JSON report '
            "has them all.</p>" if total > len(rows) else "")
    return (f'<section id="{anchor}"><h2>{_e(title)} ({total:,})</h2>{more}<div class="tablebox">'
            '<div class="controls" hidden><input type="search" placeholder="Filter rows\u2026" '
            f'aria-label="Filter {_e(title.lower())}"><label>Rows <select class="pagesize">{sizes}'
            '</select></label><button type="button" class="prev">\u2039 Prev</button>'
            '<button type="button" class="next">Next \u203a</button><span class="count"></span>'
            f'</div><div class="scroll"><table class="data"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></div></section>')


def _cell_num(value, text: str) -> str:
    return f'<td class="num" data-v="{_num(value)}">{_e(text)}</td>'


def _cell_class(op_class) -> str:
    if not op_class:
        return "<td>-</td>"
    swatch = f'<span class="swatch" style="background:{charts.class_color(str(op_class))}"></span>'
    return f"<td><span>{swatch}{_e(op_class)}</span></td>"


def _shown_layers(report: dict) -> list[dict]:
    """The layer table's rows: the largest first, at most MAX_TABLE_ROWS."""
    layers = report.get("layers") or []
    return sorted(layers, key=lambda r: -(r.get("time_ns") or 0))[:MAX_TABLE_ROWS]


def layer_anchors(report: dict) -> dict[str, str]:
    """Layer name -> the id of its row, for links from findings and charts."""
    return {r["name"]: f"layer-{i}" for i, r in enumerate(_shown_layers(report), 1)
            if r.get("name")}


def _layers(report: dict) -> str:
    shown = _shown_layers(report)
    if not shown:
        return ""
    extra = [k for k in ("layer_type", "tactic") if any(r.get(k) for r in shown)]
    cols = [("#", "num rank"), ("Layer", "name"), ("Time / inference", "num"), ("Total", "num"),
            ("Share", "num"), ("Kernels", "num"), ("Class", ""), ("Unit", ""),
            ("Precision", "")] + [(k.replace("_", " ").capitalize(), "wrap") for k in extra] + \
        [("Top kernel", "wrap")]
    rows = []
    for i, r in enumerate(shown, 1):
        per = r.get("time_per_inference_ns")
        cells = [f'<td class="num rank" data-v="{i}">{i}</td>',
                 f'<td class="name"><code>{_e(r.get("name"))}</code></td>',
                 _cell_num(per, fmt_ns(per)), _cell_num(r.get("time_ns"), fmt_ns(r.get("time_ns"))),
                 _cell_num(r.get("share"), fmt_pct(r.get("share"))),
                 _cell_num(r.get("kernel_count"), str(r.get("kernel_count") or "-")),
                 _cell_class(r.get("op_class")), f"<td>{_e(r.get('unit') or '-')}</td>",
                 f"<td>{_e(r.get('precision') or r.get('engine_precision') or '-')}</td>"]
        cells += [f'<td class="wrap">{_e(r.get(k) or "-")}</td>' for k in extra]
        top = r.get("top_kernel")
        cells.append(f'<td class="wrap" title="{_e(top or "")}"><code>'
                     f'{_e(short_name(top, 90) if top else "-")}</code></td>')
        rows.append(_row(cells, cols, f"layer-{i}"))
    return _table("layers", "Layers", cols, rows, len(report.get("layers") or []))


def _kernels(report: dict) -> str:
    kernels = report.get("kernels") or []
    if not kernels:
        return ""
    shown = kernels[:MAX_TABLE_ROWS]
    cols = [("Kernel", "name"), ("Count", "num"), ("Total", "num"), ("Average", "num"),
            ("Min", "num"), ("Max", "num"), ("Share", "num"), ("Class", ""), ("Unit", ""),
            ("Precision", "")]
    rows = []
    for k, short in zip(shown, unique_short_names([k.get("name") or "" for k in shown], 120)):
        name = k.get("name")
        rows.append(_row([
            f'<td class="name" title="{_e(name)}"><code>{_e(short)}</code></td>',
            _cell_num(k.get("count"), f"{k.get('count') or 0:,}"),
            _cell_num(k.get("time_ns"), fmt_ns(k.get("time_ns"))),
            _cell_num(k.get("avg_ns"), fmt_ns(k.get("avg_ns"))),
            _cell_num(k.get("min_ns"), fmt_ns(k.get("min_ns"))),
            _cell_num(k.get("max_ns"), fmt_ns(k.get("max_ns"))),
            _cell_num(k.get("share"), fmt_pct(k.get("share"))),
            _cell_class(k.get("op_class")), f"<td>{_e(k.get('unit') or '-')}</td>",
            f"<td>{_e(k.get('precision') or '-')}</td>"], cols))
    return _table("kernels", "Kernels", cols, rows, len(kernels))


def _inputs(report: dict) -> str:
    rows = [f"<tr><th>{_e(i.get('kind'))}</th><td><code>{_e(i.get('path'))}</code>"
            + (f' <span class="muted">{_e(i["version"])}</span>' if i.get("version") else "")
            + "</td></tr>" for i in report.get("inputs") or []]
    settings = report.get("settings") or {}
    if settings:
        rows.append(f"<tr><th>GEMM target</th><td>{_e(fmt_pct(settings.get('gemm_target')))}"
                    "</td></tr>")
        th = settings.get("thresholds") or {}
        rows.append("<tr><th>Thresholds</th><td>" + (_e(", ".join(f"{k}={v}" for k, v in
                                                                    th.items())) or "defaults")
                    + "</td></tr>")
    w = report.get("window") or {}
    if w.get("excluded_kernels"):
        rows.append(f"<tr><th>Outside the window</th><td>{w['excluded_kernels']:,} kernels, "
                    f"{_e(fmt_ns(w.get('excluded_kernel_time_ns')))}</td></tr>")
    mc = (report.get("metrics") or {}).get("memcpy") or {}
    for kind, v in (mc.get("by_memory") or {}).items():
        rows.append(f"<tr><th>Copies {_e(kind)}</th><td>{v.get('count', 0):,}, "
                    f"{_e(fmt_bytes(v.get('bytes')))}, {_e(fmt_ns(v.get('time_ns')))}</td></tr>")
    for s in report.get("not_evaluated") or []:
        rows.append(f"<tr><th>Not evaluated</th><td><code>{_e(s.get('rule'))}</code>: "
                    f"{_e(s.get('reason'))}</td></tr>")
    return f'<section id="inputs"><h2>Inputs</h2><table class="kv">{"".join(rows)}</table></section>'


def render(report: dict) -> str:
    """The report as one self-contained HTML page."""
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; "
           f"script-src 'sha256-{digest}'")
    tool = report.get("tool") or {}
    anchors = layer_anchors(report)
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="trtprof-report">',
        f"<title>trtprof report{_e(' - ' + report['gpu']['name']) if (report.get('gpu') or {}).get('name') else ''}</title>",
        f"<style>{_asset('report.css')}</style></head><body>",
        _header(report), _nav(report), "<main>", _kpis(report), _summary(report),
        _findings(report, anchors), _charts(report, anchors), _layers(report), _kernels(report),
        _inputs(report),
        f"<footer>Made by {_e(tool.get('name', 'trtprof'))} {_e(tool.get('version', ''))}, "
        f"report schema {_e(report.get('schema_version'))}.</footer></main>",
        f"<script>{script}</script></body></html>\n",
    ])
