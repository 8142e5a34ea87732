"""Reports from TensorRT's own files alone (layer JSON, profile JSON, trtexec logs): no trace.

Per-layer times come from the profile (``--exportProfile`` or a ``--dumpProfile`` table), on the
report's bases (``trtprof.report``): ``time_ns`` over every profiled run, ``*_per_inference_ns``
per run. Without a profile every time and share is ``None``: the layer list, precisions and tactics are still
worth reading, but no number is invented.
"""

from __future__ import annotations

import pandas as pd

from trtprof.inputs import Inputs
from trtprof.analysis.metrics import GEMM_CLASSES, share


def _engine_frames(inputs: Inputs) -> tuple[pd.DataFrame | None, pd.DataFrame | None,
                                             int | None, list[str]]:
    """Layers (layer JSON first, else the log's), profile (profile JSON first, else the log's
    dumpProfile table) and the number of profiled iterations."""
    from trtprof.analysis.layers import engine_layers
    notes: list[str] = []
    layers = engine_layers(inputs)
    profile, iterations = None, None
    if inputs.profile is not None and len(inputs.profile.layers):
        profile, iterations = inputs.profile.layers, inputs.profile.iterations
    elif inputs.log is not None and len(inputs.log.profile):
        profile, iterations = inputs.log.profile, inputs.log.profile_iterations
    if profile is None:
        notes.append("no per-layer profile (--exportProfile JSON or --dumpProfile table): layer "
                     "times and shares are unknown")
    return layers, profile, iterations, notes


# Below this share of profiled time in layers of known type/tactic, class shares are unknown.
MIN_KNOWN_SHARE = 0.9


def known_time_share(view: pd.DataFrame) -> float | None:
    """Share of profiled time in layers whose class the inputs can tell (a layer type, a
    tactic, or a reformat); names-only layer JSON leaves most layers unknown."""
    timed = view[view["time_per_inference_ns"].notna()]
    total = timed["time_per_inference_ns"].sum()
    if not total:
        return None
    def given(col: str) -> pd.Series:
        if col not in timed:
            return pd.Series(False, index=timed.index)
        return timed[col].fillna("").astype(str) != ""
    known = given("layer_type") | given("tactic_name") | timed["is_reformat"].astype(bool)
    return float(timed.loc[known, "time_per_inference_ns"].sum() / total)


def _metrics(view: pd.DataFrame, inputs: Inputs, iterations: int | None) -> dict:
    # Shares and classes from the per-run averages; the window total beside them.
    timed = view[view["time_per_inference_ns"].notna()] if len(view) else view
    total = int(timed["time_per_inference_ns"].sum()) if len(timed) else 0
    window_total = None if not total or timed["time_ns"].isna().any() else \
        int(timed["time_ns"].sum())
    known = known_time_share(view) if total else None
    classes_known = known is not None and known >= MIN_KNOWN_SHARE

    def shares(col: str) -> dict:
        if not total:
            return {}
        s = timed.groupby(col)["time_per_inference_ns"].sum().sort_values(ascending=False)
        return {str(k): share(v, total) for k, v in s.items() if v > 0}
    per = "time_per_inference_ns"
    gemm = int(timed.loc[timed["op_class"].isin(GEMM_CLASSES), per].sum()) if total else 0
    tc = int(timed.loc[timed["unit"] == "tensor_core", per].sum()) if total else 0
    prec_col = "math_precision" if "math_precision" in view else "precision"
    perf = (inputs.log.perf if inputs.log is not None else None) or \
        (inputs.metadata.perf if inputs.metadata is not None else None) or {}
    return {
        "kernel_count": None,                 # layer files do not list kernel launches
        "kernel_time_ns": window_total,           # over every profiled run (timeMs summed)
        "gpu_time_per_inference_ns": total or None,   # per run (averageMs summed)
        # Class shares need layer types/tactics for (nearly) all of the time: never guess.
        "gemm_share": share(gemm, total) if classes_known else None,
        "tensor_core_share": share(tc, total) if classes_known else None,
        "classified_time_share": known,
        "unit_share": shares("unit") if classes_known else {},
        "op_class_share": shares("op_class") if classes_known else {},
        "precision_share": shares(prec_col) if classes_known else {},
        "reformat_share": share(timed.loc[timed["is_reformat"], per].sum(), total)
        if total else None,
        "layer_count": _layer_count(view),
        "reformat_layers": int(view["is_reformat"].sum()) if len(view) else 0,
        # share of profiled time in layers the engine's listing names (None: no listing)
        "profile_coverage": _coverage(timed, total),
        "iterations": iterations,
        "latency": None,   # the pipeline fills trtexec's, when a summary is present
        # kept for reports before ``performance`` (schema 2): the parser's dict, in ms
        "trtexec_perf": perf or None,
    }


def _layer_count(view: pd.DataFrame) -> int:
    """Distinct layers of one optimization profile: an engine with N profiles lists every layer
    N times ("conv", "conv [profile 1]", ...), which is one network, not N times the layers."""
    from trtprof.parsers.layer_json import opt_profile_counts
    if not len(view):
        return 0
    return opt_profile_counts(view["name"].astype(str).tolist())[0]


def _layer_count_note(view: pd.DataFrame) -> str | None:
    from trtprof.parsers.layer_json import opt_profile_counts, opt_profile_summary
    counts = opt_profile_counts(view["name"].astype(str).tolist()) if len(view) else {}
    if len(counts) < 2:
        return None
    return opt_profile_summary(counts) + " (layer_count counts one profile, profile 0)"


def _coverage(timed: pd.DataFrame, total: int) -> float | None:
    listed = timed["in_layer_listing"] if "in_layer_listing" in timed else None
    if listed is None or not total or listed.isna().all():
        return None
    return share(timed.loc[listed.eq(True), "time_per_inference_ns"].sum(), total)


def _partial_profile(view: pd.DataFrame, profile: pd.DataFrame, metrics: dict,
                     notes: list[str]) -> None:
    """A table with rows cut out: its rows' sum is not the engine's time, so totals and every
    share of them are unknown. Each row keeps its time, and its share as the table printed it."""
    for key in ("kernel_time_ns", "gpu_time_per_inference_ns", "gemm_share", "tensor_core_share",
                "reformat_share", "classified_time_share", "profile_coverage"):
        metrics[key] = None
    for key in ("unit_share", "op_class_share", "precision_share"):
        metrics[key] = {}
    pct = profile.drop_duplicates("name").set_index("name")["percentage"] \
        if "percentage" in profile else pd.Series(dtype=float)
    view["share"] = view["name"].map(pct) / 100
    notes.append("the profile table is partial (rows elided): GPU time per inference and every "
                 "share are unknown; layer shares are the table's own Time %")


def analyze_engine_only(inputs: Inputs) -> tuple[dict, pd.DataFrame]:
    """The report's body (without its layers) and the engine-only layer view."""
    from trtprof.analysis.layers import layer_view
    layers, profile, iterations, notes = _engine_frames(inputs)
    partial = profile is not None and inputs.profile is None and inputs.log is not None and \
        inputs.log.profile_partial
    view = layer_view(layers, profile) if (layers is not None or profile is not None) \
        else pd.DataFrame(columns=["name", "time_ns", "time_per_inference_ns", "share",
                                   "op_class", "unit", "precision", "is_reformat"])
    notes.extend(view.attrs.get("notes", []))
    if len(view) and view["time_per_inference_ns"].notna().any():
        known = known_time_share(view)
        if known is not None and known < MIN_KNOWN_SHARE:
            why = ("the engine's layer listing does not name every profiled layer"
                   if view["in_layer_listing"].eq(False).any() else "names-only layer JSON?")
            notes.append(f"only {known:.0%} of the profiled time is in layers whose type or tactic "
                         f"the inputs give ({why}): GEMM, Tensor Core and class shares are left "
                         "unknown. Export the layers with --profilingVerbosity=detailed from "
                         "the same build as the profile.")
    profiles_note = _layer_count_note(view)
    if profiles_note:
        notes.append(profiles_note)
    view = view.copy()
    if len(view):
        if iterations:   # a table without totals: the run count gives them
            missing = view["time_ns"].isna() & view["time_per_inference_ns"].notna()
            view.loc[missing, "time_ns"] = view.loc[missing, "time_per_inference_ns"] * iterations
        # Each profiled run executes every layer once: per instance = per inference.
        view["avg_ns"] = view["time_per_inference_ns"]
        view["tactic"] = view.get("tactic_name")
        view["engine_precision"] = view.get("precision")
        view["reformat_origin"] = view.get("reformat_reason")
        view["is_reformat"] = view["is_reformat"].astype(bool)
    metrics = _metrics(view, inputs, iterations) if len(view) else \
        {"kernel_count": None, "kernel_time_ns": None, "gpu_time_per_inference_ns": None,
         "gemm_share": None, "tensor_core_share": None, "op_class_share": {},
         "precision_share": {}}
    if partial:
        assert profile is not None
        _partial_profile(view, profile, metrics, notes)
    return {
        "window": {"kind": "all", "source": "profile" if profile is not None else "layers",
                   "iterations": iterations, "excluded_kernels": None},
        "metrics": metrics,
        "kernels": [],
        "iterations": [],
        "timeline": None,
        "notes": notes,
    }, view
