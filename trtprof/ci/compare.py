"""Compare two reports (BASE -> HEAD): headline deltas, layers matched by name, findings that
appeared or disappeared, per-layer precision changes, and per-iteration noise statistics.

The comparison is a plain serialisable dict; ``trtprof.ci.gate`` decides pass/fail from it and the
renderers in ``trtprof.reports.compare_*`` draw it. Nothing here reads a trace.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

from trtprof.report import Layer, Report, iterations_of

COMPARE_SCHEMA_VERSION = 1
MIN_TEST_ITERATIONS = 10      # fewer per-iteration values than this: no significance test

# (key, label, unit, which direction is better)
HEADLINE = [
    ("latency_median_ns", "Latency (median)", "ns", "lower"),
    ("latency_p99_ns", "Latency (p99)", "ns", "lower"),
    ("gpu_time_per_inference_ns", "GPU time / inference (median)", "ns", "lower"),
    ("throughput_qps", "Throughput (trtexec)", "qps", "higher"),
    ("gpu_compute_median_ns", "GPU compute (trtexec median)", "ns", "lower"),
    ("gemm_share", "GEMM share", "share", "higher"),
    ("tensor_core_share", "Tensor Core share", "share", "higher"),
    ("reformat_share", "Reformat share", "share", "lower"),
    ("kernels_per_inference", "Kernels / inference", "count", "lower"),
    ("kernel_count", "Kernel launches (window)", "count", None),
]

_PROFILE_SUFFIX = re.compile(r"\s*\[profile \d+\]\s*$", re.IGNORECASE)
# Pieces of a fused name: "A + B", "PWN(A, B)", "{ForeignNode[A...B]}" all name their parts.
_PARTS = re.compile(r"\s\+\s|[(),\[\]{}]|\.\.\.")
_WRAPPERS = {"", "PWN", "ForeignNode"}
_REFORMAT_NAME = re.compile(r"reformat|copynode", re.IGNORECASE)


# ---------------------------------------------------------------------------- headline

def headline_values(report: Report) -> dict:
    """The headline numbers of one report, by HEADLINE key (None where unknown). Every one is
    read on its own basis from the report (``trtprof.report``): nothing is divided here."""
    m = report.get("metrics") or {}
    lat = m.get("latency") or {}
    perf: Mapping[str, Any] = report.get("performance") or {}
    n = iterations_of(report)
    count = m.get("kernel_count")
    return {
        "latency_median_ns": lat.get("median_ns"),
        "latency_p99_ns": lat.get("p99_ns"),
        "gpu_time_per_inference_ns": m.get("gpu_time_per_inference_ns"),
        "throughput_qps": perf.get("throughput_qps"),
        "gpu_compute_median_ns": (perf.get("gpu_compute") or {}).get("median_ns"),
        "gemm_share": m.get("gemm_share"),
        "tensor_core_share": m.get("tensor_core_share"),
        "reformat_share": m.get("reformat_share"),
        # launches and inferences both count the window
        "kernels_per_inference": count / n if (count is not None and n) else None,
        "kernel_count": count,
    }


def _delta_row(key: str, label: str, unit: str, better: str | None, b, h) -> dict:
    delta = rel = None
    if b is not None and h is not None:
        delta = h - b
        rel = (delta / b) if b else None
    return {"key": key, "label": label, "unit": unit, "better": better, "base": b, "head": h,
            "delta": delta, "rel": rel}


# ---------------------------------------------------------------------------- noise

def mann_whitney(base: np.ndarray, head: np.ndarray) -> dict:
    """Two one-sided Mann-Whitney U tests (normal approximation, tie-corrected, continuity
    corrected): p_increase is small when HEAD values tend to be larger than BASE values."""
    n1, n2 = len(head), len(base)
    both = np.concatenate([head, base]).astype(np.float64)
    order = np.argsort(both, kind="mergesort")
    ranks = np.empty(len(both))
    sorted_vals = both[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_vals, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    tie = float((counts.astype(np.float64) ** 3 - counts).sum())
    var = n1 * n2 / 12.0 * ((n + 1) - tie / (n * (n - 1)))
    mu = n1 * n2 / 2.0
    if var <= 0:
        return {"u": u, "p_increase": 1.0, "p_decrease": 1.0}
    sd = math.sqrt(var)
    z_up = (u - mu - 0.5) / sd
    z_down = (mu - u - 0.5) / sd
    return {"u": float(u), "p_increase": 0.5 * math.erfc(z_up / math.sqrt(2)),
            "p_decrease": 0.5 * math.erfc(z_down / math.sqrt(2))}


def noise_stats(base: Mapping[str, Any], head: Mapping[str, Any], column: str) -> dict | None:
    """Per-iteration distribution comparison of ``column`` (latency_ns or kernel_time_ns)."""
    b = np.array([r[column] for r in base.get("iterations") or [] if r.get(column) is not None],
                 dtype=np.float64)
    h = np.array([r[column] for r in head.get("iterations") or [] if r.get(column) is not None],
                 dtype=np.float64)
    if not len(b) or not len(h):
        return None
    out: dict[str, Any] = {"n_base": int(len(b)), "n_head": int(len(h)),
           "base_median": float(np.median(b)), "head_median": float(np.median(h)),
           "base_cv": float(b.std(ddof=1) / b.mean()) if len(b) > 1 and b.mean() else None,
           "head_cv": float(h.std(ddof=1) / h.mean()) if len(h) > 1 and h.mean() else None,
           "test": None, "p_increase": None, "p_decrease": None}
    if len(b) >= MIN_TEST_ITERATIONS and len(h) >= MIN_TEST_ITERATIONS:
        mw = mann_whitney(b, h)
        out.update(test="mann-whitney", p_increase=mw["p_increase"], p_decrease=mw["p_decrease"])
    return out


# ---------------------------------------------------------------------------- layers

def normalize_name(name: str) -> str:
    """A layer name without TensorRT's "[profile N]" suffix and with collapsed spaces."""
    return " ".join(_PROFILE_SUFFIX.sub("", str(name)).split())


def name_parts(name: str) -> set[str]:
    """The original layer names a (possibly fused) TensorRT layer name is made of."""
    return {p.strip() for p in _PARTS.split(normalize_name(name))} - _WRAPPERS


def _is_reformat(layer: Mapping[str, Any]) -> bool:
    return bool(layer.get("is_reformat")) or layer.get("op_class") == "reformat" or \
        bool(_REFORMAT_NAME.search(str(layer.get("name", ""))))


def layer_basis(base: Report, head: Report) -> str:
    """Which layer time both sides can compare: per inference when both reports have it (runs
    of different lengths compare), else window totals when neither knows its inference count,
    else none (one side per inference, the other only a total of unknown length)."""
    def has_per(r: Report) -> bool:
        return any(la.get("time_per_inference_ns") is not None for la in r.get("layers") or [])
    pb, ph = has_per(base), has_per(head)
    if pb and ph:
        return "time_per_inference_ns"
    if not pb and not ph and iterations_of(base) is None and iterations_of(head) is None:
        return "time_ns"
    return ""


def _layer_ns(layer: Mapping[str, Any], key: str) -> float | None:
    v = layer.get(key) if key else None
    return float(v) if v is not None else None


def _values(layers: Sequence[Mapping[str, Any]], key: str) -> str | None:
    vals = sorted({str(la[key]) for la in layers if la.get(key) not in (None, "")})
    return "/".join(vals) if vals else None


def _group(match: str, base: list[Layer], head: list[Layer], key: str) -> dict:
    def total(layers: list[Layer]) -> float | None:
        vals = [_layer_ns(la, key) for la in layers]
        return sum(v for v in vals if v is not None) if layers and any(
            v is not None for v in vals) else (0.0 if not layers and key else None)
    b, h = total(base), total(head)
    delta = (h - b) if (b is not None and h is not None) else None
    return {
        "match": match,
        "base": [la["name"] for la in base], "head": [la["name"] for la in head],
        "base_ns": b, "head_ns": h, "delta_ns": delta,
        "rel": (delta / b) if (delta is not None and b) else None,
        "base_precision": _values(base, "precision"), "head_precision": _values(head, "precision"),
        "base_engine_precision": _values(base, "engine_precision"),
        "head_engine_precision": _values(head, "engine_precision"),
        "op_class": _values(head or base, "op_class"),
        "reformat": any(_is_reformat(la) for la in head or base),
    }


def match_layers(base: list[Layer], head: list[Layer]
                 ) -> list[tuple[str, list[Layer], list[Layer]]]:
    """Pair BASE and HEAD layers: exact names, then names equal after normalisation ("[profile
    N]" suffixes, spacing), then fused/split names sharing original layer names ("A + B" vs "A"
    and "B"), as connected groups. What is left is added or removed."""
    groups: list[tuple[str, list[Layer], list[Layer]]] = []
    head_by_name: dict[str, Layer] = {}
    for la in head:
        head_by_name.setdefault(la["name"], la)
    used_h: set[int] = set()
    rest_b = []
    for la in base:
        other = head_by_name.get(la["name"])
        if other is not None and id(other) not in used_h:
            used_h.add(id(other))
            groups.append(("exact", [la], [other]))
        else:
            rest_b.append(la)
    rest_h = [la for la in head if id(la) not in used_h]

    # normalised names (several "[profile N]" copies fold into one group)
    nb, nh = defaultdict(list), defaultdict(list)
    for la in rest_b:
        nb[normalize_name(la["name"])].append(la)
    for la in rest_h:
        nh[normalize_name(la["name"])].append(la)
    for key in [k for k in nb if k in nh]:
        groups.append(("renamed", nb.pop(key), nh.pop(key)))
    rest_b = [la for v in nb.values() for la in v]
    rest_h = [la for v in nh.values() for la in v]

    # Reformat layers are named after the tensor they feed, not fused from parts: never fold them.
    groups.extend(("removed", [la], []) for la in rest_b if _is_reformat(la))
    groups.extend(("added", [], [la]) for la in rest_h if _is_reformat(la))
    rest_b = [la for la in rest_b if not _is_reformat(la)]
    rest_h = [la for la in rest_h if not _is_reformat(la)]
    # fused/split: connect layers that share a part name, take connected components
    nodes = [("b", la) for la in rest_b] + [("h", la) for la in rest_h]
    parent = list(range(len(nodes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    owner: dict[str, int] = {}
    for i, (_side, la) in enumerate(nodes):
        for part in name_parts(la["name"]):
            if part in owner:
                parent[find(i)] = find(owner[part])
            else:
                owner[part] = i
    comps: dict[int, list[int]] = defaultdict(list)
    for i in range(len(nodes)):
        comps[find(i)].append(i)
    for members in sorted(comps.values()):
        b = [nodes[i][1] for i in members if nodes[i][0] == "b"]
        h = [nodes[i][1] for i in members if nodes[i][0] == "h"]
        if b and h:
            groups.append(("fused", b, h))
        else:
            # unrelated layers that merely share a part are reported one by one
            groups.extend(("removed", [la], []) for la in b)
            groups.extend(("added", [], [la]) for la in h)
    return groups


def precision_changes(layers: list[dict]) -> list[dict]:
    """Matched layers whose kernel precision or engine-reported precision changed."""
    out = []
    for g in layers:
        if g["match"] in ("added", "removed"):
            continue
        for field, label in (("engine_precision", "engine"), ("precision", "kernels")):
            b, h = g[f"base_{field}"], g[f"head_{field}"]
            if b is not None and h is not None and b.lower() != h.lower():
                out.append({"base": g["base"], "head": g["head"], "source": label,
                            "base_precision": b, "head_precision": h, "match": g["match"]})
                break
    return out


# ---------------------------------------------------------------------------- findings

def _finding_layers(f: Mapping[str, Any]) -> set[str]:
    return {normalize_name(n) for n in f.get("layers") or []}


def compare_findings(base: Sequence[Mapping[str, Any]], head: Sequence[Mapping[str, Any]]
                     ) -> dict:
    """Findings of HEAD not in BASE (a new kind, or a known kind naming new layers), and the
    reverse. Matching is by kind and layer names, never by title (titles carry numbers)."""
    def by_kind(findings: Sequence[Mapping[str, Any]]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for f in findings:
            out[f.get("kind", "")] |= _finding_layers(f)
        return out
    bk, hk = by_kind(base), by_kind(head)

    def diff(ours: Sequence[Mapping[str, Any]], theirs: dict[str, set[str]]
             ) -> tuple[list[dict], list[Mapping[str, Any]]]:
        changed: list[dict] = []
        same: list[Mapping[str, Any]] = []
        for f in ours:
            kind = f.get("kind", "")
            lays = _finding_layers(f)
            if kind not in theirs:
                changed.append({**f, "change": "new kind", "changed_layers": sorted(
                    f.get("layers") or [])})
            elif lays - theirs[kind]:
                extra = [n for n in f.get("layers") or [] if normalize_name(n) not in theirs[kind]]
                changed.append({**f, "change": "new layers", "changed_layers": extra})
            else:
                same.append(f)
        return changed, same
    appeared, persisting = diff(head, bk)
    disappeared, _ = diff(base, hk)
    return {"appeared": appeared, "disappeared": disappeared, "persisting": persisting}


# ---------------------------------------------------------------------------- entry point

def _side(report: Report) -> dict:
    gpu: Mapping[str, Any] = report.get("gpu") or {}
    lat: Mapping[str, Any] = (report.get("metrics") or {}).get("latency") or {}
    return {"inputs": [i.get("path") for i in report.get("inputs") or []],
            "gpu": gpu.get("name"), "iterations": iterations_of(report),
            # what "latency" measures: inference ranges of a trace, or trtexec's host latency
            "latency_source": lat.get("source") or ("trace" if lat else None),
            # None: a report from before rules_evaluated (findings then compare as before)
            "rules_evaluated": report.get("rules_evaluated"),
            "window": cast(Mapping[str, Any], report.get("window") or {}).get("kind"),
            "tool_version": cast(Mapping[str, Any], report.get("tool") or {}).get("version")}


def compare_reports(base: Report, head: Report) -> dict:
    """BASE -> HEAD comparison as a plain, JSON-serialisable dict."""
    hb, hh = headline_values(base), headline_values(head)
    headline = [_delta_row(k, label, unit, better, hb[k], hh[k])
                for k, label, unit, better in HEADLINE]
    basis = layer_basis(base, head)
    groups = [_group(m, b, h, basis) for m, b, h in match_layers(base.get("layers") or [],
                                                                  head.get("layers") or [])]
    groups.sort(key=lambda g: -abs(g["delta_ns"] or 0))
    notes = []
    if basis == "time_ns" and groups:
        notes.append("neither side says how many inferences it covers: layer times are "
                     "window totals, comparable only if both runs are equally long")
    elif not basis and base.get("layers") and head.get("layers"):
        notes.append("layer times are not comparable: one side gives them per inference, the "
                     "other only as a total over an unknown number of inferences")
    sb, sh = _side(base), _side(head)
    if sb["gpu"] and sh["gpu"] and sb["gpu"] != sh["gpu"]:
        notes.append(f"different GPUs: {sb['gpu']} vs {sh['gpu']}; latency deltas mix the "
                     "engine change with the hardware change")
    if sb["latency_source"] and sh["latency_source"] and \
            sb["latency_source"] != sh["latency_source"]:
        notes.append(f"latency is not the same measure on both sides ({sb['latency_source']} vs "
                     f"{sh['latency_source']}): the latency rows do not compare")
    if not (base.get("layers") and head.get("layers")):
        notes.append("per-layer comparison needs layer names on both sides (NVTX ranges in the "
                     "trace, or a layer JSON/profile)")
    counts: defaultdict[str, int] = defaultdict(int)
    for g in groups:
        counts[g["match"]] += 1
    return {
        "schema_version": COMPARE_SCHEMA_VERSION,
        "base": sb, "head": sh,
        "headline": headline,
        "noise": {"latency": noise_stats(base, head, "latency_ns"),
                  "gpu_time": noise_stats(base, head, "kernel_time_ns")},
        "layer_basis": {"time_per_inference_ns": "per inference", "time_ns": "window total",
                        "": None}[basis],
        "layers": groups,
        "layer_counts": dict(counts),
        "precision_changes": precision_changes(groups),
        "findings": compare_findings(base.get("findings") or [], head.get("findings") or []),
        "notes": notes,
    }


def headline_row(comparison: dict, key: str) -> dict | None:
    return next((r for r in comparison.get("headline", []) if r["key"] == key), None)
