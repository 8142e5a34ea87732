"""Markdown rendering of a comparison and of a gate result: the gate's output is the PR comment.

The comment starts with ``MARKER`` on its own line so a bot can find and update its own comment.
Every name from the inputs (layers, kernels, paths, finding titles) goes through
``trtprof.reports.md``, as in the report's markdown: a crafted layer name cannot inject links,
HTML, mentions, math, emoji, issue references or the marker.
"""

from __future__ import annotations

from trtprof.reports.common import (change_verdict, count_of, fmt_change, fmt_metric, fmt_ns,
                                    precision_rank)
from trtprof.reports.md import code, name_list, report_link
from trtprof.reports.md import escape as text

MARKER = "<!-- trtprof-gate -->"
_ICON = {"pass": "✅", "fail": "❌", "noise": "〰️", "skip": "➖"}


def _layer_cell(names: list[str]) -> str:
    if not names:
        return "-"
    cells = [code(n, 70, table=True) for n in names[:2]]
    more = f" (+{len(names) - 2} more)" if len(names) > 2 else ""
    return " + ".join(cells) + more


def _sides(comparison: dict) -> list[str]:
    out = []
    for side in ("base", "head"):
        s = comparison[side]
        inputs = ", ".join(code(p, 80) for p in s.get("inputs") or []) or "-"
        gpu = f" on {text(s['gpu'])}" if s.get("gpu") else ""
        its = f", {count_of(s['iterations'], 'inference')}" if s.get("iterations") else ""
        out.append(f"**{side.capitalize()}**: {inputs}{gpu}{its}  ")
    return out


def _headline(comparison: dict) -> list[str]:
    lines = ["| Metric | Base | Head | Change |", "|---|---:|---:|---:|"]
    for row in comparison["headline"]:
        if row["base"] is None and row["head"] is None:
            continue
        mark = {"worse": " 🔺", "better": " 🟢"}.get(change_verdict(row), "")
        lines.append(f"| {row['label']} | {fmt_metric(row['base'], row['unit'])} | "
                     f"{fmt_metric(row['head'], row['unit'])} | {fmt_change(row)}{mark} |")
    return lines if len(lines) > 2 else ["_No headline metric is measured on either side._"]


def _findings(comparison: dict) -> list[str]:
    f = comparison["findings"]
    lines = []
    for title, items in (("New findings", f["appeared"]), ("Resolved findings", f["disappeared"])):
        if not items:
            continue
        lines += ["", f"**{title}** ({len(items)})", ""]
        for item in items:
            layers = name_list("layers", item.get("changed_layers") or [], "  ", 90)
            what = " (new layers)" if item.get("change") == "new layers" else ""
            lines.append(f"- **{text(item.get('severity', '?'))}** {code(item.get('kind', '?'))}"
                         f"{what}: {text(item.get('title', ''))}")
            if layers:
                lines += ["", *layers, ""]
    return lines


def _reformats(comparison: dict) -> list[str]:
    added = [g for g in comparison["layers"] if g["match"] == "added" and g["reformat"]]
    if not added:
        return []
    total = sum(g["head_ns"] or 0 for g in added)
    lines = ["", f"**New reformat layers** ({len(added)}, {fmt_ns(total)} per inference)", ""]
    lines += [f"- {code(g['head'][0], 100)} ({fmt_ns(g['head_ns'])})" for g in added[:15]]
    if len(added) > 15:
        lines.append(f"- ... and {len(added) - 15} more")
    return lines


def _precision(comparison: dict, top: int) -> list[str]:
    changes = sorted(comparison.get("precision_changes") or [], key=precision_rank)
    if not changes:
        return []
    lines = ["", f"**Precision changes** ({len(changes)})", "",
             "| Layer | Base | Head | From |", "|---|---|---|---|"]
    for c in changes[:top]:
        lines.append(f"| {_layer_cell(c['head'])} | {code(c['base_precision'], table=True)} | "
                     f"{code(c['head_precision'], table=True)} | {c['source']} |")
    if len(changes) > top:
        lines.append(f"\n... and {len(changes) - top} more")
    return lines


def _layers(comparison: dict, top: int) -> list[str]:
    groups = comparison["layers"]
    if not groups:
        return []
    counts = ", ".join(f"{n} {k}" for k, n in sorted(comparison.get("layer_counts", {}).items()))
    lines = ["", f"<details><summary>Layer changes ({counts})</summary>", "",
             "| Layer | Base / inference | Head / inference | Change | Match |",
             "|---|---:|---:|---:|---|"]
    for g in groups[:top]:
        rel = f"{g['rel'] * 100:+.1f}%" if g.get("rel") is not None else \
            (fmt_ns(g["delta_ns"]) if g.get("delta_ns") is not None else "-")
        base_names = g["base"] if g["base"] != g["head"] else []
        cell = _layer_cell(g["head"] or g["base"])
        if base_names and g["head"]:
            cell += f"<br>was {_layer_cell(base_names)}"
        lines.append(f"| {cell} | {fmt_ns(g['base_ns']) if g['base'] else '-'} | "
                     f"{fmt_ns(g['head_ns']) if g['head'] else '-'} | {rel} | {g['match']} |")
    if len(groups) > top:
        lines.append(f"\n... and {len(groups) - top} more layers")
    return lines + ["", "</details>"]


def _notes(comparison: dict) -> list[str]:
    notes = comparison.get("notes") or []
    return ["", *[f"> {text(n)}" for n in notes]] if notes else []


def render_comparison(comparison: dict, top: int = 10) -> str:
    lines = ["### trtprof compare", "", *_sides(comparison), "", *_headline(comparison)]
    lines += _findings(comparison) + _reformats(comparison) + _precision(comparison, top)
    lines += _layers(comparison, top) + _notes(comparison)
    return "\n".join(lines) + "\n"


def render_gate(comparison: dict, result, top: int = 10, report_url: str | None = None) -> str:
    failed = result.failures
    head = {"passed": "✅ trtprof gate passed" + (f" ({result.counts})" if result.counts else ""),
            "nothing compared": f"⚠️ trtprof gate compared nothing: all {len(result.checks)} "
                                "checks skipped (no metric is measured on both sides)"}.get(
        result.verdict, f"❌ trtprof gate failed: {len(failed)} of {len(result.checks)} checks")
    lines = [MARKER, f"### {head}", ""]
    lines += report_link(report_url)
    lines += [*_sides(comparison), "", "| | Check | Result |", "|---|---|---|"]
    for c in result.checks:
        # details are ours (numbers and words), only table pipes need escaping
        lines.append(f"| {_ICON[c.status]} | {c.label} | {c.detail.replace('|', chr(92) + '|')} |")
    lines += _findings(comparison) + _reformats(comparison) + _precision(comparison, top)
    lines += ["", "<details><summary>Headline metrics</summary>", "", *_headline(comparison),
              "", "</details>"]
    lines += _layers(comparison, top) + _notes(comparison)
    lines += ["", "<sub>〰️ = over the threshold but within run-to-run jitter (one-sided "
              "Mann-Whitney test on per-inference times); see docs/CI.md.</sub>"]
    return "\n".join(lines) + "\n"
