"""The one entry point: files -> typed inputs (``trtprof.inputs``) -> analyses and rules
(``trtprof.pipeline``) -> the typed report (``trtprof.report``).

Renderers, ``compare`` and ``gate`` read the report; nothing downstream touches the inputs again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from trtprof.inputs import Inputs, Progress, load_inputs
from trtprof.pipeline import run
from trtprof.report import Report
from trtprof.settings import Options

__all__ = ["Inputs", "Options", "analyze"]


def analyze(paths: Sequence[str | Path], options: Options | None = None,
            progress: Progress | None = None) -> Report:
    """Read ``paths`` and return the report (``trtprof.report``, docs/CONTRACT.md)."""
    options = options or Options()
    inputs = load_inputs(paths, progress)
    if inputs.report is not None:
        return inputs.report
    return run(inputs, options, progress or (lambda _m: None))
