"""int8_fallback and cuda_core_gemm: where an engine computes in a slower precision or on a
slower unit than it could."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from trtprof.rules import Context, Finding, Words, rule
from trtprof.rules._common import (GEMM_CLASSES, fmt_ns, layer_frame, pct,
                                   precision_of, reformat_target, severity, threshold, total_time)

FLOAT_PRECISIONS = ("fp32", "fp16", "bf16")
_NO_WORK_TYPES = ("NoOp", "Constant", "Shuffle", "Identity")


def _flags(ctx: Context) -> dict[str, bool]:
    """Precision flags from the log's build options or the trace's capture command."""
    out: dict[str, bool] = {}
    flags = ctx.analysis.build_flags
    for p in ("int8", "fp16", "best", "fp8", "bf16"):
        if flags.get(p):
            out[p] = True
    cmd = ctx.analysis.capture_command
    if "trtexec" in cmd:
        for p in ("int8", "fp16", "best", "fp8", "bf16"):
            if re.search(rf"--{p}\b", cmd):
                out[p] = True
    return out


@dataclass
class Fallback:
    evidence: list[str]                 # why this is an INT8 engine
    layers: list[str]                   # compute layers running in FP32/FP16
    reformats: list[str]                # reformat layers next to them
    frame: pd.DataFrame                 # the fallback layers' rows
    missing_scales: list[str] = field(default_factory=list)
    expected: list[tuple[str, str]] = field(default_factory=list)   # float by design: name, why
    by_design: pd.DataFrame | None = None                            # their rows


# Layers TensorRT has no INT8 implementation for: float is their only choice, not a fallback.
_NO_INT8 = re.compile(r"NonMaxSuppression|\bNMS\b|EfficientNMS|BatchedNMS|TopK", re.I)
_PLUGIN_TYPES = ("PluginV2", "PluginV3", "Plugin", "PluginV2DynamicExt")


def _tensor_types(tensors) -> set[str]:
    return {str(t.get("dtype") or "").lower() for t in tensors or [] if isinstance(t, dict)}


def expected_float(row: dict[str, Any], bindings: frozenset[str]) -> str | None:
    """Why a float layer of an INT8 engine is float by design (no INT8 implementation, a
    plugin, post-processing), or None when it is a fallback that quantization could fix."""
    ltype, name = str(row.get("layer_type") or ""), str(row.get("name") or "")
    if ltype in ("NMS", "TopK") or (_NO_INT8.search(name) and ltype != "Myelin"
                                    and "{ForeignNode[" not in name):
        return f"{ltype or 'NMS/TopK'}: TensorRT has no INT8 implementation"
    if ltype in _PLUGIN_TYPES or ltype.startswith("PluginV"):
        return "a plugin: it runs in the precisions its implementation supports"
    ins, outs = row.get("inputs") or [], row.get("outputs") or []
    types = _tensor_types(ins) | _tensor_types(outs)
    if "int8" in types or not (ins or outs):
        return None
    out_names = {str(t.get("name")) for t in outs if isinstance(t, dict)}
    in_names = {str(t.get("name")) for t in ins if isinstance(t, dict)}
    myelin = ltype == "Myelin" or "{ForeignNode[" in name
    if myelin and any(_NO_INT8.search(n) for n in out_names | in_names | {name}):
        return ("a Myelin block with float inputs and outputs that holds TopK/NMS work: "
                "post-processing, which Q/DQ cannot move to INT8")
    if myelin and out_names and out_names <= bindings:
        return "a Myelin block with float I/O that produces the engine's float output"
    return None


def fallback_analysis(ctx: Context) -> Fallback | None:
    """The INT8 engine's float layers and their reformatters (None when not an INT8 engine).
    Shared by int8_fallback, reformat and cuda_core_gemm so one cause gives one finding."""
    if "fallback" in ctx.cache:
        return ctx.cache["fallback"]
    ctx.cache["fallback"] = None
    layers = layer_frame(ctx)
    why: list[str] = []
    prec_share = ctx.analysis.metrics.get("precision_share") or {}
    if prec_share.get("int8"):
        why.append(f"INT8 kernels take {pct(prec_share['int8'])} of GPU time")
    flags = _flags(ctx)
    if flags.get("int8") or flags.get("best"):
        why.append("built with " + " ".join(f"--{f}" for f in ("int8", "best") if flags.get(f)))
    eprec = layers["engine_precision"].astype(str)
    n_int8 = int((eprec == "int8").sum())
    if n_int8:
        why.append(f"{n_int8} engine layers have INT8 formats")
    if not why or not len(layers):
        return None
    prec = pd.Series([precision_of(r) for r in layers.to_dict("records")], index=layers.index)
    ltype = layers["layer_type"].astype(str)
    time = layers["time_ns"]
    compute = ~layers["is_reformat"] & ~ltype.isin(_NO_WORK_TYPES) & \
        ~layers["op_class"].astype(str).isin(("memcpy", "memset", "reformat")) & \
        (time.isna() | (time > 0))
    mask = compute & prec.isin(FLOAT_PRECISIONS)
    if not mask.any():
        return None
    # (select first: assigning a Series to an empty frame would adopt the Series' index)
    fb = layers[mask].assign(prec=prec[mask])
    # the engine's outputs: its bindings, or tensors some layer produces and none consumes
    def tensor_names(col: str) -> set[str]:
        return {str(t.get("name")) for ts in layers[col] for t in (ts or [])
                if isinstance(t, dict)}
    outputs = ctx.analysis.bindings | (tensor_names("outputs") - tensor_names("inputs"))
    why_float = [expected_float(r, frozenset(outputs)) for r in fb.to_dict("records")]
    expected = [(n, w) for n, w in zip(fb["name"], why_float) if w]
    by_design = fb[[w is not None for w in why_float]]
    fb = fb[[w is None for w in why_float]]
    # Reformats adjacent (in execution order) to a fallback layer, or named for it.
    names = set(fb["name"])
    pos = layers.index[layers["name"].isin(names)]
    near = set()
    is_rf = layers["is_reformat"] & (layers["reformat_origin"].astype(str) != "QDQ")
    for p in pos:
        for q in (p - 1, p + 1):
            if q in layers.index and is_rf.loc[q]:
                near.add(layers.at[q, "name"])
    near |= {n for n in layers.loc[is_rf, "name"] if reformat_target(n) in names}
    scales = list(ctx.analysis.missing_scale_tensors)
    ctx.cache["fallback"] = Fallback(evidence=why, layers=list(fb["name"]),
                             reformats=[n for n in layers["name"] if n in near], frame=fb,
                             missing_scales=scales, expected=expected, by_design=by_design)
    return ctx.cache["fallback"]


@dataclass(frozen=True)
class FallbackFinding:
    why: tuple[str, ...]                      # why this is an INT8 engine
    total_ns: int                             # the share's basis (0: no layer times)
    at_stake_ns: int                          # fallback layers + their reformats
    reformat_ns: int                          # what removing the reformats saves
    share: float | None
    severity: str
    layers: tuple[tuple[str, str, float | None, str | None], ...]   # name, precision, ns, kernel
    reformats: tuple[tuple[str, float | None], ...]                 # name, ns
    missing_scales: tuple[str, ...]
    expected: tuple[tuple[str, str], ...]     # float by design (not counted): name, why
    calibration: str | None                   # the log's int8_calibration
    qat: bool                                 # explicitly quantized (Q/DQ) network
    by_design: bool                           # every float layer is float by design (FP32)
    fp16_flag: bool                           # built with --fp16 or --best
    kernels: tuple[str, ...]


def _int8_words(r: FallbackFinding, w: Words) -> Finding:
    total = r.total_ns
    ev = list(r.why)
    for name, prec, t, kernel in r.layers:
        ev.append(f"{name}: {prec.upper()}"
                  + (f", {fmt_ns(t)} ({pct(t / total)})" if t == t and t is not None and total
                     else "")
                  + (f", kernel {str(kernel)[:70]}" if kernel else ""))
    for name, t in r.reformats:
        ev.append(f"reformat {name}: {fmt_ns(t)}")
    for name, reason in r.expected:
        ev.append(f"float by design, not counted: {name} ({reason})")
    if r.calibration == "uncalibrated":
        ev.append("log: INT8 without calibration (placeholder dynamic ranges for every tensor): "
                  "INT8 accuracy is meaningless, the timings are still valid")
    elif r.missing_scales:
        shown = ", ".join(r.missing_scales[:8])
        ev.append(f"log: {len(r.missing_scales)} tensors have no INT8 scale "
                  f"(\"Missing scale and zero-point\"): {shown}"
                  + (" ..." if len(r.missing_scales) > 8 else ""))
    parts = []
    if r.qat:
        parts.append("This is an explicitly quantized (Q/DQ) network: TensorRT runs a layer in "
                     "INT8 only where Q/DQ nodes surround it. Insert QuantizeLinear/"
                     "DequantizeLinear pairs on the inputs of these layers (pytorch-quantization "
                     "or onnx-graphsurgeon); for pooling, quantize its input so it runs in INT8.")
    elif r.calibration == "uncalibrated":
        parts.append("The build had no calibrator: calibrate (trtexec --calib=<cache>, or an "
                     "IInt8Calibrator with representative data) before judging INT8 accuracy. "
                     "Placeholder scales still let TensorRT time its INT8 kernels, so "
                     "calibration alone will not move these layers: TensorRT chose float for "
                     "them (faster when measured, or no INT8 kernel fits). Where an INT8 "
                     "kernel exists you can force it with "
                     "`--precisionConstraints=obey --layerPrecisions=<layer>:int8`.")
    else:
        parts.append("Give these tensors INT8 scales: calibrate with data that reaches them "
                     "(or set dynamic ranges), then check the build log has no \"Missing scale\" "
                     "warnings. Where an INT8 kernel exists you can force it with "
                     "`--precisionConstraints=obey --layerPrecisions=<layer>:int8`.")
    precs = {prec for _, prec, _, _ in r.layers}
    if not r.fp16_flag and "fp32" in precs:
        parts.append("Layers that must stay in floating point should at least run in FP16: add "
                     "--fp16 (or build with --best).")
    if any(re.search("softmax|norm", str(name), re.I) for name, _, _, _ in r.layers):
        parts.append("Softmax/normalization layers are often kept in float on purpose for "
                     "accuracy; check accuracy before forcing them to INT8.")
    per = w.per_inference(r.at_stake_ns) if r.at_stake_ns else ""
    n_rf = len(r.reformats)
    if r.by_design:
        return Finding(
            kind="int8_fallback", severity=r.severity,
            title=f"{len(r.layers)} layer(s) with no INT8 path run in FP32: the engine was "
                  "built without --fp16",
            message=(f"{len(r.layers)} layer(s) of this INT8 engine are float by design (see the "
                     "evidence) and, without --fp16, run in FP32"
                     + (f": {fmt_ns(r.at_stake_ns)} ({pct(r.share)} of GPU time"
                        + (f", {per}" if per else "") + ")" if total else "") + ". Q/DQ "
                     "cannot move them to INT8; FP16 can halve their memory traffic."),
            layers=[name for name, _, _, _ in r.layers], kernels=list(r.kernels),
            time_ns=r.at_stake_ns if total else None, saving_ns=None, evidence=ev,
            recommendation="Build with --fp16 as well as --int8 (or --best), so layers without "
                           "an INT8 implementation can run in FP16; check accuracy of the "
                           "post-processing outputs afterwards.", share=r.share)
    return Finding(
        kind="int8_fallback", severity=r.severity,
        title=f"{len(r.layers)} layer(s) of an INT8 engine run in floating point",
        message=(f"{len(r.layers)} compute layer(s) run in "
                 f"{'/'.join(sorted({p.upper() for p in precs}))} inside an INT8 "
                 f"engine" + (f", with {n_rf} reformat layer(s) converting to and from INT8 "
                              f"around them" if n_rf else "")
                 + (f": {fmt_ns(r.at_stake_ns)} ({pct(r.share)} of GPU time"
                    + (f", {per}" if per else "") + ")" if total else "") + "."),
        layers=[name for name, _, _, _ in r.layers] + [name for name, _ in r.reformats],
        kernels=list(r.kernels),
        time_ns=r.at_stake_ns if total else None, saving_ns=r.reformat_ns if total else None,
        evidence=ev, recommendation=" ".join(parts), share=r.share)


@rule("int8_fallback", needs=("any:trace|engine",), words=_int8_words, high_share=0.10,
      medium_share=0.03)
def int8_fallback(ctx: Context) -> list[FallbackFinding]:
    """In an INT8 engine (INT8 kernels, --int8/--best, or Int8 formats), the compute layers that
    run in FP32/FP16, with the reformatters around them and the log's missing-scale warnings.

    Thresholds: high_share (0.10), medium_share (0.03) of GPU time (layers + reformats).
    """
    fa = fallback_analysis(ctx)
    if fa is None:
        return []
    flags = _flags(ctx)
    fp16 = bool(flags.get("fp16") or flags.get("best"))
    by_design = False
    if not len(fa.frame):
        # only float-by-design layers: a finding only when FP16 was not even allowed for them
        bd = fa.by_design if fa.by_design is not None else pd.DataFrame()
        if fp16 or not len(bd) or not (bd["prec"] == "fp32").any():
            return []
        fa = Fallback(evidence=fa.evidence, layers=[], reformats=[],
                      frame=bd[bd["prec"] == "fp32"], missing_scales=fa.missing_scales,
                      expected=[e for e in fa.expected
                                if e[0] not in set(bd.loc[bd["prec"] == "fp32", "name"])])
        by_design = True
    layers = layer_frame(ctx)
    total = total_time(ctx)
    rf = layers[layers["name"].isin(fa.reformats)]
    t_rf = int(rf["time_ns"].fillna(0).sum())
    at_stake = int(fa.frame["time_ns"].fillna(0).sum()) + t_rf
    share = at_stake / total if total else None
    qat = bool((layers["reformat_origin"].astype(str) == "QDQ").any() or
               layers["name"].astype(str).str.contains("QuantizeLinear|DequantizeLinear").any())
    hi = threshold(ctx, "int8_fallback", "high_share")
    med = threshold(ctx, "int8_fallback", "medium_share")
    rows = fa.frame.to_dict("records")
    return [FallbackFinding(
        why=tuple(fa.evidence), total_ns=total, at_stake_ns=at_stake, reformat_ns=t_rf,
        share=share, severity=severity(share, hi, med) if total else "medium",
        layers=tuple((r["name"], r["prec"], r.get("time_ns"), r.get("top_kernel"))
                     for r in rows),
        reformats=tuple((r["name"], r["time_ns"]) for r in rf.to_dict("records")),
        missing_scales=tuple(fa.missing_scales), expected=tuple(fa.expected),
        calibration=ctx.analysis.int8_calibration, qat=qat, by_design=by_design,
        fp16_flag=fp16,
        kernels=tuple(sorted({str(k) for k in fa.frame.get("top_kernel", pd.Series()).dropna()})))]


def _gemm_layers(ctx: Context) -> pd.DataFrame:
    """GEMM/conv layers on CUDA cores (unit from the trace kernels or the engine's tactic)."""
    layers = layer_frame(ctx)
    unit = layers["unit"].astype(str)
    op = layers["op_class"].astype(str)
    if ctx.analysis.engine_only and unit.isin(("None", "nan")).all():
        # No unit from the layer view: classify the engine's tactic names.
        from trtprof.classify.classifier import classify
        if layers["tactic"].notna().any():
            kc = [classify(t) if isinstance(t, str) and t else None for t in layers["tactic"]]
            unit = pd.Series([k.unit if k else "unknown" for k in kc], index=layers.index)
            op = pd.Series([k.op_class if k else o for k, o in zip(kc, op)], index=layers.index)
    return layers[op.isin(GEMM_CLASSES) & (unit == "cuda_core")]


def _cause(row: dict, fp32_build: bool) -> str | None:
    """A per-layer reason a GEMM/conv cannot use Tensor Cores, from engine dims/params."""
    params = cast(dict, row.get("params") if isinstance(row.get("params"), dict) else {})
    ins = row.get("inputs") if isinstance(row.get("inputs"), list) else []
    ltype = str(row.get("layer_type") or "")
    try:    # layer JSON gives numbers, logs give text ("8")
        groups = int(params.get("Groups") or 1)
    except (TypeError, ValueError):
        groups = 1
    c_in = ins[0]["dims"][1] if ins and isinstance(ins[0].get("dims"), list) and \
        len(ins[0]["dims"]) > 1 and isinstance(ins[0]["dims"][1], int) else None
    if "Depthwise" in ltype or (groups > 1 and c_in is not None and groups == c_in):
        return "depthwise convolution: low arithmetic intensity, CUDA cores are expected"
    if "gemv" in str(row.get("top_kernel") or "").lower():
        return "matrix-vector product (GEMV, batch 1): memory-bound, Tensor Cores barely help"
    prec = precision_of(row)
    align = {"fp16": 8, "bf16": 8, "int8": 16}.get(prec)
    if align and not fp32_build:
        out_c = params.get("OutMaps")
        bad = [f"{n}={v}" for n, v in (("input channels", c_in), ("output channels", out_c))
               if isinstance(v, int) and v % align]
        if bad:
            return (f"{', '.join(bad)} not a multiple of {align} for {prec.upper()} Tensor Core "
                    "kernels: pad the channels")
    return None


@dataclass(frozen=True)
class CudaCoreGemm:
    time_ns: int
    share: float
    total_ns: int
    severity: str
    layers: tuple[str, ...]
    kernels: tuple[str, ...]              # the finding's kernel list
    by_kernel: bool                       # no layer times: counted by kernel name
    kernel_rows: tuple[tuple[str, int, int, str], ...]   # name, launches, ns, precision (top 6)
    causes: tuple[tuple[str, tuple[str, ...]], ...]      # cause, layers
    fp32_build: bool
    build_cmd_without_flags: bool         # a trtexec build command with no precision flag
    no_tensor_cores: bool
    gpu_name: str
    compute_capability: str | None


def _cuda_core_words(r: CudaCoreGemm, w: Words) -> Finding:
    per = w.per_inference(r.time_ns)
    ev: list[str] = [f"GEMM/conv on CUDA cores: {fmt_ns(r.time_ns)} ({pct(r.share)} of GPU time"
                     + (f", {per}" if per else "") + ")"]
    for name, count, ns, prec in r.kernel_rows:
        ev.append(f"{name[:90]}: {count} launches, {fmt_ns(ns)} "
                  f"({pct(ns / r.total_ns)}), {prec}")
    for c, names in r.causes:
        ev.append(f"{c}: {len(names)} layer(s), e.g. {names[0]}")
    if r.fp32_build:
        ev.append("every GEMM/conv kernel is FP32"
                  + (" and the trtexec command has no --fp16/--int8/--best"
                     if r.build_cmd_without_flags else ""))
    if r.no_tensor_cores:
        title = f"GEMM/conv run on CUDA cores: {r.gpu_name} has no Tensor Cores"
        rec = (f"sm {r.compute_capability} has no Tensor Cores. On this GPU, INT8 (--int8 with "
               "calibration, DP4A kernels) is the way to faster convolutions; FP16 math is slow "
               "on most Pascal parts. Tensor Cores need Volta (sm 7.0) or newer.")
    else:
        title = f"{pct(r.share)} of GPU time is GEMM/conv math on CUDA cores"
        if r.fp32_build:
            rec = ("The engine was built in FP32, so its convolutions/GEMMs use FP32 CUDA-core "
                   "kernels. Rebuild with --fp16 (or --int8 with calibration, or --best) so "
                   "TensorRT can pick Tensor Core kernels; keep accuracy-sensitive layers in "
                   "FP32 with --precisionConstraints=obey --layerPrecisions=<layer>:fp32.")
        else:
            rec = ("Let these layers reach Tensor Cores: pad channel counts to multiples of 8 "
                   "(FP16) or 16/32 (INT8), check the layers are not forced to FP32 "
                   "(--layerPrecisions), and build with --fp16/--int8.")
        if any("GEMV" in c for c, _ in r.causes):
            rec += (" Batch-1 fully connected layers run as GEMV (memory-bound): batching "
                    "requests helps more than precision there.")
    n = len(r.kernels) if r.by_kernel else len(r.layers)
    return Finding(
        kind="cuda_core_gemm", severity=r.severity, title=title,
        message=(f"{n} GEMM/convolution {'kernels' if r.by_kernel else 'layers'} "
                 f"run on CUDA cores: {fmt_ns(r.time_ns)} ({pct(r.share)} of GPU time"
                 + (f", {per}" if per else "") + ")."),
        layers=list(r.layers), kernels=list(r.kernels), time_ns=r.time_ns, saving_ns=None,
        evidence=ev, recommendation=rec, share=r.share)


@rule("cuda_core_gemm", needs=("any:trace|engine",), words=_cuda_core_words, min_share=0.01,
      high_share=0.10, medium_share=0.03)
def cuda_core_gemm(ctx: Context) -> list[CudaCoreGemm]:
    """GEMM/convolution/attention time on CUDA cores instead of Tensor Cores, with the likely
    cause: GPU without Tensor Cores, FP32 build, channels not a multiple of 8 (FP16) / 16 (INT8),
    depthwise convolution, batch-1 GEMV. Layers of INT8 fallback are left to int8_fallback.

    Thresholds: min_share (0.01), high_share (0.10), medium_share (0.03).
    """
    total = total_time(ctx)
    g = _gemm_layers(ctx)
    fa = fallback_analysis(ctx)
    if fa is not None:
        g = g[~g["name"].isin(fa.layers)]
    g = g[g["time_ns"].fillna(0) > 0]
    kt = ctx.analysis.trace.ktable if ctx.analysis.trace is not None else None
    kern = pd.DataFrame()
    if kt is not None and len(kt):
        kern = kt[kt["op_class"].isin(GEMM_CLASSES) & (kt["unit"] == "cuda_core")]
    attributed = (layer_frame(ctx)["time_ns"].fillna(0) > 0).any()
    if attributed:
        kern = kern.iloc[:0] if len(kern) else kern   # layers known: report by layer
        if kt is not None and len(g) and "top_kernel" in g:
            top = set(g["top_kernel"].dropna().astype(str))
            kern = kt[kt["name"].astype(str).isin(top)]
    at_stake = int(g["time_ns"].sum()) if attributed else \
        int(kern["time_ns"].sum()) if len(kern) else 0
    if not total or at_stake / total < threshold(ctx, "cuda_core_gemm", "min_share"):
        return []
    share = at_stake / total
    prec_share = ctx.analysis.metrics.get("precision_share") or {}
    if not ctx.analysis.engine_only:
        fp32_build = set(prec_share) <= {"fp32", "unknown", "none"} and "fp32" in prec_share
    else:
        ep = set(layer_frame(ctx)["engine_precision"].dropna().astype(str))
        fp32_build = bool(ep) and ep <= {"fp32", "unknown", "mixed"} and "fp32" in ep
    gpu = ctx.analysis.gpu or {}
    cc = gpu.get("compute_capability")
    causes: dict[str, list[str]] = {}
    for r in g.to_dict("records"):
        c = _cause(r, fp32_build)
        if c:
            causes.setdefault(c, []).append(r["name"])
    no_tc = cc is not None and _cc_float(cc) < 7.0
    hi = threshold(ctx, "cuda_core_gemm", "high_share")
    med = threshold(ctx, "cuda_core_gemm", "medium_share")
    return [CudaCoreGemm(
        time_ns=at_stake, share=share, total_ns=total,
        severity="info" if no_tc else severity(share, hi, med),
        layers=tuple(g["name"]),
        kernels=tuple(kern["name"]) if len(kern) else
        tuple(sorted({str(k) for k in g.get("top_kernel", pd.Series()).dropna()})),
        by_kernel=not len(g),
        kernel_rows=tuple((k.name, k.count, k.time_ns, k.precision)
                          for k in kern.head(6).itertuples()) if len(kern) else (),
        causes=tuple((c, tuple(n)) for c, n in causes.items()),
        fp32_build=fp32_build, build_cmd_without_flags=_is_build_cmd(ctx) and not _flags(ctx),
        no_tensor_cores=no_tc, gpu_name=str(gpu.get("name", "this GPU")),
        compute_capability=cc)]


def _cc_float(cc) -> float:
    try:
        return float(cc)
    except (TypeError, ValueError):
        return 99.0


def _is_build_cmd(ctx: Context) -> bool:
    """The trace captured a trtexec run that built the engine (so its flags are the build's)."""
    cmd = ctx.analysis.capture_command
    return "trtexec" in cmd and bool(re.search(r"--(onnx|deploy|uff)\b", cmd))
