"""Plain-text rendering of a comparison (``trtprof compare``) and a gate result (``trtprof gate``).
Fixed width, no colour: the same bytes in a terminal and in a CI log."""

from __future__ import annotations

from trtprof.reports.common import (change_verdict, count_of, fmt_change, fmt_metric, fmt_ns, fmt_pct,
                                    precision_rank, short_name)

_STATUS = {"pass": "PASS", "fail": "FAIL", "noise": "NOISE", "skip": "SKIP"}


def _layer_label(names: list[str], width: int = 60) -> str:
    return " + ".join(short_name(n, width) for n in names) if len(names) < 3 else \
        f"{short_name(names[0], width)} (+{len(names) - 1} more)"


def _headline(comparison: dict) -> list[str]:
    lines = [f"{'metric':32} {'base':>12} {'head':>12} {'change':>10}"]
    for row in comparison["headline"]:
        if row["base"] is None and row["head"] is None:
            continue
        mark = {"worse": "  worse", "better": "  better"}.get(change_verdict(row), "")
        lines.append(f"{row['label']:32} {fmt_metric(row['base'], row['unit']):>12} "
                     f"{fmt_metric(row['head'], row['unit']):>12} {fmt_change(row):>10}{mark}")
    return lines if len(lines) > 1 else ["no headline metric is measured on either side"]


def _sides(comparison: dict) -> list[str]:
    out = []
    for side in ("base", "head"):
        s = comparison[side]
        gpu = f" on {s['gpu']}" if s.get("gpu") else ""
        its = f", {count_of(s['iterations'], 'inference')}" if s.get("iterations") else ""
        out.append(f"{side.upper()}: {', '.join(s['inputs']) or '-'}{gpu}{its}")
    return out


def _findings(comparison: dict) -> list[str]:
    f = comparison["findings"]
    lines = []
    for title, items in (("New findings", f["appeared"]), ("Resolved findings", f["disappeared"])):
        if not items:
            continue
        lines += ["", f"{title} ({len(items)}):"]
        for item in items:
            layers = item.get("changed_layers") or []
            extra = f" [{item['change']}]" if item.get("change") == "new layers" else ""
            lines.append(f"  [{item.get('severity', '?')}] {item.get('kind')}: "
                         f"{item.get('title', '')}{extra}")
            for name in layers[:8]:
                lines.append(f"      - {short_name(name, 90)}")
            if len(layers) > 8:
                lines.append(f"      ... and {len(layers) - 8} more")
    return lines


def _reformats(comparison: dict) -> list[str]:
    added = [g for g in comparison["layers"] if g["match"] == "added" and g["reformat"]]
    if not added:
        return []
    total = sum(g["head_ns"] or 0 for g in added)
    lines = ["", f"New reformat layers ({len(added)}, {fmt_ns(total)} per inference):"]
    lines += [f"  {short_name(g['head'][0], 90)} ({fmt_ns(g['head_ns'])})" for g in added[:15]]
    if len(added) > 15:
        lines.append(f"  ... and {len(added) - 15} more")
    return lines


def _layers(comparison: dict, top: int) -> list[str]:
    groups = comparison["layers"]
    if not groups:
        return []
    counts = comparison.get("layer_counts", {})
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    lines = ["", f"Layers ({summary}); per inference, largest changes first:",
             f"  {'layer':62} {'base':>10} {'head':>10} {'change':>10}  match"]
    for g in groups[:top]:
        names = g["head"] or g["base"]
        rel = f"{g['rel'] * 100:+.1f}%" if g.get("rel") is not None else \
            (fmt_ns(g["delta_ns"]) if g.get("delta_ns") is not None else "-")
        lines.append(f"  {_layer_label(names):62} {fmt_ns(g['base_ns']) if g['base'] else '-':>10}"
                     f" {fmt_ns(g['head_ns']) if g['head'] else '-':>10} {rel:>10}  {g['match']}")
    if len(groups) > top:
        lines.append(f"  ... {len(groups) - top} more (use --top)")
    changes = sorted(comparison.get("precision_changes") or [], key=precision_rank)
    if changes:
        lines += ["", f"Precision changes ({len(changes)}):"]
        for c in changes[:top]:
            lines.append(f"  {_layer_label(c['head']):62} {c['base_precision']} -> "
                         f"{c['head_precision']} ({c['source']})")
        if len(changes) > top:
            lines.append(f"  ... {len(changes) - top} more")
    return lines


def render_comparison(comparison: dict, top: int = 10) -> str:
    lines = ["trtprof compare", *_sides(comparison), "", *_headline(comparison)]
    noise = (comparison.get("noise") or {}).get("latency")
    if noise and noise.get("test"):
        lines.append(f"Latency jitter: cv {fmt_pct(noise['base_cv'])} -> "
                     f"{fmt_pct(noise['head_cv'])}; Mann-Whitney p(head slower) = "
                     f"{noise['p_increase']:.2g}")
    lines += _findings(comparison) + _reformats(comparison)
    lines += _layers(comparison, top)
    for note in comparison.get("notes") or []:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"


def render_gate(comparison: dict, result, top: int = 10) -> str:
    failed = len(result.failures)
    verdict = {"passed": "PASSED" + (f" ({result.counts})" if result.counts else ""),
               "nothing compared": f"NOTHING COMPARED (all {len(result.checks)} checks skipped: "
                                   "no metric is measured on both sides)"}.get(
        result.verdict, f"FAILED ({failed} of {len(result.checks)} checks)")
    lines = [f"trtprof gate: {verdict}", *_sides(comparison), ""]
    for c in result.checks:
        lines.append(f"  {_STATUS[c.status]:5}  {c.label:36} {c.detail}")
    lines += ["", *_headline(comparison)]
    lines += _findings(comparison) + _reformats(comparison)
    lines += _layers(comparison, top)
    for note in comparison.get("notes") or []:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"
