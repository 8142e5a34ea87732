"""TensorRT text logs (trtexec 7.x-10.x, Python-API and custom loggers) -> :class:`TrtexecLog`.

One pass over the lines. Each line's prefix (``[date] [I] [TRT]``, ``[TRT] [V]``, ``[TensorRT]
VERBOSE:``, bare ``[V]``) is split off; unprefixed lines belong to the block opened last (engine
layer information, ``Layers:`` pseudo-JSON, 7.x "Layers running on GPU"). What a log lacks
(truncated, non-verbose, skipped inference) is said in ``notes``, never guessed.

Several builds or runs in one file: ``layers`` is the **last** engine layer listing and ``perf`` /
``profile`` the last summary / table ("last wins"); ``perf_runs`` keeps every summary.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from trtprof.errors import InputError
from trtprof.parsers.formats import layer_precision, normalize_tactic_id, tensor_dict
from trtprof.model import ENGINE_LAYER_COLUMNS, LAYER_PROFILE_COLUMNS, empty_frame

from .layer_json import _frame as _layer_frame
from .layer_json import _layer_row, fusion_parts, is_reformat_layer, opt_profile_note
from .trt_text import read_text, sniff_text_kind, split_top_level

AUTOTUNING_COLUMNS: dict[str, str] = {
    "layer": "object",
    "runner": "object",
    "tactic_id": "object",       # uint64 as int
    "tactic_name": "object",     # "" when the log does not name the kernel
    "time_ms": "float64",
    "chosen": "bool",            # the layer's final tactic per the engine layer information
    "fastest": "bool",           # "Fastest Tactic" of its runner and format combination
    "formats": "object",         # "Half(784,1:4,28,1) -> Half(...)" being tuned
    "build": "int64",            # 0-based build index in the log
}

_TS = r"\[\d\d/\d\d/\d{4}-\d\d:\d\d:\d\d\]"
_TS_RE = re.compile(_TS)
_PREFIX_RE = re.compile(
    rf"^(?:{_TS} ?)?(?:"
    r"\[(?P<s1>[IVWEF])\] (?:\[TRT\] ?)?"                 # trtexec / custom logger
    r"|\[TRT\] \[(?P<s2>[IVWEF])\] ?"                     # Python API
    r"|\[TensorRT\] (?P<s3>VERBOSE|INFO|WARNING|ERROR|INTERNAL_ERROR): ?"  # old Python logger
    r")")
_SEV_WORDS = {"VERBOSE": "V", "INFO": "I", "WARNING": "W", "ERROR": "E", "INTERNAL_ERROR": "F"}

_BANNER_RE = re.compile(r"&&&& (RUNNING|PASSED|FAILED)( TensorRT\.trtexec)?(?: \[TensorRT v(\d+)\])?"
                        r"(?: \[b\d+\])?(?: # (.*))?")
_LAYER_LINE_RE = re.compile(r"^Layer\((?P<type>[^)]*)\): (?P<name>.*?), Tactic: "
                            r"(?P<tactic>0x[0-9a-fA-F]+|-?\d+), (?P<io>.*)$")
# 8.4+: "name (Half[1,64:8,56,56])"; 8.0-8.2: "name[Half(1,64,56,56)]"
_TENSOR_NEW_RE = re.compile(r"\s*(?P<name>.*?) \((?P<type>[A-Za-z][A-Za-z0-9]*)\[(?P<dims>[^\]]*)\]\)(?:, |$)")
_TENSOR_OLD_RE = re.compile(r"\s*(?P<name>.*?)\[(?P<type>[A-Za-z][A-Za-z0-9]*)\((?P<dims>[^()]*)\)\](?:, |$)")

_TIMING_RUNNER_RE = re.compile(r"^-+ Timing Runner: (?P<layer>.*) \((?P<runner>[A-Za-z0-9_]+)(?:\[0x[0-9a-fA-F]+\])?\)$")
_SET_TACTIC_RE = re.compile(r"^(?P<layer>.*) Set Tactic Name: (?P<kname>\S+) Tactic: (?P<id>0x[0-9a-fA-F]+|-?\d+)\s*$")
_TACTIC_TIME_RE = re.compile(r"^(?:Tactic Name: (?P<kname>\S+) )?Tactic: (?P<id>0x[0-9a-fA-F]+|-?\d+) Time: (?P<t>[-\d.eE+]+|inf|nan)")
_FASTEST_RE = re.compile(r"(?:^|\. )Fastest Tactic: (?P<id>0x[0-9a-fA-F]+|-?\d+) Time: (?P<t>[-\d.eE+]+|inf)")
_PROFILING_DONE_RE = re.compile(r"^(?P<layer>.*) \((?P<runner>[A-Za-z0-9_]+)\[0x[0-9a-fA-F]+\]\) profiling completed")
_AUTOTUNE_FMT_RE = re.compile(r"^\*+ Autotuning (?:format combination|Reformat): ?(?P<fmt>.*?) \*+$")

_STAT_RE = re.compile(r"(min|max|mean|median|percentile\((\d+(?:\.\d+)?)%\)) = ([-\d.eE+]+) ms")
_PERF_METRICS = {
    "Latency": "latency", "End-to-End Host Latency": "end_to_end", "Enqueue Time": "enqueue",
    "H2D Latency": "h2d", "GPU Compute Time": "gpu_compute", "D2H Latency": "d2h",
}
# 7.x multi-line summary sections.
_PERF7_SECTIONS = {"Host Latency": "latency", "GPU Compute": "gpu_compute", "Enqueue Time": "enqueue"}
_PERF7_RE = re.compile(r"^(min|max|mean|median|percentile): ([-\d.eE+]+) ms(?: at (\d+)%)?"
                       r"(?: \(end to end ([-\d.eE+]+) ms(?: at \d+%)?\))?$")

_PROFILE_HDR_RE = re.compile(r"^=== Profile \((\d+) iterations? ?\) ===")
# The column header line: 8.x "Layer   Time (ms)   Avg. Time (ms) ...", 10.x "Time(ms)  Avg.(ms) ..."
_PROFILE_COLUMNS_RE = re.compile(r"^\s*(?:Layer\s+Time \(ms\)\s+Avg\. Time \(ms\)|Time\(ms\)\s+Avg\.\(ms\))")
_ROW_NAME_FIRST = re.compile(r"^\s*(?P<name>.*?)\s+(?P<t>-?[\d.]+)\s+(?P<avg>-?[\d.]+)(?:\s+(?P<med>-?[\d.]+))?\s+(?P<pct>-?[\d.]+)\s*$")
_ROW_NAME_LAST = re.compile(r"^\s*(?P<t>-?[\d.]+)\s+(?P<avg>-?[\d.]+)\s+(?P<med>-?[\d.]+)\s+(?P<pct>-?[\d.]+)\s+(?P<name>\S.*?)\s*$")

# Log lines that say where INT8 scales come from (message starts, TensorRT 7-10).
_CALIB_LINES = (
    ("Calibrator won't be used in explicit precision mode", "explicit_msg"),
    ("QDQ optimization pass", "qdq_pass"),            # verbose; only with Q/DQ nodes
    ("QDQ graph optimizer", "qdq_pass"),
    ("Starting Calibration", "calib_ran"),
    ("Calibration completed in", "calib_ran"),
    ("Generated calibration scales using calibration cache", "calib_cache"),
    ("Calibrator is not being used", "no_calibrator"),
    ("Setting Per Tensor Dynamic Range", "user_ranges"),   # the TensorRT samples' message
)
# Verbose builds: "Constructing optimization profile number 1 [2/2]."
_PROFILE_BUILD_RE = re.compile(r"^Constructing optimization profile number \d+ \[\d+/(\d+)\]")
_POLYGRAPHY_TRT_RE = re.compile(r"^Loaded Module: tensorrt \| Version: (\d+(?:\.\d+)+)\b")
_BUILD_START_RE = re.compile(r"^Original: \d+ layers")
_RESOURCE_LIB_RE = re.compile(r"libnvinfer_builder_resource(?:_sm(\d+))?\.so\.(\d+\.\d+\.\d+)")


@dataclass
class TrtexecLog:
    path: str
    trt_version: str | None = None
    device: str | None = None
    compute_capability: str | None = None
    build_flags: dict[str, Any] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)   # the last banner's --options
    layers: pd.DataFrame = field(default_factory=lambda: empty_frame(ENGINE_LAYER_COLUMNS))
    bindings: list[str] = field(default_factory=list)
    autotuning: pd.DataFrame = field(default_factory=lambda: empty_frame(AUTOTUNING_COLUMNS))
    reformats_added: list[str] = field(default_factory=list)
    fusions: list[str] = field(default_factory=list)
    int8_warnings: list[str] = field(default_factory=list)
    missing_scale_tensors: list[str] = field(default_factory=list)
    perf: dict[str, Any] = field(default_factory=dict)
    perf_runs: list[dict[str, Any]] = field(default_factory=list)
    profile: pd.DataFrame = field(default_factory=lambda: empty_frame(LAYER_PROFILE_COLUMNS))
    profile_iterations: int | None = None
    profile_partial: bool = False     # the table's rows were elided ("......"): not every layer
    builds: int = 0
    runs: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    optimization_profiles: int = 1      # the engine layer listing repeats layers per profile
    # Where the INT8 scales came from, only from what the log says (_Parser.int8_calibration):
    # "explicit" | "calibrated" | "uncalibrated" | "user_ranges" | None (unknown or not INT8).
    int8_calibration: str | None = None


def parse_trtexec_log(path: str | Path) -> TrtexecLog:
    """Parse a TensorRT text log; InputError when it is not text or holds no TensorRT line."""
    text = read_text(path)
    if not text.strip():
        raise InputError("empty file: no TensorRT log lines", path=str(path))
    if sniff_text_kind(text[:65536]) is None and sniff_text_kind(text) is None:
        raise InputError("not a TensorRT log: no trtexec/TensorRT logger lines found", path=str(path))
    return _Parser(str(path)).run(text)


def split_prefix(line: str) -> tuple[str | None, str, bool]:
    """(severity letter or None, message, had a logger prefix)."""
    m = _PREFIX_RE.match(line)
    if m and m.end() > 0:
        sev = m.group("s1") or m.group("s2") or _SEV_WORDS.get(m.group("s3") or "", None)
        return sev, line[m.end():], True
    m = _TS_RE.match(line)
    if m:
        return None, line[m.end():].lstrip(), True
    return None, line, False


def _unclobber(raw: str) -> list[str]:
    """A line two writers wrote into ("...builder pas[08/30/2026-04:08:32] [I] ..."): split it at
    each timestamp that is not at the start."""
    cuts = [m.start() for m in _TS_RE.finditer(raw) if m.start() > 0]
    if not cuts:
        return [raw]
    parts, last = [], 0
    for c in cuts:
        parts.append(raw[last:c])
        last = c
    parts.append(raw[last:])
    return [p for p in parts if p.strip()]


class _Parser:
    def __init__(self, path: str):
        self.p = path
        self.log = TrtexecLog(path=path)
        self.block: str | None = None          # "layers" | "pseudo" | "bindings" | "gpu_layers"
        self.layer_blocks: list[dict] = []     # {"kind": "line"|"pseudo"|"names", "rows": [...]}
        self.tune_rows: list[dict] = []
        self.layer = self.runner = self.formats = ""
        self.pending_names: dict[int | None, str] = {}   # only ints stored; get(None) -> default
        self.perf: dict[str, Any] | None = None
        self.perf7: str | None = None
        self.profiles: list[tuple[int | None, list[dict], dict | None]] = []
        self.prof_rows: list[dict] | None = None
        self.prof_iters: int | None = None
        self.prof_name_last = False
        self.banners = {"RUNNING": 0, "PASSED": 0, "FAILED": 0}
        self.build_starts = self.build_dones = self.engine_built = self.detected_io = 0
        self.clobbered = 0
        self.int8_seen: set[str] = set()
        self.calib: set[str] = set()           # INT8 calibration evidence (see _CALIB_LINES)
        self.calib_file = ""                    # trtexec "Calibration: <cache file>"
        self.opt_profiles_built = 1             # the last build's "optimization profile [i/N]"
        self.versions_seen: list[str] = []

    # -- driver ------------------------------------------------------------------------------
    def run(self, text: str) -> TrtexecLog:
        for raw in text.split("\n"):
            pieces = _unclobber(raw)
            if len(pieces) > 1:
                self.clobbered += 1
            for piece in pieces:
                self.line(piece.rstrip())
        self.finish()
        return self.log

    def line(self, raw: str) -> None:
        sev, msg, prefixed = split_prefix(raw)
        if raw.startswith("&&&&"):
            self.banner(raw)
            return
        if not prefixed:
            if self.block_line(msg):
                return
        else:
            self.end_block_if_needed(msg)
        # Table rows carry the logger prefix in a log; a pasted table may have lost it.
        if self.prof_rows is not None and self.profile_line(msg):
            return
        self.message(sev, msg.strip(), msg)

    # -- blocks without prefixes --------------------------------------------------------------
    def block_line(self, msg: str) -> bool:
        s = msg.strip()
        if s.startswith("Layer(") and _LAYER_LINE_RE.match(s):
            if self.block != "layers":
                self.open_layers("line")
            self.layer_blocks[-1]["rows"].append(self.layer_from_line(s))
            return True
        if self.block == "pseudo":
            if s.startswith("Name: "):
                rows = self.layer_blocks[-1]["rows"]
                obj = _pseudo_obj(s)
                # text, not JSON: the stream is not read from logs (an empty Metadata after it
                # runs the two together, "0, Metadata:")
                obj.pop("StreamId", None)
                rows.append(_layer_row(obj, f"layer {len(rows)}", self.p))
                return True
            if s == "Bindings:":
                self.block = "bindings"
                return True
        if self.block == "bindings" and s and not s.startswith("```"):
            self.log.bindings.append(s)
            return True
        if self.block == "gpu_layers" and s:
            return True
        return False

    def end_block_if_needed(self, msg: str) -> None:
        if self.block == "layers" and msg.startswith("Layer("):
            return
        if self.block in ("pseudo", "bindings", "layers"):
            self.block = None

    def open_layers(self, kind: str) -> None:
        self.layer_blocks.append({"kind": kind, "rows": []})
        self.block = "layers" if kind == "line" else "pseudo"
        self.log.bindings = []

    # -- prefixed messages --------------------------------------------------------------------
    def message(self, sev: str | None, s: str, raw_msg: str) -> None:
        if not s:
            if self.prof_rows is not None and self.prof_rows:
                self.close_profile(None)
            return
        if s.startswith("Engine Layer Information"):
            self.open_layers("line")
            return
        if s == "Layers:":
            self.open_layers("pseudo")
            return
        if s.startswith("Layer(") and _LAYER_LINE_RE.match(s):   # prefixed Layer( lines (some loggers)
            if self.block != "layers":
                self.open_layers("line")
            self.layer_blocks[-1]["rows"].append(self.layer_from_line(s))
            return
        if self.block == "layers":
            self.block = None
        if sev == "E" or sev == "F":
            self.log.errors.append(s)
        if self.header_info(s) or self.autotune(s) or self.perf_line(s, sev):
            return
        self.build_events(s)

    def banner(self, raw: str) -> None:
        m = _BANNER_RE.search(raw)
        if not m:
            return
        kind, ver, cmd = m.group(1), m.group(3), m.group(4)
        self.banners[kind] += 1
        if m.group(2):
            self.calib.add("trtexec")
        if ver:
            self.log.trt_version = _version_from_tag(ver)
        if kind == "RUNNING":
            self.block = None
            self.perf = None
            self.log.options = _options(cmd or "")
            self.log.build_flags = _flags_from_options(self.log.options)

    def header_info(self, s: str) -> bool:
        m = re.match(r"^TensorRT version: (\S+)", s)
        if m:
            self.log.trt_version = m.group(1)
            return True
        m = _POLYGRAPHY_TRT_RE.match(s)
        if m:   # polygraphy's "[V] Loaded Module: tensorrt | Version: 8.6.0 | Path: [...]"
            self.log.trt_version = self.log.trt_version or m.group(1)
            return True
        m = re.match(r"^Selected Device: (.+)$", s)
        if m:
            self.log.device = m.group(1).strip()
            return True
        m = re.match(r"^Compute Capability: (\d+\.\d+)", s)
        if m:
            self.log.compute_capability = m.group(1)
            return True
        m = re.match(r"^Precision: (.+)$", s)
        if m:
            prec = m.group(1).strip()
            self.log.build_flags["precision"] = prec
            for p in ("fp16", "int8", "fp8", "bf16"):
                if p.upper() in prec.upper().split("+"):
                    self.log.build_flags.setdefault(p, True)
            return True
        m = re.match(r"^(Sparsity|Workspace|Memory Pools|Calibration|Builder optimization level"
                     r"|Strongly typed|Max aux streams): ?(.*)$", s, re.I)
        if m and self.perf is None:
            key = m.group(1).lower().replace(" ", "_")
            self.log.build_flags.setdefault(key, m.group(2).strip())
            if key == "calibration" and m.group(2).strip():
                # trtexec prints "Dynamic" for --int8 without --calib (it then sets made-up
                # dynamic ranges on every tensor), else the --calib cache file.
                value = m.group(2).strip()
                if value == "Dynamic":
                    self.calib.add("trtexec_dynamic")
                else:
                    self.calib.add("calib_file")
                    self.calib_file = value
            return True
        m = _RESOURCE_LIB_RE.search(s)
        if m and s.startswith("Loaded shared library"):
            self.versions_seen.append(m.group(2))
            if m.group(1) and not self.log.compute_capability:
                sm = m.group(1)
                self.log.compute_capability = f"{sm[:-1]}.{sm[-1]}"
                self.note_once("compute capability inferred from the builder resource library "
                               f"name (sm{sm})")
            return True
        if s.startswith("--------------- Layers running on GPU"):
            self.block = "gpu_layers_next"
            return True
        if self.block == "gpu_layers_next":
            self.block = None
            if s:
                self.layer_blocks.append({"kind": "names", "rows": _gpu_layer_names(s)})
            return True
        return False

    # -- autotuning --------------------------------------------------------------------------
    def autotune(self, s: str) -> bool:
        m = _AUTOTUNE_FMT_RE.match(s)
        if m:
            self.formats = m.group("fmt")
            return True
        m = _TIMING_RUNNER_RE.match(s)
        if m:
            self.layer, self.runner = m.group("layer"), m.group("runner")
            self.pending_names = {}
            return True
        m = _SET_TACTIC_RE.match(s)
        if m:
            self.layer = m.group("layer")
            tid = normalize_tactic_id(m.group("id"))
            if tid is not None:
                self.pending_names[tid] = m.group("kname")
            return True
        m = _TACTIC_TIME_RE.match(s)
        if m:
            tid = normalize_tactic_id(m.group("id"))
            name = m.group("kname") or self.pending_names.get(tid, "")
            self.tune_rows.append({"layer": self.layer, "runner": self.runner, "tactic_id": tid,
                                   "tactic_name": name, "time_ms": _float(m.group("t")),
                                   "chosen": False, "fastest": False, "formats": self.formats,
                                   "build": max(self.build_starts - 1, 0)})
            return True
        m = _PROFILING_DONE_RE.match(s)
        if m:
            self.layer, self.runner = m.group("layer"), m.group("runner")
        m2 = _FASTEST_RE.search(s)
        if m2:
            tid = normalize_tactic_id(m2.group("id"))
            for row in reversed(self.tune_rows):
                if row["layer"] != self.layer or row["formats"] != self.formats:
                    break
                if row["tactic_id"] == tid and row["runner"] == self.runner:
                    row["fastest"] = True
                    break
            return True
        return bool(m)

    # -- performance summary -----------------------------------------------------------------
    def perf_line(self, s: str, sev: str | None) -> bool:
        if s.startswith("=== Performance summary ==="):
            self.new_perf()
            return True
        m = _PROFILE_HDR_RE.match(s)
        if m:
            self.prof_rows = []
            self.prof_iters = int(m.group(1))
            self.prof_name_last = False
            return True
        if _PROFILE_COLUMNS_RE.match(s) and self.prof_rows is None:
            # A table pasted without its "=== Profile (N iterations) ===" line: iterations unknown.
            self.prof_rows = []
            self.prof_iters = None
            return self.profile_line(s)
        if s in _PERF7_SECTIONS:
            if self.perf is None:
                self.new_perf()
            self.perf7 = _PERF7_SECTIONS[s]
            return True
        if self.perf is None:
            metric, _, rest = s.partition(": ")
            if metric not in _PERF_METRICS or not rest.startswith("min = "):
                return False
            # a summary line without its "=== Performance summary ===" header (an excerpt)
            self.new_perf()
            self.note_once("a performance summary without its '=== Performance summary ===' "
                           "header (an excerpt?): read from its first line on")
        assert self.perf is not None
        m = re.match(r"^Throughput: ([-\d.eE+]+) qps", s) or re.match(r"^throughput: ([-\d.eE+]+) qps", s)
        if m:
            self.perf["throughput_qps"] = float(m.group(1))
            return True
        metric, _, rest = s.partition(": ")
        if metric in _PERF_METRICS and "=" in rest:
            self.perf[_PERF_METRICS[metric]] = _stats(rest)
            return True
        m = re.match(r"^Total Host Walltime: ([-\d.eE+]+) s", s) or re.match(r"^walltime: ([-\d.eE+]+) s", s)
        if m:
            self.perf["walltime_s"] = float(m.group(1))
            return True
        m = re.match(r"^Total GPU Compute Time: ([-\d.eE+]+) s", s) or re.match(r"^total compute time: ([-\d.eE+]+) s", s)
        if m:
            self.perf["total_gpu_compute_s"] = float(m.group(1))
            return True
        if self.perf7:
            m = _PERF7_RE.match(s)
            if m:
                key = m.group(1) if m.group(1) != "percentile" else f"p{_pct(m.group(3))}"
                self.perf.setdefault(self.perf7, {})[key] = float(m.group(2))
                if m.group(4):
                    self.perf.setdefault("end_to_end", {})[key] = float(m.group(4))
                return True
        if sev == "W" and s.startswith("* "):
            self.perf.setdefault("warnings", []).append(s[2:].strip())
            m = re.search(r"coefficient of variance = ([\d.]+)%", s)
            if m:
                self.perf["gpu_compute_cov_pct"] = float(m.group(1))
            return True
        return False

    def new_perf(self) -> None:
        self.perf = {}
        self.perf7 = None
        self.log.perf_runs.append(self.perf)

    # -- --dumpProfile table -----------------------------------------------------------------
    def profile_line(self, msg: str) -> bool:
        s = msg.strip()
        if not s:
            if self.prof_rows:
                self.close_profile(None)
            return True
        if "Time (ms)" in s or "Time(ms)" in s:
            self.prof_name_last = s.startswith("Time(ms)")
            self.prof_has_median = "Median" in s
            return True
        if re.fullmatch(r"\.{3,}|…+", s) and self.prof_rows is not None:
            # rows cut out where the table was pasted: keep reading, but say it is partial
            self.log.profile_partial = True
            self.note_once("the --dumpProfile table has elided rows ('...'): its layers and "
                           "times are incomplete")
            return True
        if self.prof_name_last:
            m = _ROW_NAME_LAST.match(msg)
        else:
            m = _ROW_NAME_FIRST.match(msg)
        if not m:
            self.close_profile(None)
            return False
        med = m.group("med")
        if not self.prof_name_last and med is not None and not getattr(self, "prof_has_median", True):
            # A name ending in a number split wrongly: no median column in this table.
            return True
        row = {"name": m.group("name").strip(), "time_ms": float(m.group("t")),
               "avg_ms": float(m.group("avg")),
               "median_ms": float(med) if med is not None else math.nan,
               "percentage": float(m.group("pct"))}
        if row["name"] == "Total":
            self.close_profile(row)
        else:
            assert self.prof_rows is not None   # called only while a profile table is open
            self.prof_rows.append(row)
        return True

    def close_profile(self, total: dict | None) -> None:
        if self.prof_rows is not None:
            self.profiles.append((self.prof_iters, self.prof_rows, total))
        self.prof_rows = None

    # -- build events ------------------------------------------------------------------------
    def build_events(self, s: str) -> None:
        if _BUILD_START_RE.match(s):
            self.build_starts += 1
            return
        if s.startswith("Engine built in"):        # trtexec, once per build
            self.engine_built += 1
            return
        if s.startswith("Engine generation completed"):   # library; Myelin may add more
            self.build_dones += 1
            return
        if re.match(r"^Detected \d+ inputs? and \d+ output network tensors", s):
            self.detected_io += 1
            return
        m = _PROFILE_BUILD_RE.match(s)
        if m:
            self.opt_profiles_built = int(m.group(1))
            return
        m = re.match(r"^Adding reformat layer: (.*)$", s)
        if m:
            self.log.reformats_added.append(m.group(1))
            return
        if re.match(r"^[A-Za-z0-9]+: Fusing ", s):
            self.log.fusions.append(s)
            return
        m = re.match(r"^Missing scale and zero-point for tensor (.*?), expect fall back", s)
        if m:
            self.log.missing_scale_tensors.append(m.group(1))
            self.int8(s)
            return
        for prefix, key in _CALIB_LINES:
            if s.startswith(prefix):
                self.calib.add(key)
                break
        if (s.startswith("Calibrator is not being used") or s.startswith("Setting a default quantization")
                or "dynamic range" in s.lower() and ("missing" in s.lower() or "not set" in s.lower())):
            self.int8(s)

    def int8(self, s: str) -> None:
        if s not in self.int8_seen:
            self.int8_seen.add(s)
            self.log.int8_warnings.append(s)

    # -- engine layer lines ------------------------------------------------------------------
    def layer_from_line(self, s: str) -> dict:
        m = _LAYER_LINE_RE.match(s)
        assert m is not None
        layer_type, name = m.group("type"), m.group("name")
        io = m.group("io")
        cut = io.rfind(" -> ")
        ins_text, outs_text = (io[:cut], io[cut + 4:]) if cut >= 0 else (io, "")
        if ins_text.startswith("-> "):   # "Tactic: 0x0,  -> out": no inputs
            ins_text, outs_text = "", ins_text[3:]
        inputs, outputs = _tensors(ins_text), _tensors(outs_text)
        return {
            "name": name, "layer_type": layer_type, "tactic_name": "",
            "tactic_id": normalize_tactic_id(m.group("tactic")),
            "precision": layer_precision(inputs, outputs, layer_type),
            "inputs": inputs, "outputs": outputs,
            "is_reformat": is_reformat_layer(name, layer_type), "reformat_origin": "",
            "metadata": [], "fused_ops": len(fusion_parts(name)), "stream_id": None,
            "origin": "", "myelin": layer_type == "Myelin" or "{ForeignNode[" in name,
            "params": {},
        }

    def note_once(self, note: str) -> None:
        if note not in self.log.notes:
            self.log.notes.append(note)

    # -- the end -----------------------------------------------------------------------------
    def finish(self) -> None:
        log = self.log
        if self.prof_rows is not None:
            self.close_profile(None)
        # Most specific marker first: "Original: N layers" (verbose) opens each build; trtexec
        # prints "Engine built in" once per build; 7.x non-verbose only "Detected N inputs".
        log.builds = (self.build_starts or self.engine_built or self.build_dones
                      or self.detected_io)
        log.runs = max(self.banners["RUNNING"], len(log.perf_runs))
        if not log.trt_version and self.versions_seen:
            log.trt_version = self.versions_seen[-1]
            self.note_once("TensorRT version taken from the builder resource library name")
        self.finish_layers()
        self.finish_autotuning()
        self.finish_profile()
        log.perf = log.perf_runs[-1] if log.perf_runs else {}
        if len(log.perf_runs) > 1:
            n = len(log.perf_runs)
            log.notes.append(f"{n} performance summaries (one per run): the last one (summary "
                             f"{n} of {n}) is used")
        if not log.perf_runs:
            log.notes.append("no performance summary (build only, --skipInference, --dumpProfile "
                             "without --separateProfileRun, or the log is truncated)")
        if self.banners["RUNNING"] > self.banners["PASSED"] + self.banners["FAILED"]:
            log.notes.append("no closing &&&& PASSED/FAILED line: the log is truncated or "
                             "trtexec crashed")
        if self.banners["FAILED"]:
            log.notes.append("trtexec reported FAILED")
        if log.errors:
            log.notes.append(f"{len(log.errors)} error lines; last: {log.errors[-1][:160]}")
        if self.clobbered:
            log.notes.append(f"{self.clobbered} clobbered lines (two writers on one line) split")
        if not log.trt_version:
            log.notes.append("TensorRT version not printed")
        if not log.device:
            log.notes.append("device not printed")
        if self.int8_seen and len(log.int8_warnings) > 0:
            n_default = sum(1 for w in log.int8_warnings if w.startswith("Setting a default quant"))
            if n_default:
                log.notes.append(f"{n_default} tensors/layers got default quantization params "
                                 "(no calibration data): INT8 scales missing")
        log.int8_calibration, note = self.int8_calibration()
        if note:
            log.notes.append(note)

    def int8_calibration(self) -> tuple[str | None, str | None]:
        """Where the INT8 scales came from, and a note saying why; (None, None) when the log
        does not tell or the build is not INT8. Strongest evidence first: Q/DQ nodes make
        TensorRT ignore any calibrator or dynamic range; a calibration that ran beats a
        placeholder warning about a few tensors it missed."""
        ev, log = self.calib, self.log
        int8 = bool(log.build_flags.get("int8") or log.build_flags.get("best")
                    or self.int8_seen or ev - {"qdq_pass", "trtexec"}
                    or (not log.layers.empty and (log.layers["precision"] == "int8").any()))
        if not int8:
            return None, None
        # Q/DQ nodes fused into layer names (TensorRT keeps the ONNX node names): explicit, even
        # when trtexec also printed "Calibration: Dynamic" (which Q/DQ makes moot)
        names = pd.concat([log.layers.get("name", pd.Series(dtype=object)),
                           log.profile.get("name", pd.Series(dtype=object))]).astype(str)
        qdq_names = bool(names.str.contains("QuantizeLinear").any())
        if "explicit_msg" in ev or "qdq_pass" in ev or qdq_names:
            why = ("'Calibrator won't be used in explicit precision mode'" if "explicit_msg" in ev
                   else "Q/DQ graph optimizer passes" if "qdq_pass" in ev
                   else "QuantizeLinear/DequantizeLinear nodes in the layer names")
            return "explicit", (f"INT8 explicit quantization (Q/DQ nodes; log: {why}): scales "
                                "come from the model, not from a calibrator")
        if ev & {"calib_ran", "calib_cache", "calib_file"}:
            why = (f"--calib {self.calib_file}" if "calib_file" in ev else
                   "scales from a calibration cache" if "calib_cache" in ev else
                   "calibration ran")
            return "calibrated", f"INT8 calibrated ({why})"
        n_default = sum(1 for w in log.int8_warnings if w.startswith("Setting a default quant"))
        # trtexec has no way to take real ranges without --calib: without one it makes them up.
        if "trtexec_dynamic" in ev or n_default or {"trtexec", "no_calibrator"} <= ev:
            reasons = []
            if "trtexec_dynamic" in ev:
                reasons.append("trtexec 'Calibration: Dynamic' (--int8/--best without --calib)")
            elif "no_calibrator" in ev:
                reasons.append("trtexec without a calibrator")
            if n_default:
                reasons.append("TensorRT set default quantization params")
            return "uncalibrated", ("INT8 uncalibrated: " + " and ".join(reasons) + ": placeholder "
                                    "dynamic ranges, so INT8 accuracy is meaningless (timings are "
                                    "still valid)")
        if "no_calibrator" in ev and "user_ranges" in ev:
            return "user_ranges", ("INT8 without a calibrator, with dynamic ranges the "
                                   "application set ('Setting Per Tensor Dynamic Range'): "
                                   "accuracy depends on them")
        if "no_calibrator" in ev:
            # TensorRT's warning says no calibrator ran; whether the application set every
            # dynamic range itself the log does not say (a build that lacks them fails with
            # "no scaling factors detected"), so no claim that it did.
            return "uncalibrated", ("INT8 without a calibrator ('Calibrator is not being used'): "
                                    "scales only where the application set dynamic ranges; "
                                    "check accuracy")
        return None, None

    def finish_layers(self) -> None:
        log = self.log
        blocks = [b for b in self.layer_blocks if b["rows"]]
        log.optimization_profiles = self.opt_profiles_built
        if not blocks:
            log.notes.append("no engine layer information (build without --verbose or "
                             "--profilingVerbosity, an engine loaded with --loadEngine, or the "
                             "log is truncated)")
            return
        last = blocks[-1]
        if len(blocks) > 1:
            log.notes.append(f"{len(blocks)} engine layer listings (a verbose build's listing "
                             "plus --dumpLayerInfo, or several builds): the last one (listing "
                             f"{len(blocks)} of {len(blocks)}, {len(last['rows'])} layers) is used")
        if last["kind"] == "names":
            rows = [{"name": n, "layer_type": "", "tactic_name": "", "tactic_id": None,
                     "precision": "unknown", "inputs": [], "outputs": [],
                     "is_reformat": is_reformat_layer(n, ""), "reformat_origin": "",
                     "metadata": [], "fused_ops": len(fusion_parts(n)), "stream_id": None,
                     "origin": "", "myelin": "{ForeignNode[" in n, "params": {}} for n in last["rows"]]
            log.notes.append("layer names only (7.x 'Layers running on GPU'): no types, tactics "
                             "or formats; rebuild with --verbose")
        else:
            rows = last["rows"]
        log.layers = _layer_frame(rows)
        # The listing's names tell (with a note); a verbose build also says how many it built.
        log.optimization_profiles = max(opt_profile_note([r["name"] for r in rows], log.notes),
                                        self.opt_profiles_built)

    def finish_autotuning(self) -> None:
        log = self.log
        if not self.tune_rows:
            log.autotuning = empty_frame(AUTOTUNING_COLUMNS)
            return
        frame = pd.DataFrame(self.tune_rows, columns=list(AUTOTUNING_COLUMNS))
        last_build = frame["build"].max()
        final = {}
        if not log.layers.empty:
            final = {n: t for n, t in zip(log.layers["name"], log.layers["tactic_id"]) if t is not None}
        frame["chosen"] = [b == last_build and final.get(l) == t and t is not None
                           for l, t, b in zip(frame["layer"], frame["tactic_id"], frame["build"])]
        frame["build"] = frame["build"].astype("int64")
        frame["tactic_id"] = pd.Series([r["tactic_id"] for r in self.tune_rows], dtype=object,
                                       index=frame.index)
        log.autotuning = frame
        # Give engine layers the kernel name their final tactic had during autotuning.
        if not log.layers.empty:
            named = frame[frame["tactic_name"] != ""]
            by_layer = {(l, t): k for l, t, k in zip(named["layer"], named["tactic_id"], named["tactic_name"])}
            by_id: dict[int, set[str]] = {}
            for t, k in zip(named["tactic_id"], named["tactic_name"]):
                by_id.setdefault(t, set()).add(k)
            names = []
            for n, t, k in zip(log.layers["name"], log.layers["tactic_id"], log.layers["tactic_name"]):
                if k or t is None:
                    names.append(k)
                elif (n, t) in by_layer:
                    names.append(by_layer[(n, t)])
                elif len(by_id.get(t, ())) == 1:
                    names.append(next(iter(by_id[t])))
                else:
                    names.append("")
            log.layers["tactic_name"] = names
        if not final:
            log.notes.append("final tactics unknown (no engine layer information): autotuning "
                             "'chosen' is False everywhere")

    def finish_profile(self) -> None:
        log = self.log
        tables = [t for t in self.profiles if t[1]]
        if not tables:
            return
        iters, rows, _total = tables[-1]
        frame = pd.DataFrame(rows, columns=list(LAYER_PROFILE_COLUMNS))
        log.profile = frame.astype(dict(LAYER_PROFILE_COLUMNS))
        log.profile_iterations = iters
        if len(tables) > 1:
            log.notes.append(f"{len(tables)} --dumpProfile tables: the last one (table "
                             f"{len(tables)} of {len(tables)}, {iters} iterations) is used")


# -- helpers -------------------------------------------------------------------------------------
def _tensors(text: str) -> list[dict]:
    text = text.strip()
    if not text:
        return []
    for rx, opener, closer in ((_TENSOR_NEW_RE, "[", "]"), (_TENSOR_OLD_RE, "(", ")")):
        out, pos = [], 0
        while pos < len(text):
            m = rx.match(text, pos)
            if not m or m.end() == pos:
                break
            fmt = f"{m.group('type')}{opener}{m.group('dims')}{closer}"
            out.append(tensor_dict(m.group("name").strip(), fmt, _dims(m.group("dims"))))
            pos = m.end()
        if out and pos >= len(text):
            return out
    # Symbolic shapes (TensorRT-RTX) or something new: keep the text as one tensor.
    m = re.match(r"^(.*?) \(([A-Za-z][A-Za-z0-9]*)[\[(]", text)
    if m:
        return [tensor_dict(m.group(1), m.group(2), None)]
    return [tensor_dict(text, None, None)]


_LIST_SEP = re.compile(", ")


def _gpu_layer_names(s: str) -> list[str]:
    """The names on a 7.x "Layers running on GPU" line. TensorRT 7 writes every name followed by
    ", ", the last one too ("..., fc1000, prob, "): drop exactly that one trailing comma, so a name
    that itself ends in "," keeps it. Commas inside brackets ("PWN(a, b)", "{ForeignNode[...]}")
    do not split names, unless the brackets do not balance (then no bracket can be trusted)."""
    body = s[:-1] if s.endswith(",") else s
    balanced = all(body.count(o) == body.count(c) for o, c in ("()", "[]", "{}"))
    parts = split_top_level(body, _LIST_SEP) if balanced else body.split(", ")
    return [n.strip() for n in parts if n.strip()]


def _dims(text: str) -> list:
    out: list = []
    for d in text.split(","):
        d = d.split(":")[0].strip()
        try:
            out.append(int(d))
        except ValueError:
            out.append(d)
    return out


def _pseudo_obj(s: str) -> dict:
    """One 10.x ``Layers:`` line ("Name: a, LayerType: b, Inputs: [ { Name: x, ... }], ...")."""
    obj: dict[str, Any] = {}
    for part in _split_keys(s):
        key, _, value = part.partition(": ")
        key, value = key.strip(), value.strip()
        if key in ("Inputs", "Outputs"):
            inner = value.strip()[1:-1].strip() if value.startswith("[") else value
            objs = []
            for chunk in _split_top(inner):
                chunk = chunk.strip()
                if chunk.startswith("{") and chunk.endswith("}"):
                    t = _pseudo_obj(chunk[1:-1].strip())
                    if "Dimensions" in t:
                        t["Dimensions"] = _dims(str(t["Dimensions"]).strip("[]"))
                    objs.append(t)
            obj[key] = objs
        else:
            obj[key] = value
    return obj


_KEY_SEP = re.compile(r", (?=[A-Za-z][A-Za-z0-9/_]*: )")
_COMMA = re.compile(",")


def _split_keys(s: str) -> list[str]:
    """Split at ", Key: " on bracket depth 0."""
    return split_top_level(s, _KEY_SEP)


def _split_top(s: str) -> list[str]:
    return [p for p in split_top_level(s, _COMMA) if p.strip()]


def _stats(rest: str) -> dict[str, float]:
    out = {}
    for m in _STAT_RE.finditer(rest):
        key = m.group(1) if not m.group(2) else f"p{_pct(m.group(2))}"
        out[key] = float(m.group(3))
    return out


def _pct(p: str | None) -> str:
    if p is None:
        return "?"
    f = float(p)
    return str(int(f)) if f.is_integer() else str(f)


def _float(s: str) -> float:
    try:
        return float(s)
    except ValueError:
        return math.nan


def _version_from_tag(tag: str) -> str:
    """``8502`` -> 8.5.2, ``8510`` -> 8.5.10, ``101601`` -> 10.16.1, ``100300`` -> 10.3.0."""
    n = int(tag)
    if n >= 100000:
        return f"{n // 10000}.{n // 100 % 100}.{n % 100}"
    return f"{n // 1000}.{n // 100 % 10}.{n % 100}"


def _options(cmd: str) -> dict[str, str]:
    opts = {}
    for tok in cmd.split():
        if tok.startswith("--"):
            k, _, v = tok[2:].partition("=")
            opts[k] = v
    return opts


def _flags_from_options(opts: dict[str, str]) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    for k in ("fp16", "int8", "best", "fp8", "bf16", "int4", "noTF32", "stronglyTyped",
              "useCudaGraph", "noDataTransfers", "separateProfileRun", "dumpProfile",
              "dumpLayerInfo", "skipInference", "verbose"):
        if k in opts:
            flags[k.lower() if k in ("fp16", "int8", "best", "fp8", "bf16", "int4") else k] = True
    for k in ("sparsity", "workspace", "memPoolSize", "builderOptimizationLevel",
              "profilingVerbosity", "precisionConstraints", "layerPrecisions", "calib",
              "maxAuxStreams", "inputIOFormats", "outputIOFormats", "tacticSources"):
        if k in opts:
            flags[k] = opts[k]
    return flags
