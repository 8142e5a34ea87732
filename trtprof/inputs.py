"""Inputs: everything read from the user's files, typed, before any analysis.

``load_inputs`` detects each file's kind, runs its parser, and merges sources about one engine
(build + profile metadata) in one place. Analyses read these typed parser results; nothing
downstream opens an input again.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trtprof.errors import InputError, UsageError
from trtprof.model import Source, Trace
from trtprof.report import Report, load_report

if TYPE_CHECKING:
    from trtprof.parsers.layer_json import EngineLayers
    from trtprof.parsers.polygraphy_log import PolygraphyLayers
    from trtprof.parsers.profile_json import LayerProfile
    from trtprof.parsers.trex_metadata import EngineMetadata
    from trtprof.parsers.trtexec_log import TrtexecLog

Progress = Callable[[str], None]


@dataclass
class Inputs:
    """Everything read from the user's files, before analysis."""
    sources: list[Source] = field(default_factory=list)
    trace: Trace | None = None
    engine: EngineLayers | None = None          # layer JSON or engine file
    profile: LayerProfile | None = None         # --exportProfile JSON
    log: TrtexecLog | None = None               # trtexec (or TensorRT logger) output
    polygraphy: PolygraphyLayers | None = None  # polygraphy inspect output
    metadata: EngineMetadata | None = None      # TREx build/profile metadata, merged
    report: Report | None = None      # a saved trtprof report


def data_kinds(inputs: Inputs) -> frozenset[str]:
    """The data kinds the inputs provide (what rules declare in ``needs``)."""
    have = set()
    if inputs.trace is not None:
        have.add("trace")
        if len(inputs.trace.nvtx):
            have.add("nvtx")
        if len(inputs.trace.api):
            have.add("api")
    if inputs.engine is not None and inputs.engine.detailed and len(inputs.engine.layers):
        have.add("engine")
    if inputs.log is not None:
        have.add("log")
        if len(inputs.log.layers):
            have.add("engine")
    if inputs.profile is not None or (inputs.log is not None and len(inputs.log.profile)):
        have.add("profile")
    return frozenset(have)


def _read_trace(path: Path, kind: str, tmp: Path, progress: Progress) -> Trace:
    from trtprof.parsers.nsys import rep as nsys_rep
    from trtprof.parsers.nsys.export import read_nsys_sqlite
    real = path
    if kind == "nsys-rep":
        progress("exporting the report with nsys")
        real = nsys_rep.export_report(path, tmp)
    else:
        with open(path, "rb") as fh:
            magic = fh.read(6)
        if magic.startswith(b"\xfd7zXZ") or magic.startswith(b"\x1f\x8b"):
            progress("decompressing")
            real = nsys_rep.decompress(path, tmp)
    try:
        trace = read_nsys_sqlite(real, progress=progress)
    except InputError as err:
        if real == path:
            raise
        # the user named the compressed file (or the report): the temporary copy means nothing
        how = "exported by nsys" if kind == "nsys-rep" else "decompressed"
        raise InputError(f"{err.message} ({how})", path=str(path)) from None
    trace.path = str(path)
    return trace


def load_inputs(paths: Sequence[str | Path], progress: Progress | None = None) -> Inputs:
    """Detect and parse each input. At most one trace, one layer JSON, one profile, one log."""
    from trtprof.parsers import TRACE_KINDS
    from trtprof.parsers.detect import detect_kind
    step = progress or (lambda _m: None)
    if not paths:
        raise UsageError("no input files given")
    inputs = Inputs()
    with tempfile.TemporaryDirectory(prefix="trtprof-") as tmpdir:
        for raw in paths:
            path = Path(raw)
            kind = detect_kind(path)
            step(f"reading {path.name}")
            if kind in TRACE_KINDS:
                if inputs.trace is not None:
                    raise UsageError(f"{path}: only one trace per analysis (got "
                                     f"{inputs.trace.path} already); use `trtprof compare` to "
                                     "compare two traces")
                inputs.trace = _read_trace(path, kind, Path(tmpdir), step)
                version = inputs.trace.nsys_version
                notes = list(inputs.trace.notes)
            elif kind == "report":
                if len(paths) > 1:
                    raise UsageError(f"{path}: a saved report cannot be merged with other inputs")
                inputs.report = load_report(path)
                version, notes = inputs.report.get("tool", {}).get("version"), []
            else:
                version, notes = _read_trt_input(inputs, path, kind)
            inputs.sources.append(Source(path=str(path), kind=kind, version=version, notes=notes))
    return inputs


def _read_trt_input(inputs: Inputs, path: Path, kind: str) -> tuple[str | None, list[str]]:
    """Layer JSON, profile JSON, trtexec log, polygraphy output or metadata (one of each kind;
    build and profile metadata are merged)."""
    from trtprof.parsers import PARSERS
    parser = PARSERS[kind]
    slot = parser.slot
    if getattr(inputs, slot) is not None and kind != "engine-metadata":
        raise UsageError(f"{path}: two inputs of kind {kind}; pass one per analysis")
    obj: Any = parser.parse(path)   # its type depends on the kind; stored in its slot
    if kind == "engine-metadata" and inputs.metadata is not None:
        prev = inputs.metadata      # build + profile metadata: merge the two
        for f in ("device", "compute_capability", "sm_count"):
            setattr(obj, f, getattr(obj, f) or getattr(prev, f))
        obj.build_options = {**prev.build_options, **obj.build_options}
        obj.build_flags = {**prev.build_flags, **obj.build_flags}
        obj.perf = {**prev.perf, **obj.perf}
    setattr(inputs, slot, obj)
    return getattr(obj, "trt_version", None), list(getattr(obj, "notes", []) or [])
