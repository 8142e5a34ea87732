"""GitHub-flavoured markdown view of a report, compact enough for a pull-request comment.

Every name and text from the inputs goes through ``trtprof.reports.md`` (code spans, escaping).
"""

from __future__ import annotations

from trtprof.reports.common import (finding_stake, fmt_ns, fmt_pct, gemm_verdict, headline,
                                    layer_time, top_layers, unique_layer_names,
                                    unique_short_names)
from trtprof.reports.md import code, escape, name_list, report_link
from trtprof.reports.md import prose as _prose

MARKER = "<!-- trtprof-report -->"
SEVERITY_BADGE = {"high": "🔴 high", "medium": "🟠 medium", "low": "🟡 low", "info": "🔵 info"}


def _headline(report: dict) -> list[str]:
    lines = ["| Metric | Value |", "|---|---|"]
    for label, value in headline(report):
        lines.append(f"| **{escape(label)}** | {escape(value)} |")
    return lines


def _finding(report: dict, i: int, f: dict) -> list[str]:
    names = list(f.get("layers") or []) + list(f.get("kernels") or [])
    stake = finding_stake(report, f)
    at_stake = f", {escape(', '.join(stake))}" if stake else ""
    # dict.get of a None key just gives the default; typeshed wants the key type
    sev = SEVERITY_BADGE.get(f.get("severity"), escape(f.get("severity") or "?"))  # type: ignore[arg-type]
    # one paragraph each (indented under the list item): soft breaks would run them together
    lines = [f"{i}. **{_prose(f.get('title', ''), names)}** ({sev}{at_stake})", "",
             f"   {_prose(f.get('message', ''), names)}"]
    if f.get("recommendation"):
        lines += ["", f"   *Fix:* {_prose(f['recommendation'], names)}"]
    layers = name_list("Layers", f.get("layers") or [], indent="   ")
    return lines + ([""] + layers if layers else []) + [""]


def _details(summary: str, body: list[str]) -> list[str]:
    # The blank line after <summary> lets GitHub render the markdown inside.
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>"]


def _layer_table(report: dict, top: int) -> list[str]:
    key, label = layer_time(report)
    lines = [f"| layer | {label} | share | kernels | class | unit | precision |",
             "|---|--:|--:|--:|---|---|---|"]
    layers = top_layers(report, top)
    for layer, name in zip(layers, unique_layer_names([la["name"] for la in layers], 100)):
        lines.append("| " + " | ".join([
            code(name, table=True),
            fmt_ns(layer.get(key)), fmt_pct(layer.get("share")),
            str(layer.get("kernel_count") or "-"), escape(layer.get("op_class") or "-"),
            escape(layer.get("unit") or "-"),
            escape(layer.get("precision") or layer.get("engine_precision") or "-"),
        ]) + " |")
    return lines


def _kernel_table(report: dict, top: int) -> list[str]:
    lines = ["| kernel | count | total | share | class | unit | precision |",
             "|---|--:|--:|--:|---|---|---|"]
    kernels = (report.get("kernels") or [])[:top]
    for k, name in zip(kernels, unique_short_names([k["name"] for k in kernels], 100)):
        lines.append("| " + " | ".join([
            code(name, table=True), f"{k.get('count', 0):,}",
            fmt_ns(k.get("time_ns")), fmt_pct(k.get("share")),
            escape(k.get("op_class") or "-"), escape(k.get("unit") or "-"),
            escape(k.get("precision") or "-"),
        ]) + " |")
    return lines


def _inputs(report: dict) -> list[str]:
    lines = [f"- {code(i.get('path'))} ({escape(i.get('kind'))}"
             + (f", {escape(i['version'])}" if i.get("version") else "") + ")"
             for i in report.get("inputs") or []]
    tool = report.get("tool") or {}
    lines.append(f"- {escape(tool.get('name', 'trtprof'))} {escape(tool.get('version', '?'))}, "
                 f"report schema {escape(report.get('schema_version', '?'))}")
    for s in report.get("not_evaluated") or []:
        lines.append(f"- not evaluated: {code(s.get('rule'))}: {escape(s.get('reason', ''))}")
    return lines


def render(report: dict, *, top: int = 10, report_url: str | None = None) -> str:
    """The report as GitHub-flavoured markdown; ``report_url``: a link to the full report
    (e.g. the CI artifact with the HTML)."""
    gpu = (report.get("gpu") or {}).get("name")
    out = [MARKER, f"### trtprof report{': ' + escape(gpu) if gpu else ''}", ""]
    out += report_link(report_url)
    verdict = gemm_verdict(report)
    if verdict:
        icon = "⚠️" if "below" in verdict else "✅"
        out += [f"{icon} {escape(verdict)}", ""]
    out += _headline(report)
    for note in report.get("notes") or []:
        out += ["", f"> {escape(note)}"]
    findings = report.get("findings") or []
    out += ["", f"#### Findings ({len(findings)})", ""]
    if findings:
        for i, f in enumerate(findings[:top], 1):
            out += _finding(report, i, f)
        if len(findings) > top:
            out.append(f"\n{len(findings) - top} more findings: see the full report.")
    else:
        out.append("No findings.")
    if top_layers(report, top):
        n = min(top, len(report["layers"]))
        out += [""] + _details(f"Top {n} of {len(report['layers']):,} layers",
                               _layer_table(report, top))
    if report.get("kernels"):
        n = min(top, len(report["kernels"]))
        out += [""] + _details(f"Top {n} of {len(report['kernels']):,} kernels",
                               _kernel_table(report, top))
    out += [""] + _details("Inputs", _inputs(report))
    return "\n".join(out) + "\n"
