"""The layer-level view: one row per engine layer with its class, unit, precision and time."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from trtprof.inputs import Inputs

# Layers whose names TensorRT gives to its inserted format conversions.
REFORMAT_NAME = re.compile(r"^Reformatting CopyNode for (Input|Output) Tensor (\d+) to (.+)$")
VIEW_COLUMNS = ["name", "layer_type", "op_class", "precision", "math_precision", "is_reformat",
                "reformat_reason", "unit", "tactic_name", "in_layer_listing", "time_ns",
                "time_per_inference_ns", "share"]


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


def _classify(tactic: str, layer_type: str, precision: str, plugin_type: str = ""):
    from trtprof.classify.classifier import classify, refine, plugin_unit
    # refine gives the non-MMA classes (reformat, pointwise, ...) their CUDA-core unit.
    kc = refine(classify(tactic or ""), tactic_name=None, layer_type=layer_type)
    unit = plugin_unit(plugin_type) if kc.unit == "unknown" and plugin_type else kc.unit
    return unit, kc.precision, kc.op_class


def layer_view(layers: pd.DataFrame | None, profile: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per layer: class (op_class from the tactic name, else the LayerType), unit
    (tensor_core/cuda_core/unknown via ``trtprof.classify.classifier``), I/O precision, the kernel's math
    precision, reformat flag and reason, and times from the profile (int ns, <NA> when absent):
    ``time_ns`` over all profiled runs (``timeMs``), ``time_per_inference_ns`` per run
    (``averageMs``), and the layer's share of the per-run total. Profile rows are joined **by name**; notes on
    mismatches are in ``frame.attrs["notes"]``."""
    notes: list[str] = []
    listing = layers is not None and not layers.empty
    if not listing and profile is not None and not profile.empty:
        layers = pd.DataFrame({"name": profile["name"]})
        notes.append("no engine layer information: layer names from the profile only")
    elif profile is not None and not profile.empty:
        # Profile records the listing does not name keep their own rows (class unknown), so
        # every profiled nanosecond stays in the totals and shares say what they cover.
        assert layers is not None
        extra = profile.loc[~profile["name"].isin(set(layers["name"])), ["name"]]
        extra = extra.drop_duplicates("name").assign(in_layer_listing=False, is_reformat=False)
        for col in ("layer_type", "tactic_name", "precision", "reformat_origin", "origin"):
            extra[col] = ""
        layers = pd.concat([layers.assign(in_layer_listing=True), extra], ignore_index=True)
    rows = []
    for rec in (layers.to_dict("records") if layers is not None else []):
        name = rec.get("name", "")
        ltype = rec.get("layer_type") or ""
        tactic = rec.get("tactic_name") or ""
        prec = rec.get("precision") or "unknown"
        origin = rec.get("reformat_origin") or rec.get("origin") or ""
        # TensorRT's name for its inserted copies tells a reformat when the type is not given
        # (a profile or a names-only layer JSON).
        is_ref = bool(rec.get("is_reformat", False)) or bool(REFORMAT_NAME.match(str(name)))
        params = rec.get("params")
        plugin_type = str(params.get("PluginType") or "") if isinstance(params, dict) else ""
        unit, math_prec, op = _classify(tactic, ltype, prec, plugin_type)
        if is_ref:
            op = "reformat" if op in ("other", "reformat") else op
        rows.append({"name": name, "layer_type": ltype, "op_class": op, "precision": prec,
                     "math_precision": math_prec, "is_reformat": is_ref,
                     "reformat_reason": reformat_reason(name, ltype, origin) if is_ref else "",
                     "unit": unit, "tactic_name": tactic,
                     "in_layer_listing": bool(rec.get("in_layer_listing", True)) if listing else None})
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
        unlisted = view["in_layer_listing"].eq(False)
        if unlisted.any() and total:
            lost = view.loc[unlisted, "time_per_inference_ns"].sum(skipna=True) / total
            notes.append(f"{int(unlisted.sum())} profiled layers ({lost:.1%} of the profiled "
                         "time) are not in the engine's layer listing: they are kept as their "
                         "own rows, class unknown")
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


def engine_layers(inputs: Inputs) -> pd.DataFrame | None:
    """The engine's layer table from whatever the inputs hold (layer JSON, a verbose log's engine
    layer information, polygraphy output): the most complete list of layers (more detailed on a
    tie), with rows it leaves without a type filled by name from the others (a names-only JSON
    plus a log that lists some layers in detail)."""
    sources = [src.layers for src in (inputs.engine, inputs.log, inputs.polygraphy)
               if src is not None]
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


# The one layer table (what the rules read; the report's ``layers`` are its projection).
LAYER_COLUMNS = ["name", "time_ns", "share", "op_class", "unit", "precision", "layer_type",
                 "tactic", "engine_precision", "is_reformat", "reformat_origin", "inputs",
                 "outputs", "params", "order", "in_layer_listing"]
# engine layer column -> layer table column
_ENGINE_COLUMNS = (("inputs", "inputs"), ("outputs", "outputs"), ("params", "params"),
                   ("layer_type", "layer_type"), ("tactic", "tactic_name"),
                   ("engine_precision", "precision"), ("is_reformat", "is_reformat"),
                   ("reformat_origin", "reformat_origin"))


def layer_table(primary: pd.DataFrame, engine: pd.DataFrame | None,
                profile_times: pd.Series | None, engine_only: bool) -> pd.DataFrame:
    """One row per layer in execution order, whatever the inputs.

    ``primary`` is the analysis's own layer frame: trace layers (time from kernels) or the
    engine-only view (time from the profile). The engine's view (type, tactic, precision, I/O
    formats, parameters) is joined by name; a trace without layer ranges gets the engine's
    layers with the profile's times (``profile_times``: name -> ns over the profiled runs)."""
    df = primary.copy()
    if not len(df) and engine is not None:
        df = pd.DataFrame({"name": engine["name"]})
    if not len(df):
        df = pd.DataFrame({"name": pd.Series(dtype=object)})
    for col in df.columns:    # nullable ints (engine-only view) as float/NaN, as rules expect
        if str(df[col].dtype) == "Int64":
            df[col] = df[col].astype("float64") if df[col].isna().any() else \
                df[col].astype("int64")
    if engine is not None:
        info = engine.drop_duplicates("name").set_index("name")
        for col, src in _ENGINE_COLUMNS:
            if src in info:
                mapped = df["name"].map(info[src])
                df[col] = mapped if col not in df else df[col].where(df[col].notna(), mapped)
        if engine_only:
            # Keep the engine's execution order (a profile may list layers otherwise).
            pos = {n: i for i, n in enumerate(engine["name"])}
            df["order"] = df["name"].map(pos)
    # Layers the engine does not list (another build, a names-only file) map to NaN: give the
    # container columns their empty value so rules can iterate them.
    for col, empty in (("inputs", list), ("outputs", list), ("params", dict)):
        if col in df:
            df[col] = [v if isinstance(v, empty) else empty() for v in df[col]]
    if "time_ns" not in df or df["time_ns"].isna().all():
        df["time_ns"] = df["name"].map(profile_times) if profile_times is not None else np.nan
    for col in LAYER_COLUMNS:
        if col not in df:
            df[col] = None
    if df["order"].isna().all():
        df["order"] = np.arange(len(df))
    df = df.sort_values("order", kind="stable", na_position="last").reset_index(drop=True)
    total = df["time_ns"].fillna(0).sum()
    if df["share"].isna().all() and total:
        df["share"] = df["time_ns"] / total
    # Reformat layers are known by engine type, by TensorRT's naming, or by their kernels.
    named = df["name"].astype(str).str.match(REFORMAT_NAME)
    flagged = df["is_reformat"].map(lambda v: v is True or v == 1).astype(bool)   # NaN -> False
    df["is_reformat"] = flagged | named | (df["op_class"].astype(str) == "reformat")
    return df


def profile_layer_times(inputs: Inputs) -> pd.Series | None:
    """Layer time (ns) over all profiled runs, by name, from a profile JSON or a --dumpProfile
    table; None without one."""
    prof = inputs.profile.layers if inputs.profile is not None else None
    if (prof is None or not len(prof)) and inputs.log is not None:
        prof = inputs.log.profile
    if prof is None or not len(prof) or "time_ms" not in prof:
        return None
    return (prof.drop_duplicates("name").set_index("name")["time_ms"] * 1e6).round()
