"""`trtprof compare`, `trtprof gate` and `trtprof history`: thin wrappers over the library."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from trtprof.errors import UsageError

if TYPE_CHECKING:   # trtprof.report imports pandas: keep it out of CLI start-up
    from trtprof.report import Report


def _load(path: str, what: str) -> Report:
    """Analyse one side (trace, logs/JSON, or a saved report.json) into a report dict."""
    from trtprof.analyze import analyze
    try:
        os.stat(path)
    except FileNotFoundError:
        raise UsageError(f"{what} not found", path=path) from None
    except OSError:
        pass   # a directory that cannot be searched: the reading names the problem
    return analyze([path])


def _emit(text: str, output: str | None) -> None:
    from trtprof.cli.outputs import emit
    emit(text, output)


def _check_output(output: str | None, *inputs: str) -> None:
    from trtprof.cli.outputs import check_outputs
    check_outputs(inputs, (output,))


@click.command("compare")
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("head", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Output format.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 10000),
              help="Rows in the layer and precision tables.")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the output here instead of stdout.")
def compare_cmd(base, head, fmt, top, output):
    """Compare two runs: headline deltas, per-layer deltas, new and resolved findings.

    BASE and HEAD: a trace (.sqlite/.nsys-rep), a trtexec log or engine/profile JSON, or a
    report saved with `trtprof analyze --save`. Never fails on a regression (see `gate`).

    \b
    Examples:
      trtprof compare main.json pr.json
      trtprof compare before.sqlite after.sqlite --format markdown
    """
    from trtprof.ci.compare import compare_reports
    _check_output(output, base, head)
    comparison = compare_reports(_load(base, "BASE"), _load(head, "HEAD"))
    if fmt == "json":
        text = json.dumps(comparison, indent=2, allow_nan=False) + "\n"
    elif fmt == "markdown":
        from trtprof.reports.compare_markdown import render_comparison
        text = render_comparison(comparison, top=top)
    else:
        from trtprof.reports.compare_text import render_comparison
        text = render_comparison(comparison, top=top)
    _emit(text, output)


def run_gate(base: str, head: str, config: str | None, require: list[str]):
    """(comparison, GateResult) of HEAD against BASE under the config (``config``, else the
    one found in the working directory) plus the ``require``d checks: the gate command's work,
    also the GitHub action's (``trtprof.cli.action_gate``)."""
    from trtprof.ci.compare import compare_reports
    from trtprof.ci.gate import (GateConfig, check_require, evaluate_gate, find_config,
                                 load_gate_config)
    path = config or find_config()
    cfg = load_gate_config(path) if path else GateConfig()
    if require:
        check_require(require, "--require")
        cfg.require = [*cfg.require, *require]
    comparison = compare_reports(_load(base, "BASE"), _load(head, "HEAD"))
    return comparison, evaluate_gate(comparison, cfg)


@click.command("gate")
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("head", type=click.Path(dir_okay=False))
@click.option("--config", type=click.Path(dir_okay=False),
              help="TOML with a [gate] table (or pyproject.toml with [tool.trtprof.gate]). "
                   "Default: ./trtprof.toml, else ./pyproject.toml, else built-in thresholds.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="Output format; markdown is the PR comment.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 10000),
              help="Rows in the layer and precision tables.")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Write the output here instead of stdout (the exit code is unchanged).")
@click.option("--require", "require", multiple=True, metavar="CHECK",
              help="Fail when this check cannot compare (e.g. latency, throughput, gemm_share; "
                   "'any': fail when no check compares). Repeatable; adds to the config's "
                   "require list.")
@click.option("--report-url", metavar="URL",
              help="Link to the full report (e.g. the CI artifact) in the markdown comment.")
def gate_cmd(base, head, config, fmt, top, output, require, report_url):
    """Check HEAD against BASE with thresholds; exit 1 on a breach, 0 otherwise.

    Timing checks must be both over the threshold and beyond run-to-run jitter (a one-sided
    Mann-Whitney test on per-inference times); see docs/CI.md. When no check can compare
    (e.g. two logs without timings) the verdict is NOTHING COMPARED, exit 0; --require makes
    that, or a named check that cannot compare, a failure (exit 1).

    \b
    Examples:
      trtprof gate main.json pr.json --config trtprof.toml
      trtprof gate main.json pr.json --format markdown --output comment.md
    """
    _check_output(output, base, head)
    comparison, result = run_gate(base, head, config, list(require))
    if fmt == "json":
        text = json.dumps({"gate": result.to_dict(), "comparison": comparison}, indent=2,
                          allow_nan=False) + "\n"
    elif fmt == "markdown":
        from trtprof.reports.compare_markdown import render_gate
        text = render_gate(comparison, result, top=top, report_url=report_url)
    else:
        from trtprof.reports.compare_text import render_gate
        text = render_gate(comparison, result, top=top)
    _emit(text, output)
    raise SystemExit(result.exit_code)


@click.group("history")
def history_group():
    """Headline metrics per run in SQLite: when did this engine get slower?

    Needs sqlite-utils (pip install 'trtprof[history]').
    """


@history_group.command("add")
@click.argument("report", type=click.Path(dir_okay=False))
@click.option("--db", required=True, type=click.Path(dir_okay=False), help="History database.")
@click.option("--commit", envvar="GITHUB_SHA", help="Commit of the run [default: $GITHUB_SHA].")
@click.option("--model", help="Model/engine name [default: the input's file name].")
@click.option("--gpu", help="GPU name [default: from the report].")
@click.option("--label", help="Free-form label (branch, build flags).")
def history_add(report, db, commit, model, gpu, label):
    """Record the headline metrics of REPORT (a saved report.json, or any input).

    \b
    Example:
      trtprof history add report.json --db perf.db --commit $(git rev-parse HEAD) --model resnet50
    """
    from trtprof.errors import require_extra
    require_extra("sqlite_utils", "history", "history")
    from trtprof.ci.history import add_run
    row = add_run(db, _load(report, "REPORT"), commit=commit, model=model, gpu=gpu, label=label)
    click.echo(f"recorded run {row['id']} ({row['model']}, {row['gpu'] or 'unknown GPU'}) in {db}")


@history_group.command("show")
@click.option("--db", required=True, type=click.Path(dir_okay=False), help="History database.")
@click.option("--model", help="Only this model.")
@click.option("--gpu", help="Only this GPU.")
@click.option("--limit", type=click.IntRange(1), help="Only the last N runs.")
@click.option("--metric", type=click.Choice(["latency", "latency_p99", "gpu_time", "gemm_share",
                                             "tensor_core_share", "reformat_share", "kernels"]),
              default="latency", show_default=True, help="Metric for the steps and the chart.")
@click.option("--chart", type=click.Path(dir_okay=False), help="Also write a PNG trend chart.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def history_show(db, model, gpu, limit, metric, chart, fmt):
    """List recorded runs oldest first, with the change from the previous run of the same
    model and GPU; the largest slowdown of each series is marked with "<-- slowest step".

    \b
    Example:
      trtprof history show --db perf.db --model resnet50 --chart latency.png
    """
    from trtprof.errors import require_extra
    require_extra("sqlite_utils", "history", "history")
    if chart:
        require_extra("matplotlib", "charts", "--chart")
    from trtprof.ci.history import METRICS, list_runs, trend_chart, with_steps
    from trtprof.reports.common import fmt_metric
    runs = with_steps(list_runs(db, model=model, gpu=gpu, limit=limit), metric)
    if chart:
        trend_chart(runs, chart, metric)
    if fmt == "json":
        click.echo(json.dumps(runs, indent=2))
        return
    col, unit = METRICS[metric]
    if not runs:
        click.echo("no runs recorded")
        return
    click.echo(f"{'id':>4}  {'recorded':20} {'commit':10} {'model':18} {'gpu':24} "
               f"{metric:>12} {'step':>8}")
    for r in runs:
        step = "-" if r["step"] is None else (f"{r['step'] * 100:+.1f}pt" if unit == "share"
                                              else f"{r['step'] * 100:+.1f}%")
        mark = "  <-- slowest step" if r["worst_step"] else ""
        click.echo(f"{r['id']:>4}  {str(r['recorded_at'])[:19]:20} {(r['commit'] or '-')[:10]:10} "
                   f"{str(r['model'])[:18]:18} {str(r['gpu'] or '-')[:24]:24} "
                   f"{fmt_metric(r.get(col), unit):>12} {step:>8}{mark}")
    if chart:
        click.echo(f"chart written to {chart}")
