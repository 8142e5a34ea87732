"""Merging a trace with engine layer information: kernels whose names cannot tell their precision
are settled by the layer they ran for; trace layers carry the engine's type and tactic."""


import pandas as pd

from trtprof.analyze import Inputs, analyze
from trtprof.pipeline import _refine_with_engine

from conftest import SAMPLES


def test_unknown_precision_settled_by_layer_precision():
    kernels = pd.DataFrame({
        "name": pd.Categorical(["__myl_AddMulSilu_0x1234", "__myl_AddMulSilu_0x1234",
                                "sm80_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize128x128x32_"
                                "stage4_warpsize2x2x1_tensor16x8x16_execute_kernel_trt"]),
        "layer": pd.Categorical(["blockA", "blockB", "fc"]),
        "unit": pd.Categorical(["cuda_core", "cuda_core", "tensor_core"]),
        "precision": pd.Categorical(["unknown", "unknown", "fp16"]),
        "op_class": pd.Categorical(["pointwise", "pointwise", "gemm"]),
    })
    engine = pd.DataFrame({"name": ["blockA", "fc"], "layer_type": ["Myelin", "CaskGemm"],
                           "tactic_name": ["", ""], "precision": ["fp16", "int8"]})
    out = _refine_with_engine(kernels, engine)
    # settled from its layer; the other instance ran in a layer the engine does not list
    assert list(out["precision"].astype(str)) == ["fp16", "unknown", "fp16"]
    # definite name evidence is never overridden (fc says int8, the kernel name says fp16)
    assert out["unit"].astype(str).tolist() == ["cuda_core", "cuda_core", "tensor_core"]


def test_trace_layers_carry_engine_view():
    r = analyze([SAMPLES / "int8_fallbacks.sqlite", SAMPLES / "int8_fallbacks.layers.json"])
    kinds = [i["kind"] for i in r["inputs"]]
    assert kinds == ["nsys-sqlite", "layer-json"]
    by_name = {layer["name"]: layer for layer in r["layers"]}
    soft = by_name["/softmax/Softmax"]
    assert soft["engine_precision"] == "fp32" and soft["layer_type"]
    reformat = [n for n, layer in by_name.items() if layer.get("is_reformat")]
    assert reformat and all(n.startswith("Reformatting CopyNode") for n in reformat)


def _real(*names):
    from conftest import REALDATA, need_realdata
    need_realdata()
    return [REALDATA / n for n in names]


def test_names_only_layers_leave_class_shares_unknown():
    r = analyze(_real("trt/trtunk_detr_resnet50_int8_exportLayerInfo_layernamesonly.json",
                      "trt/trtunk_detr_resnet50_int8_exportProfile.json"))
    m = r["metrics"]
    assert m["gemm_share"] is None and m["tensor_core_share"] is None
    assert m["kernel_time_ns"] > 0 and m["classified_time_share"] < 0.9
    assert not any(f["kind"] == "low_gemm_share" for f in r["findings"])
    assert any("names-only" in n for n in r["notes"])


def test_names_only_json_filled_from_a_detailed_log():
    """yolo on Orin: the layer JSON lists 86 names only, the log details 9 of them."""
    r = analyze(_real("trex/yolo.orin.int8.layer_info.json", "trex/yolo.orin.int8.profile.json",
                      "trex/yolo.orin.int8.trtexec_verbose.excerpt.log"))
    typed = [layer for layer in r["layers"] if layer.get("layer_type")]
    assert len(r["layers"]) >= 86 and 0 < len(typed) < 20
    fb = next(f for f in r["findings"] if f["kind"] == "int8_fallback")
    assert "/NonMaxSuppression_246" in fb["layers"]


def test_build_and_profile_metadata_merge():
    r = analyze(_real("trex/mobilenet.qat.onnx.engine.graph.json",
                      "trex/mobilenet.qat.onnx.engine.profile.json",
                      "trex/mobilenet.qat.onnx.engine.profile.metadata.json",
                      "trex/mobilenet.qat.onnx.engine.build.metadata.json"))
    assert r["gpu"]["name"] == "NVIDIA TITAN RTX" and r["gpu"]["compute_capability"] == "7.5"
    assert r["metrics"]["gemm_share"] is not None


import pytest  # noqa: E402

MISMATCHED = [
    ("trex/resnet.A100.fp16.onnx.engine.graph.json", "trex/resnet.A100.fp16.onnx.engine.profile.json"),
    ("trt/trt10.16_polygraphy_inspect_engine_show_layers_mnist.log",
     "trex/resnet.A100.fp16.onnx.engine.profile.metadata.json"),
    ("trex/yolo.orin.int8.layer_info.json", "trex/yolo.orin.int8.trtexec_verbose.excerpt.log"),
    ("trt/trt8.4_a100_resnet18_int8_qat_exportLayerInfo.json",
     "trt/trt7.x_jetson_resnet50_caffe_int8_multibatch_perf.log"),
]
TRACES = ["nsys/memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite",
          "nsys/trt8_multistream_calculation-bound_gtx1070__nsys2023.4.4_export.sqlite"]


@pytest.mark.parametrize("trace", TRACES, ids=["memfusion", "multistream"])
@pytest.mark.parametrize("files", MISMATCHED, ids=["a100", "polygraphy", "yolo", "qat+7x"])
def test_trace_merged_with_files_of_another_engine(trace, files):
    """Users pass the wrong JSON/log with a trace: names do not match, nothing may break, and
    the trace's own numbers stay what they are."""
    import json
    alone = analyze(_real(trace))
    r = analyze(_real(trace, *files))
    json.dumps(r, allow_nan=False)
    assert r["metrics"]["kernel_time_ns"] == alone["metrics"]["kernel_time_ns"]
    assert [x["name"] for x in r["layers"]] == [x["name"] for x in alone["layers"]]
