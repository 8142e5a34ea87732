"""The built-in findings rules on synthetic scenarios and real traces/engines.

Every number a test checks is recomputed from the input (kernel/layer tables), not copied."""

from __future__ import annotations

from pathlib import Path

import pytest

from trtprof.analyze import Options, analyze
from trtprof.rules import REGISTRY, load_rules

from conftest import SHARED
NSYS = SHARED / "realdata" / "nsys"
TRT = SHARED / "realdata" / "trt"


def _real(path: Path) -> str:
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    return str(path)


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    synth = pytest.importorskip("trtprof.testing.synth")
    out = {}
    d = tmp_path_factory.mktemp("synth")
    for name in ("clean_fp16", "int8_fallbacks", "facenet_transpose"):
        sc = synth.SCENARIOS[name]()
        p = d / f"{name}.sqlite"
        synth.write_trace(sc, p)
        lj = d / f"{name}.layers.json"
        import json
        lj.write_text(json.dumps(synth.layer_json(sc)))
        out[name] = (str(p), str(lj))
    return out


def _by_kind(report: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in report["findings"]:
        out.setdefault(f["kind"], []).append(f)
    return out


def test_every_rule_documents_its_thresholds():
    load_rules()
    for r in REGISTRY.values():
        assert r.doc, r.id
        for name in r.defaults:
            assert name in r.doc, (r.id, name)


def test_clean_fp16_has_no_medium_or_high(scenarios):
    rep = analyze([scenarios["clean_fp16"][0]])
    bad = [f for f in rep["findings"] if f["severity"] in ("high", "medium")]
    assert bad == []


def test_int8_fallback_names_the_float_layers(scenarios):
    trace, lj = scenarios["int8_fallbacks"]
    rep = analyze([trace, lj])
    kinds = _by_kind(rep)
    fb = kinds["int8_fallback"][0]
    float_layers = [la["name"] for la in rep["layers"]
                    if la.get("engine_precision") == "fp32" and not la.get("is_reformat")
                    and la["time_ns"] > 0]
    assert set(float_layers) == {
        "/layer3/layer3.0/conv2/Conv + /layer3/layer3.0/Add + /layer3/layer3.0/relu_1/Relu",
        "/layer4/layer4.1/conv1/Conv + /layer4/layer4.1/relu/Relu", "/softmax/Softmax"}
    assert set(float_layers) <= set(fb["layers"])
    # Time at stake = the listed layers' own time, from the layer table.
    times = {la["name"]: la["time_ns"] for la in rep["layers"]}
    assert fb["time_ns"] == sum(times[n] for n in fb["layers"])
    assert fb["severity"] == "high"
    # One cause, one finding: the fallback convs are not reported again as CUDA-core GEMMs,
    # and the reformats around them are not in the reformat finding.
    assert "cuda_core_gemm" not in kinds
    rf = kinds["reformat"][0]
    assert not set(rf["layers"]) & set(fb["layers"])
    assert rf["layers"] == ["Reformatting CopyNode for Input Tensor 0 to /conv1/Conv + /relu/Relu"]
    assert rf["time_ns"] == times[rf["layers"][0]]


def test_facenet_transpose_pairs_and_unfused_chain(scenarios):
    rep = analyze([scenarios["facenet_transpose"][0]])
    kinds = _by_kind(rep)
    tr = kinds["transpose"][0]
    for b in (2, 3, 4):
        assert f"/block{b}/Transpose" in tr["layers"] and f"/block{b}/Transpose_1" in tr["layers"]
        assert f"{'/block%d/Transpose' % b} -> PWN(/block{b}/act/Relu) -> /block{b}/Transpose_1" \
            in tr["evidence"]
    perm = sum(k["time_ns"] for k in rep["kernels"] if k["op_class"] == "permutation")
    assert tr["time_ns"] == perm
    un = kinds["unfused"][0]
    assert un["layers"] == ["/conv5/Conv", "PWN(/bn5/BatchNormalization)", "PWN(/relu5/Relu)"]
    # the ReLUs between transposes belong to the transpose finding, not to unfused
    assert not any("act/Relu" in n for n in un["layers"])


def test_vgg16_fp32_math_on_cuda_cores():
    rep = analyze([_real(NSYS / "trtexec_vgg16_fp32_rtx3080__nsys2023.4.4_export.sqlite")])
    f = _by_kind(rep)["cuda_core_gemm"][0]
    assert f["severity"] == "high"
    expect = sum(k["time_ns"] for k in rep["kernels"]
                 if k["unit"] == "cuda_core" and k["op_class"] in ("gemm", "convolution"))
    assert f["time_ns"] == expect
    assert "--fp16" in f["recommendation"]
    assert "low_gemm_share" not in _by_kind(rep)


def test_memfusion_reformat_real_share():
    rep = analyze([_real(NSYS / "memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite")])
    f = _by_kind(rep)["reformat"][0]
    total = rep["metrics"]["kernel_time_ns"]
    rf_layers = [la for la in rep["layers"] if la["time_ns"] > 0 and
                 (la["name"].startswith("Reformatting CopyNode") or la["op_class"] == "reformat")]
    assert f["time_ns"] == sum(la["time_ns"] for la in rf_layers)
    assert f["share"] == pytest.approx(f["time_ns"] / total)
    assert "Reformatting CopyNode for Input Tensor 0 to /conv1/Conv + /relu/Relu" in f["layers"]
    assert any("permutation" in e for e in f["evidence"])     # the NCHW->NHWC input transpose
    assert f["severity"] == "low"


def test_multistream_pageable_copies():
    rep = analyze([_real(NSYS / "trt8_multistream_HtoD-bound_gtx1070__nsys2023.4.4_export.sqlite")])
    kinds = _by_kind(rep)
    f = kinds["pageable_memcpy"][0]
    assert f["severity"] == "high" and f["time_ns"] > 0
    # GTX 1070 (sm 6.1): no Tensor Cores, so CUDA-core convs are only a note
    assert kinds["cuda_core_gemm"][0]["severity"] == "info"


def test_resnet18_qat_engine_only_fallback_and_qdq():
    from trtprof.parsers.profile_json import parse_profile_json
    layers = _real(TRT / "trt8.4_a100_resnet18_int8_qat_exportLayerInfo.json")
    profile = _real(TRT / "trt8.4_a100_resnet18_int8_qat_exportProfile.json")
    rep = analyze([layers, profile])
    kinds: dict[str, list[dict]] = {}
    for f in rep["findings"]:
        kinds.setdefault(f["kind"], []).append(f)
    skipped = rep["not_evaluated"]
    fb = kinds["int8_fallback"][0]
    assert "MaxPool_12" in fb["layers"] and "GlobalAveragePool_246" in fb["layers"]
    assert "Reformatting CopyNode for Output Tensor 0 to MaxPool_12" in fb["layers"]
    # time at stake: the profile's timeMs (window total over the profiled runs) of those layers
    prof = parse_profile_json(profile)
    total = dict(zip(prof.layers["name"], prof.layers["time_ms"]))
    assert fb["time_ns"] == sum(round(total[n] * 1e6) for n in fb["layers"])
    qdq = [f for f in kinds["unfused"] if "Quantize" in f["title"]][0]
    assert all(n.startswith("QuantizeLinear_") for n in qdq["layers"])
    # trace-only rules are listed as not evaluated
    assert {"gpu_idle", "pageable_memcpy"} <= {s["rule"] for s in skipped}


def test_thresholds_are_configurable(scenarios):
    trace = scenarios["facenet_transpose"][0]
    rep = analyze([trace], Options(thresholds={"transpose.min_share": 0.99}))
    assert "transpose" not in _by_kind(rep)


def test_covered_idle_equals_a_brute_force_count():
    """gpu_idle's coverage of the gaps by each host range name, in one pass, against counting
    the covered nanoseconds one by one (random intervals, several names, overlaps, nesting)."""
    import numpy as np
    import pandas as pd

    from trtprof.rules.timeline import _covered_idle
    rng = np.random.default_rng(5)
    for _ in range(200):
        gs = np.sort(rng.choice(400, size=rng.integers(0, 12) * 2, replace=False))
        gaps = pd.DataFrame({"start": gs[0::2], "end": gs[1::2]})
        n = int(rng.integers(1, 40))
        s = rng.integers(0, 420, n)
        e = s + rng.integers(-5, 120, n)
        groups = rng.integers(0, 5, n)
        idle = np.zeros(500, bool)
        for a, b in zip(gaps["start"], gaps["end"]):
            idle[a:b] = True
        want = np.zeros(int(groups.max()) + 1, dtype=np.int64)
        for gr in range(len(want)):
            cover = np.zeros(500, bool)
            for a, b in zip(s[groups == gr], e[groups == gr]):
                if b > a:
                    cover[a:b] = True
            want[gr] = int((cover & idle).sum())
        assert _covered_idle(gaps, s, e, groups).tolist() == want.tolist()
