"""`trtprof classify`: kernel names -> unit, precision, op_class (a thin wrapper over classifier)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from trtprof.errors import InputError, UsageError

FIELDS = ("unit", "precision", "op_class")


def read_names(path: str) -> list[str]:
    """One kernel name per line; blank lines skipped, names otherwise unchanged."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a text file of kernel names", path=path) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", path=path) from None
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def render(names: list[str], fmt: str) -> str:
    """The classification of ``names`` (duplicates and order kept) as csv, json or text."""
    from trtprof.classify.classifier import classify

    rows = [(n, classify(n)) for n in names]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(("name",) + FIELDS)
        for n, kc in rows:
            w.writerow((n, kc.unit, kc.precision, kc.op_class))
        return buf.getvalue()
    if fmt == "json":
        return json.dumps([{"name": n, "unit": kc.unit, "precision": kc.precision,
                            "op_class": kc.op_class, "rules": list(kc.rules)} for n, kc in rows],
                          indent=2) + "\n"
    widths = [max([len(f)] + [len(getattr(kc, f)) for _, kc in rows]) for f in FIELDS]
    lines = ["  ".join(f.ljust(w) for f, w in zip(FIELDS, widths)) + "  name"]
    for n, kc in rows:
        lines.append("  ".join(getattr(kc, f).ljust(w) for f, w in zip(FIELDS, widths)) + "  " + n)
    return "\n".join(lines) + "\n"


@click.command("classify")
@click.argument("names", nargs=-1)
@click.option("--file", "files", multiple=True, type=click.Path(dir_okay=True),
              help="Text file with one kernel name per line (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "text"]), default="csv",
              show_default=True, help="Output format.")
@click.option("--explain", is_flag=True, help="Show which rule decided each field, and why.")
def classify(names: tuple[str, ...], files: tuple[str, ...], fmt: str, explain: bool) -> None:
    """Classify GPU kernel (or TensorRT tactic) names: unit, precision, op_class.

    \b
    Examples:
      trtprof classify sm80_xmma_gemm_f16f16_f16f32_f32_nn_n_tilesize64x128x32_stage5_warpsize2x2x1_tensor16x8x16
      trtprof classify --file kernels.txt --format text
      trtprof classify --explain ampere_fp16_sgemm_fp16_32x128_tn
    """
    all_names = list(names)
    for f in files:
        all_names.extend(read_names(f))
    if not all_names:
        raise UsageError("no kernel names given: pass names as arguments or use --file NAMES.txt")
    if explain:
        from trtprof.classify.classifier import explain as explain_name
        blocks = ["\n".join(explain_name(n)) for n in all_names]
        click.echo("\n\n".join(blocks))
        return
    click.echo(render(all_names, fmt), nl=False)
