"""Charts for the HTML report, drawn as HTML and inline SVG: no image files, no library, no
script; every bar, op and point carries a tooltip (``title``) with its numbers, the top-layer
bars link to their rows in the layer table, and bars reflow to any width (a phone included).

Charts draw what the report already holds; they compute nothing beyond placing it on axes.
Every string from the input goes through ``_e``.
"""

from __future__ import annotations

import html

from trtprof.reports.common import fmt_ns, fmt_pct

# GEMM-like classes in blues, data movement in warm colours, the rest in greens/purples, copies
# and unknowns in greys: the colour alone says whether time is "useful".
CLASS_COLORS = {
    "gemm": "#1f5fbf", "convolution": "#4a8fe0", "attention": "#0b3d91",
    "pointwise": "#2ca25f", "activation": "#66c2a4", "normalization": "#8c6bb1",
    "reduction": "#9e9ac8", "softmax": "#b15928", "pooling": "#6a9e3f",
    "reformat": "#e6550d", "permutation": "#fd8d3c", "copy": "#fdae6b", "transpose": "#f16913",
    "memcpy": "#7f7f7f", "memset": "#b0b0b0", "other": "#c7c7c7", "unknown": "#d9d9d9",
}
_SPARE = ["#17becf", "#bcbd22", "#e377c2", "#8c564b", "#9467bd", "#d62728", "#393b79", "#637939"]
PRECISION_COLORS = {"fp32": "#9ecae1", "tf32": "#6baed6", "fp16": "#3182bd", "bf16": "#08519c",
                    "int8": "#31a354", "fp8": "#006d2c", "int4": "#74c476", "fp4": "#a1d99b",
                    "mixed": "#fdae6b", "unknown": "#d9d9d9"}
# SVG user units; the SVG keeps at least this width on screen (its box scrolls on a phone), so
# its text stays readable instead of shrinking with the page.
SVG_W = 960
MAX_POINTS = 2000        # latency points with their own tooltip; beyond, the line only


def _e(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def class_color(name: str) -> str:
    """A stable colour per op class; classes outside the vocabulary get a spare colour picked
    by a hash of the name, so the same class has the same colour in every chart and table."""
    if name in CLASS_COLORS:
        return CLASS_COLORS[name]
    return _SPARE[sum(name.encode("utf-8")) % len(_SPARE)]


def _precision_color(name: str) -> str:
    return PRECISION_COLORS.get(name, "#bbbbbb")


def _bar(label_html: str, fraction: float, color: str, value: str, tip: str) -> str:
    width = min(max(fraction, 0.0), 1.0) * 100
    return (f'<div class="bar" title="{_e(tip)}"><span class="lbl">{label_html}</span>'
            f'<span class="track"><span class="fill" style="width:{width:.1f}%;'
            f'background:{color}"></span></span><span class="val">{_e(value)}</span></div>')


def _share_bars(title: str, shares: dict, color) -> str:
    items = sorted(shares.items(), key=lambda kv: -kv[1])
    bars = "".join(_bar(_e(k), v, color(k), fmt_pct(v), f"{k}: {fmt_pct(v)} of kernel time")
                   for k, v in items)
    return f'<div class="bars"><h4>{_e(title)}</h4>{bars}</div>'


def shares_chart(report: dict) -> str | None:
    """Kernel time by op class and by precision, side by side (stacked on a phone)."""
    m = report.get("metrics") or {}
    ops, prec = m.get("op_class_share") or {}, m.get("precision_share") or {}
    if not ops and not prec:
        return None
    return ('<div class="pair">' + _share_bars("Time by op class", ops, class_color)
            + _share_bars("Time by precision", prec, _precision_color) + "</div>")


def top_layers_chart(layers: list[dict], key: str = "time_per_inference_ns",
                     label: str = "time / inference", anchors: dict[str, str] | None = None
                     ) -> str | None:
    """Time of the given (top) layers on the report's basis (``key``), coloured by op class;
    each bar links to the layer's row (``anchors``: name -> element id)."""
    layers = [lay for lay in layers if lay.get(key)]
    if not layers:
        return None
    top = max(lay[key] for lay in layers)
    anchors = anchors or {}
    bars = []
    for lay in layers:
        name, cls = lay["name"], lay.get("op_class") or "unknown"
        code = f"<code>{_e(name)}</code>"
        if name in anchors:
            code = f'<a href="#{_e(anchors[name])}">{code}</a>'
        bars.append(_bar(code, lay[key] / top, class_color(cls), fmt_ns(lay[key]),
                         f"{name}\n{fmt_ns(lay[key])} {label}, {fmt_pct(lay.get('share'))} "
                         f"of kernel time, {cls}"))
    return (f'<div class="bars wide"><h4>Top {len(layers)} layers by {_e(label)}</h4>'
            f'{"".join(bars)}</div>')


def _legend(names, color) -> str:
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{color(n)}"></i>{_e(n)}</span>' for n in names) + "</div>"


def _ticks(end: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values from 0 to ``end``."""
    if end <= 0:
        return [0.0]
    raw = end / n
    mag = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    while mag > raw:
        mag /= 10
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return [i * step for i in range(int(end / step) + 1)]


def _svg(height: int, body: str, label: str) -> str:
    return (f'<div class="svgbox"><svg viewBox="0 0 {SVG_W} {height}" role="img" '
            f'aria-label="{_e(label)}" style="min-width:{SVG_W * 3 // 4}px">{body}</svg></div>')


def timeline_chart(timeline: dict | None) -> str | None:
    """GPU ops of one inference on a lane per stream, coloured by op class; each op's tooltip
    names it with its start and duration."""
    ops = (timeline or {}).get("ops") or []
    if not ops:
        return None
    assert timeline is not None   # it has ops
    streams = sorted({o["stream"] for o in ops})
    lane = {s: i for i, s in enumerate(streams)}
    left, right, lane_h, top = 90, 10, 26, 8
    end = max(timeline.get("latency_ns") or 0, max(o["start_ns"] + o["duration_ns"] for o in ops))
    scale = (SVG_W - left - right) / (end or 1)
    parts = []
    for s in streams:
        y = top + lane[s] * lane_h
        parts.append(f'<text x="{left - 6}" y="{y + lane_h / 2 + 4:.0f}" text-anchor="end" '
                     f'class="axis">stream {_e(s)}</text>')
    for o in ops:
        cls = o.get("op_class") or o.get("kind") or "unknown"
        x = left + o["start_ns"] * scale
        w = max(o["duration_ns"] * scale, 0.8)     # an op shorter than a pixel still shows
        y = top + lane[o["stream"]] * lane_h + 3
        layer = o.get("layer")
        tip = (f"{o.get('name') or cls}\n" + (f"layer {layer}\n" if layer and layer != "None"
                                               else "")
               + f"{cls}, {fmt_ns(o['duration_ns'])} at {fmt_ns(o['start_ns'])}")
        parts.append(f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{lane_h - 6}" '
                     f'fill="{class_color(cls)}"><title>{_e(tip)}</title></rect>')
    axis_y = top + len(streams) * lane_h + 4
    for t in _ticks(end / 1e6):
        x = left + t * 1e6 * scale
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{axis_y}" class="grid"/>'
                     f'<text x="{x:.1f}" y="{axis_y + 14}" text-anchor="middle" '
                     f'class="axis">{t:g}</text>')
    parts.append(f'<text x="{SVG_W - right}" y="{axis_y + 30}" text-anchor="end" class="axis">'
                 "ms from the start of the inference</text>")
    classes = list(dict.fromkeys(o.get("op_class") or o.get("kind") or "unknown" for o in ops))
    title = (f"Inference {timeline.get('iteration')} "
             f"(latency {fmt_ns(timeline.get('latency_ns'))})")
    return (f"<h4>{_e(title)}</h4>" + _svg(axis_y + 36, "".join(parts), title)
            + _legend(classes, class_color))


def latency_chart(iterations: list[dict], median_ns: int | None = None) -> str | None:
    """Latency of every inference in order, with GPU busy time beneath it; each point's
    tooltip gives its numbers."""
    its = [it for it in iterations or [] if it.get("latency_ns") is not None]
    if len(its) < 2:
        return None
    left, right, top, height = 56, 10, 10, 200
    peak = max(it["latency_ns"] for it in its) * 1.08 or 1
    xs = (SVG_W - left - right) / (len(its) - 1)

    def xy(i: int, ns: float) -> str:
        return f"{left + i * xs:.1f},{top + height - ns / peak * height:.1f}"
    parts = []
    for t in _ticks(peak / 1e6):
        y = top + height - t * 1e6 / peak * height
        parts.append(f'<line x1="{left}" x2="{SVG_W - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'class="grid"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'class="axis">{t:g}</text>')
    busy = [it.get("gpu_busy_ns") for it in its]
    if any(b is not None for b in busy):
        parts.append('<polyline class="busy" points="'
                     + " ".join(xy(i, b or 0) for i, b in enumerate(busy)) + '"/>')
    if median_ns:
        y = top + height - median_ns / peak * height
        parts.append(f'<line x1="{left}" x2="{SVG_W - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'class="median"><title>median {_e(fmt_ns(median_ns))}</title></line>')
    parts.append('<polyline class="lat" points="'
                 + " ".join(xy(i, it["latency_ns"]) for i, it in enumerate(its)) + '"/>')
    if len(its) <= MAX_POINTS:
        for i, it in enumerate(its):
            tip = f"inference {it.get('index', i)}: latency {fmt_ns(it['latency_ns'])}" + (
                f", GPU busy {fmt_ns(it['gpu_busy_ns'])}" if it.get("gpu_busy_ns") else "")
            cx, cy = xy(i, it["latency_ns"]).split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" class="pt"><title>{_e(tip)}'
                         "</title></circle>")
    parts.append(f'<text x="{SVG_W - right}" y="{top + height + 18}" text-anchor="end" '
                 f'class="axis">inference ({len(its):,}); ms</text>')
    legend = ('<div class="legend"><span><i class="k-lat"></i>latency</span>'
              + ('<span><i class="k-busy"></i>GPU busy</span>' if any(busy) else "")
              + (f'<span><i class="k-median"></i>median {_e(fmt_ns(median_ns))}</span>'
                 if median_ns else "") + "</div>")
    return ("<h4>Per-inference latency</h4>"
            + _svg(top + height + 26, "".join(parts), "Per-inference latency") + legend)
