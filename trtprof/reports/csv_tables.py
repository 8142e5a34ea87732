"""The report's tables as CSV files (``trtprof analyze --csv DIR``), for spreadsheets and the
scripts ``nsys stats --format csv`` users already have: one file per table, one row per layer,
kernel, finding or inference, the columns of the typed report (``trtprof.report``) in their order,
times in ns as the JSON report has them.

Names come from users' models: a cell that a spreadsheet would run as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from trtprof.report import FindingDict, Iteration, Kernel, Layer

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A finding's list fields are joined into one cell.
_LIST_SEP = "; "


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        value = _LIST_SEP.join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def table_csv(rows: list, columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue()


# file name -> (report key, the typed row whose fields are the columns)
TABLES: dict[str, tuple[str, Any]] = {
    "layers.csv": ("layers", Layer),
    "kernels.csv": ("kernels", Kernel),
    "findings.csv": ("findings", FindingDict),
    "iterations.csv": ("iterations", Iteration),
}


def tables(report: dict) -> dict[str, str]:
    """File name -> CSV text, for each table the report has rows in."""
    out = {}
    for name, (key, row_type) in TABLES.items():
        rows = report.get(key) or []
        if rows:
            out[name] = table_csv(rows, list(row_type.__annotations__))
    return out
