"""Where the CLI writes: never over an input, into a directory that exists (created when
missing), and a one-line error instead of a traceback when the file system says no."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import click

from trtprof.errors import UsageError


def check_outputs(inputs: Iterable[str], outputs: Iterable[str | None]) -> None:
    """A UsageError when an output path is (a link to, or another name of) an input; called
    before any work, so nothing is analysed that could not be written."""
    existing = [p for p in inputs if os.path.exists(p)]
    for out in outputs:
        if not out or not os.path.exists(out):
            continue
        for inp in existing:
            if os.path.samefile(out, inp):    # same inode: symlinks, hard links, ./a vs a
                raise UsageError(f"refusing to write over the input {inp}", path=out)


def write_file(path: str, text: str) -> None:
    """``text`` into ``path``, creating its directory; file-system errors as one line."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot write: {err.strerror or err}", path=path) from None


def emit(text: str, output: str | None) -> None:
    """To ``output`` when given, else stdout."""
    if output:
        write_file(output, text)
    else:
        click.echo(text, nl=not text.endswith("\n"))
