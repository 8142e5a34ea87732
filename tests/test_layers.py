"""The layer view: classes, units, reformat reasons and profile times."""


import pytest

from trtprof.analysis.layers import layer_view
from trtprof.parsers.layer_json import parse_layer_json
from trtprof.parsers.profile_json import parse_profile_json

from conftest import REALDATA

TREX = REALDATA / "trex"


def _real(name):
    p = TREX / name
    if not p.exists():
        pytest.skip("real data absent")
    return p


def test_a100_fp16_view():
    pytest.importorskip("trtprof.classify.classifier")
    L = parse_layer_json(_real("resnet.A100.fp16.onnx.engine.graph.json")).layers
    P = parse_profile_json(_real("resnet.A100.fp16.onnx.engine.profile.json")).layers
    v = layer_view(L, P)
    assert len(v) == 36 and v.attrs["notes"] == []
    h = v[v["tactic_name"].str.startswith("ampere_h16816cudnn")]
    assert len(h) > 0 and set(h["unit"]) == {"tensor_core"} and set(h["op_class"]) == {"convolution"}
    assert set(h["precision"]) == {"fp16"}
    first = v.iloc[0]
    assert first["is_reformat"] and first["reformat_reason"] == "REFORMAT"
    assert first["time_per_inference_ns"] == 80896   # averageMs 0.080896
    # timeMs: the total over every profiled run, the basis of the report's time_ns
    prof = P.set_index("name").loc[first["name"]]
    assert first["time_ns"] == round(prof["time_ms"] * 1e6)   # one run here: the same
    assert v["share"].sum() == pytest.approx(1.0)
    noops = v[v["layer_type"] == "NoOp"]
    assert set(noops[noops["is_reformat"]]["reformat_reason"]) == {"Reformatting CopyNode"}


def test_a100_fp32_first_conv_cuda_core():
    pytest.importorskip("trtprof.classify.classifier")
    v = layer_view(parse_layer_json(_real("resnet.A100.fp32.onnx.engine.graph.json")).layers)
    simt = v[v["tactic_name"] == "ampere_scudnn_128x64_relu_xregs_large_nn_v1"]
    assert simt["unit"].tolist() == ["cuda_core"]
    tf32 = v[v["tactic_name"].str.contains("tf32")]
    assert (tf32["math_precision"] == "tf32").all() and (tf32["precision"] == "fp32").all()
    assert v["time_ns"].isna().all() and v["time_per_inference_ns"].isna().all()


def test_mismatched_profile_noted():
    L = parse_layer_json(_real("mobilenet.qat.onnx.engine.graph.json")).layers
    P = parse_profile_json(_real("mobilenet.qat.onnx.engine.profile.json")).layers
    v = layer_view(L, P)
    # the 12 copies TensorRT inserted after the graph was exported keep their own rows
    assert any(n.startswith("12 profiled layers (8.8% of the profiled time) are not in the "
                            "engine's layer listing") for n in v.attrs["notes"])
    assert (v["in_layer_listing"] == False).sum() == 12   # noqa: E712
    assert len(v) == len(L) + 12
    q = v[v["reformat_reason"] == "QDQ"]
    assert len(q) > 0


def test_profile_only():
    import pandas as pd
    P = pd.DataFrame({"name": ["a", "b"], "time_ms": [1.0, 3.0], "avg_ms": [0.001, 0.003],
                      "median_ms": [float("nan")] * 2, "percentage": [25.0, 75.0]})
    v = layer_view(pd.DataFrame(), P)
    assert v["time_per_inference_ns"].tolist() == [1000, 3000]
    assert v["time_ns"].tolist() == [1_000_000, 3_000_000]
    assert v["share"].tolist() == pytest.approx([0.25, 0.75])
