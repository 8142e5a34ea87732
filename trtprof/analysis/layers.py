"""The layer-level view: one row per engine layer with its class, unit, precision and time."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

VIEW_COLUMNS = ["name", "layer_type", "op_class", "precision", "math_precision", "is_reformat",
                "reformat_reason", "unit", "tactic_name", "time_ns", "time_per_inference_ns",
                "share"]


def reformat_reason(name: str, layer_type: str, origin: str) -> str:
    """Why a layer counts as a reformat: its Origin (REFORMAT, QDQ, ...), the inserted-copy name,
    or the MyelinReformat type; "" for other layers."""
    if origin:
        return origin
    if name.startswith("Reformatting CopyNode"):
        return "Reformatting CopyNode"
    if re.search(r" (input|output) reformatter \d+$", name):
        return "reformatter (TensorRT 7)"
    if layer_type in ("Reformat", "MyelinReformat"):
        return layer_type
    return ""


def _classify(tactic: str, layer_type: str, precision: str):
    from trtprof.classify.classifier import classify, refine
    kc = refine(classify(tactic or ""), tactic_name=None, layer_type=layer_type)
    unit = kc.unit
    if unit == "unknown" and kc.op_class in ("reformat", "permutation", "pointwise", "pooling",
                                             "reduction", "gather_scatter"):
        unit = "cuda_core"   # these classes never use MMA instructions
    return unit, kc.precision, kc.op_class


def layer_view(layers: pd.DataFrame | None, profile: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per layer: class (op_class from the tactic name, else the LayerType), unit
    (tensor_core/cuda_core/unknown via ``trtprof.classify.classifier``), I/O precision, the kernel's math
    precision, reformat flag and reason, and times from the profile (int ns, <NA> when absent):
    ``time_ns`` over all profiled runs (``timeMs``), ``time_per_inference_ns`` per run
    (``averageMs``), and the layer's share of the per-run total. Profile rows are joined **by name**; notes on
    mismatches are in ``frame.attrs["notes"]``."""
    notes: list[str] = []
    if (layers is None or layers.empty) and profile is not None and not profile.empty:
        layers = pd.DataFrame({"name": profile["name"]})
        notes.append("no engine layer information: layer names from the profile only")
    rows = []
    for rec in (layers.to_dict("records") if layers is not None else []):
        name = rec.get("name", "")
        ltype = rec.get("layer_type") or ""
        tactic = rec.get("tactic_name") or ""
        prec = rec.get("precision") or "unknown"
        origin = rec.get("reformat_origin") or rec.get("origin") or ""
        is_ref = bool(rec.get("is_reformat", False))
        unit, math_prec, op = _classify(tactic, ltype, prec)
        if is_ref:
            op = "reformat" if op in ("other", "reformat") else op
        rows.append({"name": name, "layer_type": ltype, "op_class": op, "precision": prec,
                     "math_precision": math_prec, "is_reformat": is_ref,
                     "reformat_reason": reformat_reason(name, ltype, origin) if is_ref else "",
                     "unit": unit, "tactic_name": tactic})
    view = pd.DataFrame(rows, columns=VIEW_COLUMNS[:-3])
    view["is_reformat"] = view["is_reformat"].astype(bool)
    if profile is not None and not profile.empty:
        from trtprof.parsers.profile_json import join_profile
        joined, join_notes = join_profile(view, profile)
        notes.extend(join_notes)
        view["time_ns"] = _ns(joined["time_ms"])
        view["time_per_inference_ns"] = _ns(joined["avg_ms"])
        total = view["time_per_inference_ns"].sum(skipna=True)
        view["share"] = (view["time_per_inference_ns"].astype("Float64") / total).astype(
            "float64") if total else float("nan")
    else:
        view["time_ns"] = pd.array([pd.NA] * len(view), dtype="Int64")
        view["time_per_inference_ns"] = pd.array([pd.NA] * len(view), dtype="Int64")
        view["share"] = float("nan")
    view.attrs["notes"] = notes
    return view


def _ns(ms: pd.Series) -> pd.api.extensions.ExtensionArray:
    """Milliseconds (float, NaN when absent) as nullable integer nanoseconds."""
    ns = (ms * 1e6).round()
    return pd.array([int(v) if pd.notna(v) else pd.NA for v in ns], dtype="Int64")


def engine_layers(inputs) -> pd.DataFrame | None:
    """The engine's layer table from whatever the inputs hold (layer JSON, a verbose log's engine
    layer information, polygraphy output): the most complete list of layers (more detailed on a
    tie), with rows it leaves without a type filled by name from the others (a names-only JSON
    plus a log that lists some layers in detail)."""
    sources: list[Any] = [getattr(getattr(inputs, slot, None), "layers", None)
               for slot in ("engine", "log", "polygraphy")]
    sources = [s for s in sources if s is not None and len(s) and "name" in s]
    if not sources:
        return None

    def typed(df: pd.DataFrame) -> int:
        return int((df.get("layer_type", pd.Series(dtype=object)).fillna("").astype(str) != "")
                   .sum())
    sources.sort(key=lambda df: (-len(df), -typed(df)))
    base = sources[0]
    for other in sources[1:]:
        if not typed(other):
            continue
        untyped = base.get("layer_type", pd.Series("", index=base.index)).fillna("") == ""
        info = other.drop_duplicates("name").set_index("name")
        fill = untyped & base["name"].isin(info.index)
        if not fill.any():
            continue
        base = base.copy()
        for col in info.columns:
            if col in base:
                base.loc[fill, col] = base.loc[fill, "name"].map(info[col]).to_numpy()
    return base
