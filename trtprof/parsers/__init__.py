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
        from trtprof.errors import InputError
        from trtprof.parsers.json_fields import JSON_SHAPE_ERRORS
        try:
            return getattr(import_module(self.module), self.function)(path)
        except JSON_SHAPE_ERRORS as err:
            if self.kind not in JSON_KINDS:
                raise
            # A field of the wrong type or range in a JSON file: the file's fault, said in one
            # line (the parsers check the fields they know; this catches the rest).
            raise InputError(f"a field has an unexpected type or value ({type(err).__name__}: "
                             f"{str(err)[:120]})", path=str(path)) from None


JSON_KINDS = ("layer-json", "profile-json", "engine-metadata")


PARSERS: dict[str, Parser] = {p.kind: p for p in (
    Parser("layer-json", "engine", "trtprof.parsers.layer_json", "parse_layer_json"),
    Parser("engine", "engine", "trtprof.parsers.engine_file", "parse_engine_file"),
    Parser("profile-json", "profile", "trtprof.parsers.profile_json", "parse_profile_json"),
    Parser("trtexec-log", "log", "trtprof.parsers.trtexec_log", "parse_trtexec_log"),
    Parser("polygraphy", "polygraphy", "trtprof.parsers.polygraphy_log", "parse_polygraphy_log"),
    Parser("engine-metadata", "metadata", "trtprof.parsers.trex_metadata", "parse_metadata"),
)}
TRACE_KINDS = ("nsys-sqlite", "nsys-rep")
