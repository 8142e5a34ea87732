"""Charts for the HTML report: matplotlib figures of report data, returned as PNG data URIs.

Charts draw what the report already holds; they compute nothing beyond placing it on axes.
matplotlib is optional (the ``html`` extra) and imported only here, through the Agg canvas, so no
GUI backend or global pyplot state is touched.
"""

from __future__ import annotations

import base64
import io
import re

from trtprof.errors import UsageError
from trtprof.reports.common import fit, fmt_ns

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
DPI = 110


def class_color(name: str) -> str:
    """A stable colour per op class; classes outside the vocabulary get a spare colour picked
    by a hash of the name, so the same class has the same colour in every chart and table."""
    if name in CLASS_COLORS:
        return CLASS_COLORS[name]
    return _SPARE[sum(name.encode("utf-8")) % len(_SPARE)]


def _label(text, width: int = 48) -> str:
    """Text safe for a matplotlib label: one line, and no mathtext ($...$ would be parsed)."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", fit(text, width))
    return text.replace("\\", "\\\\").replace("$", r"\$")


def _figure(width: float, height: float):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError("--html needs matplotlib: pip install 'trtprof[html]'") from None
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def _share_bars(ax, shares: dict, colors, title: str) -> None:
    items = sorted(shares.items(), key=lambda kv: kv[1])
    names = [_label(k, 24) for k, _ in items]
    vals = [v * 100 for _, v in items]
    ax.barh(names, vals, height=0.6, color=[colors(k) for k, _ in items])
    for y, v in enumerate(vals):
        ax.text(v + 1, y, f"{v:.1f}%", va="center", fontsize=8)
    ax.set_xlim(0, 112)
    ax.set_xlabel("% of kernel time", fontsize=8)
    ax.set_title(title, fontsize=10, loc="left")
    _style(ax)


def shares_chart(report: dict) -> str | None:
    """Kernel time by op class and by precision, side by side."""
    m = report.get("metrics") or {}
    ops, prec = m.get("op_class_share") or {}, m.get("precision_share") or {}
    if not ops and not prec:
        return None
    rows = max(len(ops), len(prec), 2)
    fig = _figure(9, 0.9 + 0.28 * rows)
    left, right = fig.subplots(1, 2)
    _share_bars(left, ops, class_color, "Time by op class")
    _share_bars(right, prec, lambda k: PRECISION_COLORS.get(k, "#bbbbbb"), "Time by precision")
    return _uri(fig)


def top_layers_chart(layers: list[dict], key: str = "time_per_inference_ns",
                     label: str = "time / inference") -> str | None:
    """Time of the given (top) layers on the report's basis (``key``), coloured by op class."""
    layers = [lay for lay in layers if lay.get(key)]
    if not layers:
        return None
    layers = layers[::-1]  # barh draws bottom-up; the biggest goes on top
    fig = _figure(9, 1.1 + 0.26 * len(layers))
    ax = fig.subplots()
    vals = [lay[key] / 1e3 for lay in layers]
    ax.barh(range(len(layers)), vals, height=0.7,
            color=[class_color(lay.get("op_class") or "unknown") for lay in layers])
    ax.set_yticks(range(len(layers)), [_label(lay["name"], 60) for lay in layers])
    for y, (v, lay) in enumerate(zip(vals, layers)):
        ax.text(v, y, " " + fmt_ns(lay[key]), va="center",
                fontsize=7)
    ax.set_xlabel(f"{label} (us)", fontsize=8)
    ax.set_xlim(0, max(vals) * 1.15)
    ax.set_title(f"Top {len(layers)} layers", fontsize=10, loc="left")
    _style(ax)
    classes = list(dict.fromkeys(lay.get("op_class") or "unknown" for lay in layers))
    fig.legend(handles=_patches(classes), loc="outside lower center", fontsize=7, frameon=False,
               ncols=min(len(classes), 8))
    return _uri(fig)


def timeline_chart(timeline: dict | None) -> str | None:
    """GPU ops of one inference on a lane per stream, coloured by op class."""
    ops = (timeline or {}).get("ops") or []
    if not ops:
        return None
    assert timeline is not None   # it has ops
    streams = sorted({o["stream"] for o in ops})
    lane = {s: i for i, s in enumerate(streams)}
    fig = _figure(9, 1.3 + 0.45 * len(streams))
    ax = fig.subplots()
    by_class: dict[str, dict[int, list]] = {}
    for o in ops:
        cls = o.get("op_class") or o.get("kind") or "unknown"
        # ops shorter than a pixel still get a visible sliver
        by_class.setdefault(cls, {}).setdefault(lane[o["stream"]], []).append(
            (o["start_ns"] / 1e6, max(o["duration_ns"], 1) / 1e6))
    for cls, lanes in by_class.items():
        for y, spans in lanes.items():
            ax.broken_barh(spans, (y - 0.38, 0.76), facecolors=class_color(cls),
                           edgecolor=class_color(cls), linewidth=0.3)
    ax.set_yticks(range(len(streams)), [f"stream {s}" for s in streams])
    ax.set_ylim(-0.6, len(streams) - 0.4)
    ax.invert_yaxis()
    end = max((timeline.get("latency_ns") or 0) / 1e6,
              max(o["start_ns"] + o["duration_ns"] for o in ops) / 1e6)
    ax.set_xlim(0, end * 1.01 or 1)
    ax.set_xlabel("ms from the start of the inference", fontsize=8)
    ax.set_title(f"Inference {timeline.get('iteration')} "
                 f"(latency {fmt_ns(timeline.get('latency_ns'))})", fontsize=10, loc="left")
    _style(ax)
    fig.legend(handles=_patches(by_class), loc="outside lower center", fontsize=7,
               frameon=False, ncols=min(len(by_class), 8))
    return _uri(fig)


def _patches(classes):
    from matplotlib.patches import Patch
    return [Patch(color=class_color(c), label=_label(c, 20)) for c in classes]


def latency_chart(iterations: list[dict], median_ns: int | None = None) -> str | None:
    """Latency of every inference in order, with GPU busy time beneath it."""
    its = [it for it in iterations or [] if it.get("latency_ns") is not None]
    if len(its) < 2:
        return None
    x = [it.get("index", i) for i, it in enumerate(its)]
    fig = _figure(9, 3.0)
    ax = fig.subplots()
    marker = "." if len(its) <= 400 else None
    ax.plot(x, [it["latency_ns"] / 1e6 for it in its], color="#1f5fbf", linewidth=0.8,
            marker=marker, markersize=3, label="latency")
    if any(it.get("gpu_busy_ns") is not None for it in its):
        ax.plot(x, [(it.get("gpu_busy_ns") or 0) / 1e6 for it in its], color="#2ca25f",
                linewidth=0.8, label="GPU busy")
    if median_ns:
        ax.axhline(median_ns / 1e6, color="#e6550d", linewidth=0.8, linestyle="--",
                   label=f"median {fmt_ns(median_ns)}")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("inference", fontsize=8)
    ax.set_ylabel("ms", fontsize=8)
    ax.set_title("Per-inference latency", fontsize=10, loc="left")
    fig.legend(loc="outside lower center", fontsize=7, frameon=False, ncols=3)
    _style(ax)
    return _uri(fig)
