"""`trtprof analyze`: read inputs, analyse, render."""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING

import click

from trtprof.errors import UsageError
from trtprof.reports import RENDERERS, Renderer, renderer_for

if TYPE_CHECKING:
    from rich.status import Status


class Progress:
    """A transient status line on stderr, shown once loading has taken half a second, whenever
    stderr is a terminal (also with the report going to a file or a pipe; never in CI logs).
    A step that can say how far it has got (``fraction``, e.g. the pages of an export read so
    far) shows a percentage."""

    DELAY_S = 0.5
    REFRESH_S = 0.25

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.t0 = time.monotonic()
        self.status: Status | None = None
        self.message: str | None = None
        self.timer: threading.Timer | None = None
        self.shown = 0                  # the percentage on screen: never goes back
        self.lock = threading.Lock()

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        with self.lock:
            self.message = message
            self.shown = 0
            if self.status is not None:
                self.status.update(self._text())
            elif self.timer is None:
                # A step can last long (reading a big export is one step): show the line from
                # a timer, not only when the next step comes.
                wait = max(0.0, self.DELAY_S - (time.monotonic() - self.t0))
                self.timer = threading.Timer(wait, self._show)
                self.timer.daemon = True
                self.timer.start()

    def _text(self) -> str:
        fraction = getattr(self.message, "fraction", None)
        done = fraction() if fraction is not None else None
        if done is None:
            return str(self.message)
        self.shown = max(self.shown, int(done * 100))
        return f"{self.message}: {self.shown}%"

    def _show(self) -> None:
        with self.lock:
            if self.enabled and self.message is not None:
                if self.status is None:
                    from rich.console import Console
                    self.status = Console(stderr=True).status(self._text())
                    self.status.start()
                else:
                    self.status.update(self._text())
                # Again shortly, for a step whose percentage moves.
                self.timer = threading.Timer(self.REFRESH_S, self._show)
                self.timer.daemon = True
                self.timer.start()

    def close(self) -> None:
        with self.lock:
            self.enabled = False
            if self.timer is not None:
                self.timer.cancel()
            if self.status is not None:
                self.status.stop()


def parse_thresholds(items: tuple[str, ...]) -> dict[str, float]:
    """--threshold RULE.NAME=VALUE items, each checked against the rule registry."""
    from trtprof.settings import check_threshold
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise UsageError(f"--threshold {item!r}: expected RULE.NAME=VALUE, e.g. "
                             "reformat.min_share=0.02 (`trtprof rules` lists them)")
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"--threshold {item!r}: {value!r} is not a number") from None
        out[key.strip()] = check_threshold(key.strip(), number, "--threshold")
    return out


def choose_format(fmt: str | None, output: str | None) -> Renderer:
    """--format when given, else the output file's extension, else text."""
    if fmt:
        return RENDERERS[fmt]
    if output:
        found = renderer_for(output)
        if found is None:
            known = ", ".join(e for r in RENDERERS.values() for e in r.extensions)
            raise UsageError(f"-o {output}: cannot tell the format from the extension "
                             f"({known}); give --format")
        return found
    return RENDERERS["text"]


def text_width(to_file: bool) -> int:
    """The terminal's width for text on a terminal, $COLUMNS when set, else 100; at least 60
    (narrower, the tables stop making sense)."""
    import os
    import shutil
    env = os.environ.get("COLUMNS", "")
    if env.isdigit():
        return max(60, int(env))
    if not to_file and sys.stdout.isatty():
        return max(60, shutil.get_terminal_size((100, 24)).columns)
    return 100


@click.command("analyze")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(list(RENDERERS)), default=None,
              help="Output format [default: from -o's extension, else text].")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report here instead of stdout (format from the extension: "
                   ".txt .json .md .html).")
@click.option("--html", "html_out", type=click.Path(dir_okay=False),
              help="Also write a self-contained HTML report here.")
@click.option("--save", type=click.Path(dir_okay=False),
              help="Also save the JSON report here (re-render it later, compare, gate).")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 10000),
              help="Rows in the top-layers/kernels/findings tables.")
@click.option("--gemm-target", default=0.9, show_default=True, type=click.FloatRange(0, 1),
              help="GEMM share a healthy engine should reach.")
@click.option("--threshold", "thresholds", multiple=True, metavar="RULE.NAME=VALUE",
              help="Override a rule threshold (repeatable), e.g. reformat.min_share=0.02.")
@click.option("--config", type=click.Path(dir_okay=False),
              help="TOML file with [analyze] thresholds (also [tool.trtprof] in pyproject.toml).")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False),
              help="Also write the layer, kernel, finding and inference tables as CSV files "
                   "into this directory.")
@click.option("--report-url", metavar="URL",
              help="Link to the full report (e.g. the CI artifact) in the markdown output.")
@click.option("--no-progress", is_flag=True, help="Never show a progress line.")
@click.option("--width", type=click.IntRange(60, 400), default=None,
              help="Text width in columns [default: the terminal's, else $COLUMNS, else 100].")
def analyze_cmd(inputs, fmt, output, html_out, save, top, gemm_target, thresholds, config,
                csv_dir, report_url, no_progress, width):
    """Analyse a TensorRT run: where the GPU time goes, and what to change.

    INPUTS: an Nsight Systems export (.sqlite, .sqlite.xz, or .nsys-rep/.qdrep when nsys is
    installed), trtexec logs, engine layer JSON (--exportLayerInfo), profile JSON
    (--exportProfile), or a saved report.json, in any mix about one engine.

    \b
    Examples:
      trtprof analyze trace.sqlite
      trtprof analyze trace.sqlite layers.json build.log --html report.html
      trtprof analyze trace.nsys-rep --format json --save report.json
      trtprof analyze trace.sqlite -o report.md
      trtprof analyze trace.sqlite --csv tables/
    """
    renderer = choose_format(fmt, output)
    from trtprof.cli.outputs import check_outputs, emit, write_file
    check_outputs(inputs, (output, save, html_out))
    progress = Progress(enabled=not no_progress)
    progress(f"reading {inputs[0]}" + (f" and {len(inputs) - 1} more" if len(inputs) > 1 else ""))
    # Start reading a trace's big tables now: SQLite works in background threads while the
    # analysis modules (pandas above all) are imported.
    from trtprof.parsers.nsys.columns import prefetch
    for path in inputs:
        prefetch(path)
    from trtprof.analyze import analyze
    from trtprof.config import load_config
    from trtprof.settings import Options
    opts = Options(gemm_target=gemm_target)
    if config:
        cfg = load_config(config)
        opts.thresholds.update(cfg["thresholds"])
        if cfg["gemm_target"] is not None:
            opts.gemm_target = float(cfg["gemm_target"])
    try:
        opts.thresholds.update(parse_thresholds(thresholds))
        report = analyze(list(inputs), opts, progress)
    finally:
        progress.close()
    color = not output and renderer.name == "text" and sys.stdout.isatty()
    text = renderer.render(report, top=top, color=color, width=width or text_width(bool(output)),
                           report_url=report_url)
    if save:
        write_file(save, text if renderer.name == "json" else RENDERERS["json"].render(report))
    if html_out:
        write_file(html_out, RENDERERS["html"].render(report))
    if csv_dir:
        from trtprof.reports.csv_tables import tables
        for name, table in tables(report).items():
            write_file(f"{csv_dir}/{name}", table)
    emit(text, output)
