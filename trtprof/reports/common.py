"""Formatting shared by the renderers: numbers to words, the headline rows. No analysis here."""

from __future__ import annotations

import re
from collections import Counter

from trtprof.report import iterations_of, per_inference


_SCALES = (("s", 1e9), ("ms", 1e6), ("us", 1e3), ("ns", 1.0))


def time_unit(ns) -> str:
    """The unit fmt_ns would choose for ``ns``: give it to fmt_ns for a column of one unit."""
    ns = abs(float(ns or 0))
    return next((u for u, scale in _SCALES if ns >= scale), "ns")


def fmt_ns(ns, unit: str | None = None) -> str:
    """Nanoseconds as a short human duration ("1.23 ms"), in ``unit`` when given (a column
    reads better in one unit); "-" when unknown."""
    if ns is None:
        return "-"
    ns = float(ns)
    unit = unit or time_unit(ns)
    scale = dict(_SCALES)[unit]
    value = ns / scale
    if unit == "ns" or abs(value) >= 100:
        return f"{value:.0f} {unit}"
    return f"{value:.3g} {unit}"


def count_of(n: int, word: str, plural: str | None = None) -> str:
    """``1 inference``, ``12 inferences``: English plurals of our own nouns."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def fmt_pct(x) -> str:
    if x is None:
        return "-"
    x = float(x) * 100
    return f"{x:.1f}%" if x >= 0.1 or x == 0 else "<0.1%"


def fmt_bytes(n) -> str:
    if n is None:
        return "-"
    n = float(n)
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"




def short_name(name: str, width: int = 80) -> str:
    """A kernel name shortened for tables: drop the argument list, cut in the middle."""
    name = str(name)
    if name.startswith("void "):
        name = name[5:]
    if "(" in name and not name.startswith("["):
        name = name[:_argument_list_start(name)] or name
    return fit(name, width)


def _argument_list_start(name: str) -> int:
    """Where the trailing ``(...)`` argument list starts: the last ``(`` outside template
    brackets and other parentheses (``(bool)1`` inside ``<...>`` is a template argument), or
    len(name) when there is none."""
    angle = paren = 0
    start = len(name)
    for i, ch in enumerate(name):
        if ch == "<":
            angle += 1
        elif ch == ">" and angle:
            angle -= 1
        elif ch == "(":
            if angle == 0 and paren == 0:
                start = i
            paren += 1
        elif ch == ")" and paren:
            paren -= 1
    return start if name.rstrip().endswith(")") else len(name)


_TEMPLATE = re.compile(r"<.*>")
_ARG_TOKENS = re.compile(r"[A-Za-z0-9.]+")  # tokens: no _ (xmma names are _-joined)


_NAMESPACES = re.compile(r"^(?:\w+::)+")
MAX_TOLD_APART = 64


def _shorter(plain: str, width: int) -> str:
    """``plain`` within ``width``: without template arguments, then without namespaces, then
    cut in the middle."""
    if len(plain) <= width:
        return plain
    bare = _TEMPLATE.sub("<...>", plain)
    if len(bare) <= width:
        return bare
    local = _NAMESPACES.sub("", bare)
    return local if len(local) <= width else fit(bare, width)


def unique_layer_names(names: list[str], width: int = 80) -> list[str]:
    """Layer names for a table, cut in the middle where too long, keeping the tokens that tell
    rows apart that would otherwise read the same (layer names are shown whole otherwise:
    their parentheses are not argument lists)."""
    return _unique([str(n) for n in names], width, lambda p, w: fit(p, w))


def unique_short_names(names: list[str], width: int = 80) -> list[str]:
    """Kernel names for a table: each as short as it can be and still tell the rows apart.

    A name is shown without its argument list; when that does not fit, without its template
    arguments (``name<...>``), then without namespaces, then cut in the middle; rows that would
    then read the same keep the tokens that tell them apart (``cutlass::Kernel<...128x128...>``,
    ``sm80_xmma_..._trt [tilesize128x96x64]``) when those fit; else they are numbered."""
    return _unique([short_name(n, 10**6) for n in names], width, _shorter)


def _unique(plain: list[str], width: int, shorter) -> list[str]:
    """``shorter(name, width)`` of each name; rows that read the same get their telling tokens
    (or, failing that, a number)."""
    first = [shorter(p, width) for p in plain]
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(first):
        groups.setdefault(c, []).append(i)
    tokens_of: dict[int, set[str]] = {}
    out = []
    for i, p in enumerate(plain):
        members = groups[first[i]]
        # (a group too big for a few tokens to tell apart is numbered: tables show the top rows)
        if len(members) == 1 or len(p) <= width or len(members) > MAX_TOLD_APART:
            out.append(first[i])
            continue
        # the tokens that tell this row from the others of its group: those most others lack
        # first, until no other row has them all (or the room is used up)
        for j in members:
            if j not in tokens_of:
                tokens_of[j] = set(_ARG_TOKENS.findall(plain[j]))
        others = [tokens_of[j] for j in members if j != i]
        mine = list(dict.fromkeys(_ARG_TOKENS.findall(p)))
        ranked = sorted((t for t in mine if any(t not in o for o in others)),
                        key=lambda t: (-sum(t not in o for o in others), -len(t)))
        templated = _TEMPLATE.search(p)
        suffix, room = "", int(width * 0.6)
        tokens: list[str] = []
        for t in ranked:
            if all(any(x not in o for x in tokens) for o in others):
                break                        # already unique
            chosen = [x for x in mine if x in (*tokens, t)]      # shown in name order
            candidate = (f"<...{', '.join(chosen)}...>" if templated
                         else f" [{', '.join(chosen)}]")
            if len(candidate) > room:
                break
            tokens, suffix = [*tokens, t], candidate
        if not suffix:
            out.append(first[i])
            continue
        head = _NAMESPACES.sub("", _TEMPLATE.sub("", p)) if templated else p
        out.append(fit(head, width - len(suffix)) + suffix)
    seen: dict[str, int] = {}
    counts = Counter(out)
    for i, text in enumerate(out):
        if counts[text] > 1:
            seen[text] = seen.get(text, 0) + 1
            tag = f" #{seen[text]}"
            out[i] = fit(text, width - len(tag)) + tag
    return out


# What our own words show as code: the commands they quote in backticks (group 1) and the
# command-line flags they name (``--fp16``, ``--layerPrecisions=<layer>:int8``).
COMMANDS = re.compile(r"`([^`\n]+)`|(?<![\w`-])--[A-Za-z][\w-]*(?:=[^\s,;()`]*[^\s,;().`])?")


def fit(text: str, width: int = 80) -> str:
    """Text cut in the middle to ``width`` characters. For layer names, which are shown whole
    (short_name's argument-list trimming is for kernel names only)."""
    text = str(text)
    if len(text) <= width:
        return text
    keep = width - 3
    return text[: keep - keep // 3] + "..." + text[-(keep // 3):]


def headline(report: dict) -> list[tuple[str, str]]:
    """The headline rows every renderer shows, as (label, text) pairs."""
    m = report.get("metrics") or {}
    w = report.get("window") or {}
    gpu = report.get("gpu") or {}
    rows = []
    inputs = ", ".join(f"{i['path']} ({i['kind']})" for i in report.get("inputs", []))
    rows.append(("Inputs", inputs or "-"))
    if gpu:
        cc = f" (sm {gpu['compute_capability']}" if gpu.get("compute_capability") else ""
        sms = f", {gpu['sm_count']} SMs)" if gpu.get("sm_count") else (")" if cc else "")
        rows.append(("GPU", f"{gpu.get('name')}{cc}{sms}"))
    if w:
        desc = {"tensorrt": "TensorRT execution ranges", "nvtx": "NVTX iteration ranges",
                # dict.get of a None key just gives the default; typeshed wants the key type
                "all": "all GPU work", "profile": "per-layer profile times"}.get(w.get("kind"),  # type: ignore[arg-type]
                                                                               w.get("kind"))
        if w.get("source") in ("profile", "layers"):
            desc = ("per-layer profile averages" if w["source"] == "profile"
                    else "engine layers only (no timings)" if report.get("layers")
                    else "no per-layer data")
        its = f", {count_of(w['iterations'], 'inference')}" if w.get("iterations") is not None else ""
        exc = (f", {w['excluded_kernels']} kernels outside excluded"
               if w.get("excluded_kernels") else "")
        rows.append(("Window", f"{desc}{its}{exc}"))
    lat = m.get("latency")
    if lat:
        rows.append(("Latency", _latency_text(lat)))
    rows += _performance_rows(report.get("performance"))
    gpt = m.get("gpu_time_per_iteration")
    if gpt:
        rows.append(("GPU time / inference", f"median {fmt_ns(gpt['median_ns'])}"))
    elif m.get("gpu_time_per_inference_ns") is not None:
        runs = (report.get("window") or {}).get("iterations")
        rows.append(("GPU time / inference",
                     f"{fmt_ns(m['gpu_time_per_inference_ns'])} (per-layer averages summed"
                     + (f", {runs:,} profiled runs)" if runs else ")")))
    if m.get("kernel_count") is not None:
        rows.append(("Kernels", f"{count_of(m['kernel_count'], 'launch', 'launches')}, "
                                f"{m.get('unique_kernels', '?')} "
                                f"unique, {fmt_ns(m.get('kernel_time_ns'))} in total"))
    rows.append(("GEMM share", fmt_pct(m.get("gemm_share"))))
    rows.append(("Tensor Core share", fmt_pct(m.get("tensor_core_share"))))
    ops = m.get("op_class_share") or {}
    if ops:
        rows.append(("Time by op class", ", ".join(f"{k} {fmt_pct(v)}"
                                                   for k, v in list(ops.items())[:6])))
    prec = m.get("precision_share") or {}
    if prec:
        rows.append(("Time by precision", ", ".join(f"{k} {fmt_pct(v)}"
                                                    for k, v in list(prec.items())[:6])))
    mc = m.get("memcpy") or {}
    if mc.get("count"):
        dirs = ", ".join(f"{d} {fmt_ns(v['time_ns'])} ({fmt_bytes(v['bytes'])})"
                         for d, v in mc.get("by_direction", {}).items())
        rows.append(("Copies", f"{mc['count']:,}: {dirs}"))
    if m.get("gpu_utilization") is not None:
        rows.append(("GPU busy", f"{fmt_pct(m['gpu_utilization'])} of the window span"))
    return rows


def _latency_text(lat: dict) -> str:
    parts = [f"median {fmt_ns(lat.get('median_ns'))}"]
    parts += [f"{k} {fmt_ns(lat[f'{k}_ns'])}" for k in ("p90", "p99")
              if lat.get(f"{k}_ns") is not None]
    text = ", ".join(parts)
    if lat.get("cv") is not None:
        text += f" (cv {lat['cv'] * 100:.1f}%)"
    if lat.get("source") == "trtexec performance summary":
        text += " (trtexec host latency, copies included)"
    return text


def _performance_rows(perf: dict | None) -> list[tuple[str, str]]:
    """trtexec's summary: throughput, then GPU compute with the host-side parts beside it."""
    if not perf:
        return []
    rows = []
    runs = (f"; {perf['used']} of {perf['summaries']} summaries"
            if (perf.get("summaries") or 0) > 1 else "")
    if perf.get("throughput_qps") is not None:
        rows.append(("Throughput", f"{perf['throughput_qps']:,.6g} qps (trtexec{runs})"))
    comp = perf.get("gpu_compute") or {}
    if comp.get("median_ns") is not None:
        text = f"median {fmt_ns(comp['median_ns'])}"
        if comp.get("p99_ns") is not None:
            text += f", p99 {fmt_ns(comp['p99_ns'])}"
        if perf.get("gpu_compute_cv") is not None:
            text += f" (cv {perf['gpu_compute_cv'] * 100:.1f}%)"
        rows.append(("GPU compute", text))
    host = [f"{label} {fmt_ns((perf.get(key) or {}).get('median_ns'))}"
            for key, label in (("enqueue", "enqueue"), ("h2d", "H2D"), ("d2h", "D2H"))
            if (perf.get(key) or {}).get("median_ns") is not None]
    if host:
        rows.append(("Host side", "median " + ", ".join(host) + " per inference"))
    return rows


def gemm_verdict(report: dict) -> str | None:
    m = report.get("metrics") or {}
    g = m.get("gemm_share")
    if g is None:
        return None
    target = (report.get("settings") or {}).get("gemm_target", 0.9)
    if g >= target:
        return f"GEMM share {fmt_pct(g)} meets the {fmt_pct(target)} target."
    return f"GEMM share {fmt_pct(g)} is below the {fmt_pct(target)} target."


def layer_time(report: dict) -> tuple[str, str]:
    """(key, label) of the layer time a table shows: per inference when the report has it,
    else the window total (a trace without inference ranges)."""
    if any(la.get("time_per_inference_ns") is not None for la in report.get("layers") or []):
        return "time_per_inference_ns", "time / inference"
    return "time_ns", "total time"


def top_layers(report: dict, n: int) -> list[dict]:
    key, _label = layer_time(report)
    layers = [layer for layer in report.get("layers") or [] if layer.get(key) is not None]
    return sorted(layers, key=lambda r: -(r.get(key) or 0))[:n]


def fmt_metric(value, unit: str) -> str:
    """A headline value by unit: "ns" durations, "share" fractions, "count" numbers."""
    if value is None:
        return "-"
    if unit == "ns":
        return fmt_ns(value)
    if unit == "share":
        return fmt_pct(value)
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def fmt_change(row: dict) -> str:
    """The change of a comparison headline row: points for shares, percent otherwise."""
    if row.get("delta") is None:
        return "-"
    if row["unit"] == "share":
        return f"{row['delta'] * 100:+.1f} pts"
    if row.get("rel") is None:
        return f"{row['delta']:+,.0f}" if row["unit"] == "count" else fmt_ns(row["delta"])
    return f"{row['rel'] * 100:+.1f}%"


def change_verdict(row: dict, tolerance: float = 0.005) -> str:
    """"better", "worse" or "same" for a headline row (same: within half a percent/point)."""
    d = row.get("delta")
    if d is None or row.get("better") is None:
        return "same"
    size = abs(d) if row["unit"] == "share" else abs(row["rel"]) if row.get("rel") is not None \
        else abs(d)
    if size <= tolerance:
        return "same"
    return "better" if (d < 0) == (row["better"] == "lower") else "worse"


def precision_rank(change: dict) -> int:
    """Order precision changes: to fp32/mixed (fallbacks) first."""
    head = str(change.get("head_precision", "")).lower()
    return 0 if ("fp32" in head or "float" in head or "mixed" in head) else 1


def finding_stake(report: dict, f: dict, unit: str | None = None) -> list[str]:
    """What a finding puts at stake, in the report's words: the time per inference when the
    window's inference count is known (else the window total) and the estimated saving on the
    same basis, in ``unit`` when given. A share alone only when there is no time: each rule's
    share has its own basis (kernel time, an inference's span, copy time), which its message
    names; a column of unlabelled shares would compare unlike things."""
    n = iterations_of(report)     # type: ignore[arg-type]

    def time(ns) -> str:
        if n and n > 1:
            return f"{fmt_ns(per_inference(ns, n), unit)} per inference"
        return fmt_ns(ns, unit)
    out = []
    if f.get("time_ns") is not None:
        out.append(time(f["time_ns"]))
    elif f.get("share") is not None:
        out.append(f"share {fmt_pct(f['share'])}")
    if f.get("saving_ns"):
        out.append(f"saves ~{time(f['saving_ns'])}")
    return out


def stake_unit(report: dict, findings: list[dict]) -> str | None:
    """One time unit for the stakes of ``findings`` shown together: the largest one's."""
    n = iterations_of(report)     # type: ignore[arg-type]
    times = [f["time_ns"] / n if n and n > 1 else f["time_ns"]      # finding_stake's basis
             for f in findings if f.get("time_ns") is not None]
    return time_unit(max(times)) if times else None
