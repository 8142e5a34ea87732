"""Terminal view of a report (rich). Plain text, no colour, when the output is not a terminal."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from trtprof.reports.common import (finding_stake, fmt_ns, fmt_pct, gemm_verdict, headline,
                                    layer_time, stake_unit, top_layers, unique_layer_names,
                                    unique_short_names)

SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}
WIDTH = 100


def _headline(report: dict) -> Table:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    for label, value in headline(report):
        t.add_row(escape(label), Text(value))
    return t


def _findings(report: dict, top: int, width: int) -> Table | Text:
    findings = report.get("findings") or []
    if not findings:
        return Text("No findings.", style="green")
    # Narrow terminals: what is at stake goes under the title, not in a column of its own.
    column = width >= 100
    t = Table(box=None, show_header=True, header_style="bold", pad_edge=False, expand=False)
    t.add_column("sev", no_wrap=True)
    t.add_column("finding", overflow="fold")
    if column:
        t.add_column("at stake", justify="right")
    unit = stake_unit(report, findings[:top])      # one unit down the column
    for f in findings[:top]:
        stake = finding_stake(report, f, unit if column else None)
        body = Text(f["title"], style="bold")
        if stake and not column:
            body.append("\nat stake: " + ", ".join(stake), style="dim")
        body.append("\n" + f["message"])
        if f.get("recommendation"):
            body.append("\nfix: ", style="green")
            body.append(f["recommendation"])
        sev = Text(f["severity"], style=SEVERITY_STYLE.get(f["severity"], ""))
        t.add_row(sev, body, "\n".join(stake) or "-") if column else t.add_row(sev, body)
    return t


# (header, cell) per layer column; narrow terminals keep the first ones only
_LAYER_COLUMNS = (
    ("share", lambda la, key: fmt_pct(la.get("share"))),
    ("class", lambda la, key: la.get("op_class") or "-"),
    ("prec", lambda la, key: la.get("precision") or la.get("engine_precision") or "-"),
    ("unit", lambda la, key: la.get("unit") or "-"),
    ("kernels", lambda la, key: str(la.get("kernel_count") or "-")),
)


def _name_table(name_head: str, names: list[str], shorten, columns: list[tuple[str, str]],
                cells: list[list[str]], width: int) -> Table:
    """A table of one name column and ``columns`` ((header, "left"/"right"), one line each).
    The names get exactly the room the other columns leave, so every row stays on one line."""
    others = sum(max([len(h), *(len(r[i]) for r in cells)]) for i, (h, _) in enumerate(columns))
    room = max(20, width - others - 2 * len(columns))    # two spaces between columns
    t = Table(box=None, header_style="bold", pad_edge=False)
    t.add_column(name_head, no_wrap=True, overflow="ellipsis")
    for head, justify in columns:
        t.add_column(head, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for name, row in zip(shorten(names, room), cells):
        t.add_row(Text(name), *row)
    return t


def _layers(report: dict, top: int, width: int) -> Table:
    key, label = layer_time(report)
    shown = _LAYER_COLUMNS if width >= 100 else _LAYER_COLUMNS[:3]
    columns = [(label if width >= 100 else "time/inf", "right")] + [
        (head, "right" if head in ("share", "kernels") else "left") for head, _ in shown]
    layers = top_layers(report, top)
    cells = [[fmt_ns(la.get(key)), *(cell(la, key) for _head, cell in shown)] for la in layers]
    return _name_table("layer", [la["name"] for la in layers], unique_layer_names, columns,
                       cells, width)


def _kernels(report: dict, top: int, width: int) -> Table:
    wide = width >= 100           # narrow terminals drop the unit column for the name
    columns = [("count", "right"), ("total", "right"), ("share", "right"), ("class", "left")] + \
        ([("unit", "left")] if wide else []) + [("prec", "left")]
    kernels = (report.get("kernels") or [])[:top]
    cells = [[f"{k['count']:,}", fmt_ns(k["time_ns"]), fmt_pct(k.get("share")), k["op_class"],
              *([k["unit"]] if wide else []), k["precision"]] for k in kernels]
    return _name_table("kernel", [k["name"] for k in kernels], unique_short_names, columns,
                       cells, width)


def render(report: dict, *, top: int = 10, color: bool | None = None, width: int = WIDTH) -> str:
    """The report as terminal text (ANSI colours only when ``color``)."""
    buf = io.StringIO()
    con = Console(file=buf, width=width, force_terminal=bool(color), no_color=not color,
                  highlight=False, emoji=False, soft_wrap=False)
    con.rule("[bold]trtprof[/bold]")
    con.print(_headline(report))
    verdict = gemm_verdict(report)
    if verdict:
        con.print(Text(verdict, style="yellow" if "below" in verdict else "green"))
    for note in report.get("notes") or []:
        con.print(Text("note: " + note, style="dim"))
    con.print()
    con.rule("Findings")
    con.print(_findings(report, top, width))
    if top_layers(report, top):
        con.print()
        con.rule(f"Top {min(top, len(report['layers']))} layers (per inference)")
        con.print(_layers(report, top, width))
    if report.get("kernels"):
        con.print()
        con.rule(f"Top {min(top, len(report['kernels']))} kernels")
        con.print(_kernels(report, top, width))
    skipped = report.get("not_evaluated") or []
    if skipped:
        con.print(Text("not evaluated: " + ", ".join(f"{s['rule']} ({s['reason']})"
                                                     for s in skipped), style="dim"))
    return buf.getvalue()
