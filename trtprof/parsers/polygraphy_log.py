"""``polygraphy inspect model ENGINE --show layers [attrs]`` output -> engine layer frame.

Blocks look like::

    Layer 0    | node_conv2d + node_relu [Op: CaskConvolution]
        {x [dtype=float32, shape=(-1, 1, 28, 28), Format: Float]}
         -> {relu [dtype=float32, shape=(-1, 32, 28, 28), Format: Float]}
        ---- Attributes ----
        Origin = Unknown
        Tactic = 0x5b8bf1b8028629d9

``Tactic`` is a hex id for Cask layers, a kernel name for Myelin kgen/gemm layers, empty for others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from trtprof.errors import InputError
from trtprof.parsers.formats import layer_precision, normalize_tactic_id, tensor_dict

from .layer_json import _frame, fusion_parts, is_reformat_layer, opt_profile_note
from .trt_text import read_text

_LAYER_RE = re.compile(r"^\s*Layer (\d+)\s*\| (?P<name>.*) \[Op: (?P<op>[^\]]*)\]\s*$")
_TENSOR_RE = re.compile(r"(?P<name>[^{},\s][^{}]*?) \[dtype=(?P<dtype>[A-Za-z0-9]+), "
                        r"shape=\((?P<shape>[^)]*)\)(?:, Format: (?P<fmt>[^\]]*))?\]")
_ATTR_RE = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z ]*?) = ?(?P<value>.*)$")
_VERSION_RE = re.compile(r"Loaded Module: tensorrt \| Version: (\S+)")
_POLY_VERSION_RE = re.compile(r"Loaded Module: polygraphy \| Version: (\S+)")
_NUMPY_TO_TRT = {"float32": "Float", "float16": "Half", "int8": "Int8", "int32": "Int32",
                 "int64": "Int64", "bool": "Bool", "bfloat16": "BFloat16", "uint8": "UInt8"}


@dataclass
class PolygraphyLayers:
    layers: pd.DataFrame
    trt_version: str | None = None
    polygraphy_version: str | None = None
    notes: list[str] = field(default_factory=list)
    optimization_profiles: int = 1


def parse_polygraphy_log(path: str | Path) -> PolygraphyLayers:
    """Parse polygraphy inspect output; layers are empty (with a note) when ``--show layers`` was
    not given."""
    text = read_text(path)
    if "==== TensorRT Engine ====" not in text and not _LAYER_RE.search(text.split("\n", 1)[0]) \
            and "[Op: " not in text:
        raise InputError("not a polygraphy 'inspect model' output of a TensorRT engine",
                         path=str(path))
    rows: list[dict[str, Any]]
    cur: dict[str, Any] | None
    rows, cur, section = [], None, ""
    for line in text.split("\n"):
        m = _LAYER_RE.match(line)
        if m:
            cur = {"name": m.group("name"), "op": m.group("op"), "io": "", "attrs": {}}
            rows.append(cur)
            section = "io"
            continue
        if cur is None:
            continue
        s = line.strip()
        if s.startswith("---- Attributes"):
            section = "attrs"
        elif s.startswith("----") or line.startswith("[") or (s and not line.startswith(" ")):
            cur, section = None, ""
        elif section == "io":
            cur["io"] += " " + s
        elif section == "attrs":
            a = _ATTR_RE.match(line)
            if a:
                cur["attrs"][a.group("key")] = a.group("value").strip()
    notes = []
    if not rows:
        notes.append("no layers: run polygraphy inspect model with --show layers "
                     "(and build the engine with --profilingVerbosity=detailed)")
    tv = _VERSION_RE.search(text)
    pv = _POLY_VERSION_RE.search(text)
    profiles = opt_profile_note([r["name"] for r in rows], notes)
    return PolygraphyLayers(_frame([_row(r) for r in rows]), tv.group(1) if tv else None,
                            pv.group(1) if pv else None, notes, profiles)


def _row(r: dict) -> dict:
    ins_text, _, outs_text = r["io"].partition(" -> ")
    inputs, outputs = _tensors(ins_text), _tensors(outs_text)
    tactic = r["attrs"].get("Tactic", "")
    tactic_id = normalize_tactic_id(tactic) if tactic.startswith("0x") else None
    tactic_name = "" if tactic.startswith("0x") else tactic
    origin = r["attrs"].get("Origin", "")
    origin = "" if origin == "Unknown" else origin
    reformat = is_reformat_layer(r["name"], r["op"])
    return {
        "name": r["name"], "layer_type": r["op"], "tactic_name": tactic_name,
        "tactic_id": tactic_id, "precision": layer_precision(inputs, outputs, r["op"]),
        "inputs": inputs, "outputs": outputs, "is_reformat": reformat,
        "reformat_origin": origin if reformat else "", "metadata": [],
        "fused_ops": len(fusion_parts(r["name"])), "stream_id": None, "origin": origin,
        "myelin": r["op"] == "Myelin" or "{ForeignNode[" in r["name"],
        "params": {k: v for k, v in r["attrs"].items() if k not in ("Tactic", "Origin")},
    }


def _tensors(text: str) -> list[dict]:
    out = []
    for m in _TENSOR_RE.finditer(text):
        fmt = m.group("fmt") or _NUMPY_TO_TRT.get(m.group("dtype"), m.group("dtype"))
        dims: list[int | str] = []
        for d in m.group("shape").split(","):
            d = d.strip()
            if d:
                try:
                    dims.append(int(d))
                except ValueError:
                    dims.append(d)
        out.append(tensor_dict(m.group("name").strip(), fmt, dims))
    return out
