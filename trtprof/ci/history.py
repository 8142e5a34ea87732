"""Headline metrics per run in SQLite, to answer "when did this engine get slower?".

One table, ``runs``: one row per recorded report with its commit, model and GPU. Needs the
optional ``sqlite-utils`` (``pip install 'trtprof[history]'``); charts need matplotlib.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import cast

from trtprof.ci.compare import headline_values
from trtprof.errors import UsageError
from trtprof.report import Report

TABLE = "runs"
METRICS = {  # name -> (column, unit)
    "latency": ("latency_median_ns", "ns"),
    "latency_p99": ("latency_p99_ns", "ns"),
    "gpu_time": ("gpu_time_per_inference_ns", "ns"),
    "gemm_share": ("gemm_share", "share"),
    "tensor_core_share": ("tensor_core_share", "share"),
    "reformat_share": ("reformat_share", "share"),
    "kernels": ("kernels_per_inference", "count"),
}


def _sqlite_utils():
    try:
        import sqlite_utils
    except ImportError:
        raise UsageError("history needs sqlite-utils: pip install 'trtprof[history]'") from None
    return sqlite_utils


def open_db(path: str | Path):
    """The history database at ``path`` (created on first write)."""
    su = _sqlite_utils()
    p = Path(path)
    if os.path.isdir(p):   # os.path: False, not an exception, where a directory is locked
        raise UsageError("is a directory, expected a database file", path=str(p))
    try:
        db = su.Database(p)
        db.table_names()               # fails here on a file that is not SQLite
    except Exception as err:  # noqa: BLE001 - sqlite3.DatabaseError and friends
        raise UsageError(f"not a history database ({err})", path=str(p)) from None
    return db


def run_record(report: dict, *, commit: str | None = None, model: str | None = None,
               gpu: str | None = None, label: str | None = None,
               recorded_at: str | None = None) -> dict:
    """The row stored for one report: who/where/when, then the headline metrics."""
    inputs = [i.get("path") for i in report.get("inputs") or [] if i.get("path")]
    if model is None and inputs:
        name = Path(inputs[0]).name
        model = name.split(".")[0] or name
    findings = report.get("findings") or []
    row = {
        "recorded_at": recorded_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit, "model": model,
        "gpu": gpu or (report.get("gpu") or {}).get("name"),
        "label": label, "source": ", ".join(inputs),
        "iterations": (report.get("window") or {}).get("iterations"),
        "findings_high": sum(1 for f in findings if f.get("severity") == "high"),
        "findings_total": len(findings),
        "trtprof_version": (report.get("tool") or {}).get("version"),
    }
    row.update(headline_values(cast(Report, report)))
    return row


def add_run(db_path: str | Path, report: dict, **meta) -> dict:
    """Store one report's headline metrics; returns the stored row (with its id)."""
    db = open_db(db_path)
    row = run_record(report, **meta)
    table = db[TABLE]
    table.insert(row, pk="id", alter=True)
    row["id"] = table.last_pk
    return row


def list_runs(db_path: str | Path, *, model: str | None = None, gpu: str | None = None,
              limit: int | None = None) -> list[dict]:
    """Stored runs, oldest first (the last ``limit`` of them), optionally for one model/GPU."""
    if not os.path.exists(db_path):
        raise UsageError("no such history database (create it with `trtprof history add`)",
                         path=str(db_path))
    db = open_db(db_path)
    if TABLE not in db.table_names():
        return []
    where, args = [], []
    for col, val in (("model", model), ("gpu", gpu)):
        if val is not None:
            where.append(f"[{col}] = ?")
            args.append(val)
    rows = list(db[TABLE].rows_where(" and ".join(where) or None, args,
                                     order_by="recorded_at, id"))
    return rows[-limit:] if limit else rows


def with_steps(runs: list[dict], metric: str = "latency") -> list[dict]:
    """Each run with ``step``: the relative change of ``metric`` from the previous run of the
    same model and GPU, and ``worst_step`` on the largest slowdown of each series."""
    col, unit = METRICS[metric]
    higher_is_worse = metric not in ("gemm_share", "tensor_core_share")
    last: dict[tuple, dict] = {}
    worst: dict[tuple, dict] = {}
    out = []
    for r in runs:
        r = {**r, "step": None, "worst_step": False}
        key = (r.get("model"), r.get("gpu"))
        prev = last.get(key)
        if prev is not None and prev.get(col) is not None and r.get(col) is not None:
            if unit == "share":
                r["step"] = r[col] - prev[col]
            elif prev[col]:
                r["step"] = r[col] / prev[col] - 1
            bad = r["step"] if higher_is_worse else -(r["step"] or 0)
            if bad and bad > 0 and bad > (worst.get(key, {}).get("_bad") or 0):
                worst[key] = {"_bad": bad, "row": r}
        last[key] = r
        out.append(r)
    for w in worst.values():
        w["row"]["worst_step"] = True
    return out


def trend_chart(runs: list[dict], out: str | Path, metric: str = "latency") -> Path:
    """A PNG line chart of ``metric`` per run, one line per (model, GPU)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("the trend chart needs matplotlib: pip install 'trtprof[charts]'") from None
    col, unit = METRICS[metric]
    series: dict[tuple, list[tuple[int, float, str]]] = {}
    for i, r in enumerate(runs):
        if r.get(col) is None:
            continue
        v = r[col] / 1e6 if unit == "ns" else r[col] * 100 if unit == "share" else r[col]
        tick = (r.get("commit") or "")[:8] or r.get("label") or str(r.get("recorded_at", ""))[:10]
        series.setdefault((r.get("model"), r.get("gpu")), []).append((i, v, tick))
    fig, ax = plt.subplots(figsize=(9, 4), dpi=100)
    for (model, gpu), pts in series.items():
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o",
                label=f"{model} ({gpu})" if gpu else str(model))
    ticks = {p[0]: p[2] for pts in series.values() for p in pts}
    ax.set_xticks(list(ticks), list(ticks.values()), rotation=45, ha="right", fontsize=8)
    ax.set_ylabel({"ns": f"{metric} (ms)", "share": f"{metric} (%)"}.get(unit, metric))
    ax.set_title(f"trtprof history: {metric}")
    ax.grid(alpha=0.3)
    if series:
        ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, format="png")
    plt.close(fig)
    return out
