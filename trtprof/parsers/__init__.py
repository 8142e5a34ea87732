"""Input parsers: one module per input kind.

Each parser reads one file and returns plain data (pandas frames, dataclasses) for the model in
``trtprof.model``; none of them computes metrics or findings. ``parsers/detect.py`` tells a
file's kind from its content; ``PARSERS`` says, for each TensorRT-side kind, which parser reads
it and which ``Inputs`` slot holds the result (traces and saved reports are read by
``trtprof.inputs`` itself: they need a temporary directory, progress, or no parsing at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Parser:
    kind: str          # a parsers.detect.KINDS entry
    slot: str          # the trtprof.inputs.Inputs field its result goes to
    module: str
    function: str      # function(path) -> typed result, imported when used

    def parse(self, path: Path) -> Any:
        return getattr(import_module(self.module), self.function)(path)


PARSERS: dict[str, Parser] = {p.kind: p for p in (
    Parser("layer-json", "engine", "trtprof.parsers.layer_json", "parse_layer_json"),
    Parser("engine", "engine", "trtprof.parsers.engine_file", "parse_engine_file"),
    Parser("profile-json", "profile", "trtprof.parsers.profile_json", "parse_profile_json"),
    Parser("trtexec-log", "log", "trtprof.parsers.trtexec_log", "parse_trtexec_log"),
    Parser("polygraphy", "polygraphy", "trtprof.parsers.polygraphy_log", "parse_polygraphy_log"),
    Parser("engine-metadata", "metadata", "trtprof.parsers.trex_metadata", "parse_metadata"),
)}
TRACE_KINDS = ("nsys-sqlite", "nsys-rep")
