"""Engine layer JSON (``trtexec --exportLayerInfo``, ``IEngineInspector``) -> engine layer frame.

Three shapes are read: ``{"Layers": [...], "Bindings": [...]}`` with detailed layer objects,
the same with plain name strings (default profiling verbosity: names only), and per-layer objects
printed one after another (``get_layer_information`` in a user script, ``--- Layer N ---`` markers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from trtprof.errors import InputError
from trtprof.parsers.formats import layer_precision, normalize_tactic_id, tensor_dict
from trtprof.parsers.json_fields import located, typed, typed_list
from trtprof.model import ENGINE_LAYER_COLUMNS, empty_frame

from .trt_text import iter_json_values, read_text, split_top_level

NAMES_ONLY_NOTE = ("names only: rebuild with --profilingVerbosity=detailed to get layer types, "
                   "tactics and tensor formats")

# Metadata joins ONNX node names with \x1e (trtexec 10.x) or \x1f (other 10.x builds).
_METADATA_SEP_RE = re.compile("[\x1e\x1f]")
_REFORMAT_NAME_RE = re.compile(r"^Reformatting CopyNode for (Input|Output) Tensor \d+ to "
                               r"| (input|output) reformatter \d+$")
# An engine with several optimization profiles holds a copy of every layer per profile; TensorRT
# tags the copies of profile N >= 1 with " [profile N]" (tensors and bindings too).
_OPT_PROFILE_RE = re.compile(r" \[profile ([1-9]\d*)\]")
# Extra columns beyond ENGINE_LAYER_COLUMNS.
EXTRA_COLUMNS = ("fused_ops", "stream_id", "origin", "myelin", "params")


@dataclass
class EngineLayers:
    layers: pd.DataFrame
    bindings: list[str] = field(default_factory=list)
    detailed: bool = True
    trt_version: str | None = None       # never in the file; see version_hint
    version_hint: str | None = None      # e.g. ">=8.6" from the keys present
    notes: list[str] = field(default_factory=list)
    optimization_profiles: int = 1       # layers repeat once per profile (see opt_profile_counts)


def parse_layer_json(path: str | Path) -> EngineLayers:
    """Parse an engine layer JSON file (any of the shapes in the module doc)."""
    text = read_text(path)
    values = list(iter_json_values(text, str(path)))
    if not values:
        raise InputError("empty file: no layer JSON", path=str(path))
    obj: Any = values[0] if len(values) == 1 else values
    return load_layer_json(obj, str(path))


def load_layer_json(obj: Any, path: str | None = None) -> EngineLayers:
    """Build :class:`EngineLayers` from an already parsed JSON value."""
    notes: list[str] = []
    bindings: list[str] = []
    where = "Layers"                  # how the fields of the layers are named in errors
    if isinstance(obj, dict) and "Layers" in obj:
        raw = obj["Layers"]
        bindings = typed_list(obj, "Bindings", str, "", path)
    elif isinstance(obj, dict) and "Name" in obj:
        raw, where = [obj], ""
    elif isinstance(obj, list) and obj and all(isinstance(x, dict) and "Name" in x for x in obj):
        raw, where = obj, ""  # per-layer objects from IEngineInspector.get_layer_information
        notes.append("per-layer inspector output: no bindings list")
    else:
        raise InputError("not an engine layer JSON: expected {\"Layers\": [...], \"Bindings\": "
                         "[...]} or layer objects with a \"Name\"", path=path)
    if not isinstance(raw, list):
        raise InputError("\"Layers\" is not a list", path=path)
    if raw and all(isinstance(x, str) for x in raw):
        frame = _names_only_frame(raw)
        notes.insert(0, NAMES_ONLY_NOTE)
        profiles = opt_profile_note(raw, notes)
        return EngineLayers(frame, bindings, detailed=False, notes=notes,
                            optimization_profiles=profiles)
    if not all(isinstance(x, dict) for x in raw):
        raise InputError("\"Layers\" mixes strings and objects, or holds other values", path=path)
    rows = []
    for i, d in enumerate(raw):
        with located(f"{where}[{i}]", path):
            rows.append(_layer_row(d, f"{where}[{i}]", path))
    frame = _frame(rows)
    if frame.empty:
        notes.append("no layers in the file")
    profiles = opt_profile_note(frame["name"].tolist(), notes)
    return EngineLayers(frame, bindings, detailed=True, version_hint=_version_hint(raw),
                        notes=notes, optimization_profiles=profiles)


def _layer_row(d: dict, where: str, path: str | None) -> dict:
    name = d.get("Name")
    if not isinstance(name, str):
        raise InputError(f"{where}.Name: a layer has no \"Name\" string", path=path)
    layer_type = typed(d, "LayerType", (str,), where, path, "")
    inputs = [_tensor(t, f"{where}.Inputs[{k}]", path)
              for k, t in enumerate(typed_list(d, "Inputs", dict, where, path))]
    outputs = [_tensor(t, f"{where}.Outputs[{k}]", path)
               for k, t in enumerate(typed_list(d, "Outputs", dict, where, path))]
    origin = typed(d, "Origin", (str,), where, path, "")
    tactic = typed(d, "TacticValue", (str, int), where, path)
    known = {"Name", "LayerType", "Inputs", "Outputs", "TacticName", "TacticValue", "Metadata",
             "StreamId", "Origin"}
    return {
        "name": name,
        "layer_type": layer_type,
        "tactic_name": typed(d, "TacticName", (str,), where, path, ""),
        "tactic_id": normalize_tactic_id(tactic),
        "precision": layer_precision(inputs, outputs, layer_type),
        "inputs": inputs,
        "outputs": outputs,
        "is_reformat": is_reformat_layer(name, layer_type),
        "reformat_origin": origin if is_reformat_layer(name, layer_type) else "",
        "metadata": split_metadata(typed(d, "Metadata", (str,), where, path)),
        "fused_ops": len(fusion_parts(name)),
        "stream_id": typed(d, "StreamId", (int,), where, path),
        "origin": origin,
        "myelin": layer_type == "Myelin" or "{ForeignNode[" in name,
        "params": {k: v for k, v in d.items() if k not in known},
    }


def _tensor(t: dict, where: str, path: str | None) -> dict:
    # Dimensions: integers (-1 where dynamic); a name of a shape tensor is a string
    dims = typed(t, "Dimensions", (list,), where, path)
    if dims is not None and not all(isinstance(x, (int, str)) and not isinstance(x, bool)
                                    for x in dims):
        raise InputError(f"{where}.Dimensions: expected integers", path=path)
    rec = tensor_dict(typed(t, "Name", (str,), where, path, ""),
                      typed(t, "Format/Datatype", (str,), where, path), dims)
    if "Location" in t:
        rec["location"] = typed(t, "Location", (str,), where, path)
    return rec


def _names_only_frame(names: list[str]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = [{
        "name": n, "layer_type": "", "tactic_name": "", "tactic_id": None,
        "precision": "unknown", "inputs": [], "outputs": [],
        "is_reformat": is_reformat_layer(n, ""), "reformat_origin": "", "metadata": [],
        "fused_ops": len(fusion_parts(n)), "stream_id": None, "origin": "",
        "myelin": "{ForeignNode[" in n, "params": {},
    } for n in names]
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        frame = empty_frame(ENGINE_LAYER_COLUMNS)
        for c in EXTRA_COLUMNS:
            frame[c] = pd.Series(dtype="object")
        return frame
    frame = pd.DataFrame(rows, columns=list(ENGINE_LAYER_COLUMNS) + list(EXTRA_COLUMNS))
    frame["is_reformat"] = frame["is_reformat"].astype(bool)
    frame["myelin"] = frame["myelin"].astype(bool)
    frame["fused_ops"] = frame["fused_ops"].astype("int64")
    # uint64 ids do not fit int64 and NaN would turn them into floats: keep Python ints/None.
    for col in ("tactic_id", "stream_id"):
        frame[col] = pd.Series([r[col] for r in rows], dtype=object, index=frame.index)
    return frame


def is_reformat_layer(name: str, layer_type: str) -> bool:
    """A layer that only converts format/type: LayerType Reformat or MyelinReformat, or a name
    TensorRT gives inserted copies ("Reformatting CopyNode for ...", 7.x "... input reformatter 0")."""
    if layer_type in ("Reformat", "MyelinReformat"):
        return True
    return bool(_REFORMAT_NAME_RE.search(name))


def split_metadata(value: Any) -> list[str]:
    """ONNX node names from a Metadata string ("[ONNX Layer: a]\\x1e[ONNX Layer: b]")."""
    if not value or not isinstance(value, str):
        return []
    out = []
    for part in _METADATA_SEP_RE.split(value):
        part = part.strip()
        m = re.match(r"^\[ONNX Layer: (.*)\]$", part)
        if part:
            out.append(m.group(1) if m else part)
    return out


def fusion_parts(name: str) -> list[str]:
    """The ops a fused layer name lists: split on ' + ' (vertical fusion) and ' || ' (horizontal
    merge) outside brackets, and open ``PWN(a, b)`` pointwise groups. A ``{ForeignNode[...]}``
    (Myelin) is one part: its name shows only the first and last op."""
    parts = [p for p in _split_top(name, (" + ", " || ")) if p]
    out: list[str] = []
    for p in parts:
        m = re.fullmatch(r"PWN\((.*)\)", p)
        if m:
            inner = _split_top(m.group(1), (", ",))
            for q in inner:
                out.extend(fusion_parts(q))
        else:
            out.append(p)
    return out or [name]


def _split_top(text: str, seps: tuple[str, ...]) -> list[str]:
    sep = re.compile("|".join(re.escape(x) for x in seps))
    return [part.strip() for part in split_top_level(text, sep)]


def _version_hint(raw: list[dict]) -> str | None:
    """What the keys say about the TensorRT version (the file never states it)."""
    keys = {k for d in raw for k in d}
    fmts = {t.get("Format/Datatype") for d in raw for t in (d.get("Inputs") or []) + (d.get("Outputs") or [])
            if isinstance(t, dict)}
    if fmts & {"Float", "Half", "Int8", "BFloat16", "FP8", "Int32", "Int64"}:
        return ">=10"
    if "Metadata" in keys:
        return ">=8.6"
    if any("Location" in t for d in raw for t in (d.get("Inputs") or []) if isinstance(t, dict)):
        return ">=8.4"
    return None



def opt_profile_indices(names: list[str]) -> list[int]:
    """The optimization profile of each layer, in listing order.

    TensorRT tags the copies of profile N >= 1 " [profile N]": at the end of a name, or inside it
    where Myelin appends its own suffix ("node_linear [profile 1]_myl15_1"); Myelin's internal
    layers ("__myl_Cast_myl15_5") carry no tag. Each profile's layers are listed together, in
    profile order, so an untagged layer belongs to the profile of the tagged layers before it.
    A tag counts only when some name carrying it is, without it, a profile 0 name: a user may
    have named a layer "x [profile 1]"."""
    tags = [max((int(t) for t in _OPT_PROFILE_RE.findall(n)), default=0) for n in names]
    untagged = {n for n, t in zip(names, tags) if not t}
    known = {t for n, t in zip(names, tags) if t and _OPT_PROFILE_RE.sub("", n) in untagged}
    out, current = [], 0
    for t in tags:
        if t in known and t > current:
            current = t
        out.append(current)
    return out


def opt_profile_counts(names: list[str]) -> dict[int, int]:
    """Layers per optimization profile, ``{0: n0, 1: n1, ...}`` (``{0: n}`` for one profile).
    Copies need not match one for one: each profile gets its own tactics and reformats."""
    counts: dict[int, int] = {0: 0}
    for k in opt_profile_indices([str(n) for n in names]):
        counts[k] = counts.get(k, 0) + 1
    return dict(sorted(counts.items()))


def opt_profile_summary(counts: dict[int, int]) -> str:
    """``"2 optimization profiles: 13 layers each"`` (or the count of each when they differ)."""
    per = set(counts.values())
    each = (f"{per.pop()} layers each" if len(per) == 1 else
            "layers per profile " + ", ".join(str(counts[k]) for k in sorted(counts)))
    return f"{len(counts)} optimization profiles: {each}"


def opt_profile_note(names: list[str], notes: list[str]) -> int:
    """The number of optimization profiles the layer names show; adds a note when more than one."""
    counts = opt_profile_counts(names)
    if len(counts) > 1:
        notes.append(opt_profile_summary(counts) + " (TensorRT repeats every layer per profile "
                     "and tags the copies ' [profile N]')")
    return len(counts)
