"""Engine layer JSON: every real file parses; facts pinned per file; bad input raises InputError."""

import json
from pathlib import Path

import pytest

from trtprof.errors import InputError
from trtprof.parsers.layer_json import (NAMES_ONLY_NOTE, fusion_parts, load_layer_json,
                                        parse_layer_json, split_metadata)
from trtprof.model import ENGINE_LAYER_COLUMNS

from conftest import REALDATA as SHARED
LAYER_FILES = sorted(
    [p for p in SHARED.glob("*/*.json")
     if ("LayerInfo" in p.name or "graph" in p.name or "layer_info" in p.name
         or "inspector" in p.name)]
    + list(SHARED.glob("trt/*inspector_per_layer.txt"))) if SHARED.exists() else []


def real(rel: str) -> Path:
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"real data absent: {rel}")
    return p


@pytest.mark.parametrize("path", LAYER_FILES, ids=lambda p: p.name[:50])
def test_every_real_layer_file_parses(path):
    e = parse_layer_json(path)
    assert len(e.layers) > 0
    assert set(ENGINE_LAYER_COLUMNS) <= set(e.layers.columns)
    if not e.detailed:
        assert NAMES_ONLY_NOTE in e.notes


def test_real_files_found():
    if not SHARED.exists():
        pytest.skip("no ../shared")
    assert len(LAYER_FILES) == 14


@pytest.mark.parametrize("rel, n_layers, n_reformat, detailed", [
    ("trex/mobilenet.qat.onnx.engine.graph.json", 73, 18, True),
    ("trex/resnet-qat-residual-qgap.onnx.engine.graph.json", 24, 1, True),
    ("trex/resnet.A100.fp16.onnx.engine.graph.json", 36, 12, True),
    ("trex/resnet.A100.fp32.onnx.engine.graph.json", 32, 8, True),
    ("trex/yolo.orin.int8.layer_info.json", 86, 4, False),
    ("trt/trt8.6_rtx3090_mnist_exportLayerInfo_layernamesonly.json", 15, 5, False),
    ("trt/trtunk_detr_resnet50_int8_exportLayerInfo_layernamesonly.json", 840, 247, False),
    ("trt/trt8.2_titanrtx_mobilenetv2_int8_qat_exportLayerInfo.json", 85, 13, True),
    ("trt/trt10.16_h100_mnist_fp32_exportLayerInfo.json", 9, 0, True),
    ("trt/trt10.1_jetson_agx_orin_mobilenetv2_fp16_torchtrt_engine_inspector.json", 167, 4, True),
    ("trt/trt10_rtx30xx_sm86_mlp_int8_qdq_inspector_per_layer.txt", 6, 0, True),
])
def test_counts(rel, n_layers, n_reformat, detailed):
    e = parse_layer_json(real(rel))
    assert len(e.layers) == n_layers
    assert int(e.layers["is_reformat"].sum()) == n_reformat
    assert e.detailed is detailed


def test_a100_fp16_precisions_and_tactics():
    L = parse_layer_json(real("trex/resnet.A100.fp16.onnx.engine.graph.json")).layers
    assert L["precision"].value_counts().to_dict() == {"fp16": 34, "mixed": 2}
    reformats = L[L["layer_type"] == "Reformat"]
    assert set(reformats["reformat_origin"]) == {"REFORMAT"}
    conv = L[L["tactic_name"].str.startswith("ampere_h16816cudnn")]
    assert len(conv) > 0 and set(conv["precision"]) == {"fp16"}
    first = L.iloc[0]
    assert first["inputs"][0]["dtype"] == "fp32" and first["outputs"][0]["dtype"] == "fp16"
    hwc = [t for ts in L["outputs"] for t in ts if t["layout"] == "hwc8"]
    assert hwc and all(t["vector"] == 8 for t in hwc)


def test_a100_fp32_all_fp32():
    L = parse_layer_json(real("trex/resnet.A100.fp32.onnx.engine.graph.json")).layers
    assert set(L["precision"]) == {"fp32"}
    assert (L["tactic_name"] == "ampere_scudnn_128x64_relu_xregs_large_nn_v1").sum() == 1


def test_a100_int8_qat():
    L = parse_layer_json(real("trt/trt8.4_a100_resnet18_int8_qat_exportLayerInfo.json")).layers
    q = L.set_index("name").loc["QuantizeLinear_2"]
    assert q["is_reformat"] and q["reformat_origin"] == "QDQ" and q["precision"] == "mixed"
    assert q["outputs"][0]["layout"] == "chw4"
    conv = L.set_index("name").loc["conv1.weight + QuantizeLinear_7 + Conv_9"]
    assert conv["precision"] == "int8" and conv["tactic_id"] == 0xB29ABDD00304C881
    assert conv["fused_ops"] == 3
    convs = L[L["layer_type"] == "CaskConvolution"]
    assert set(convs["precision"]) == {"int8"}
    assert (L["reformat_origin"] == "QDQ").sum() == 10
    assert (L["reformat_origin"] == "REFORMAT").sum() == 2


def test_trt10_metadata_and_bare_formats():
    e = parse_layer_json(real("trt/trt10.16_h100_mnist_fp32_exportLayerInfo.json"))
    assert e.bindings == ["x", "y", "z"] and e.version_hint == ">=10"
    row = e.layers.set_index("name").loc["node_linear_myl4_0"]
    assert row["layer_type"] == "gemm" and row["precision"] == "fp32"
    assert row["metadata"] == ["node_linear", "node_relu_2"]
    assert row["stream_id"] == 0


def test_unknown_layer_type_kept():
    e = load_layer_json({"Layers": [{"Name": "x", "LayerType": "BrandNewThing", "Inputs": [],
                                     "Outputs": [{"Name": "o", "Format/Datatype": "FP8"}]}],
                         "Bindings": []})
    assert e.layers.iloc[0]["layer_type"] == "BrandNewThing"
    assert e.layers.iloc[0]["precision"] == "fp8"


def test_metadata_separators():
    assert split_metadata("[ONNX Layer: a]\x1e[ONNX Layer: b]") == ["a", "b"]
    assert split_metadata("[ONNX Layer: a]\x1f[ONNX Layer: b]") == ["a", "b"]
    assert split_metadata("") == []


def test_fusion_parts():
    assert fusion_parts("Conv_1 + Relu_2") == ["Conv_1", "Relu_2"]
    assert fusion_parts("a || b || c") == ["a", "b", "c"]
    assert fusion_parts("PWN(PWN(/Sub), PWN(/Div))") == ["/Sub", "/Div"]
    assert fusion_parts("{ForeignNode[a + b...c]}") == ["{ForeignNode[a + b...c]}"]
    assert fusion_parts("Conv + PWN(Clip_16, Add)") == ["Conv", "Clip_16", "Add"]


@pytest.mark.parametrize("content", [
    '{"Layers": [{"Name": "a", "LayerType": "Reformat"',   # truncated
    '[{"count": 3}, {"name": "a", "timeMs": 1}]',           # a profile, not layer info
    '{"Bindings": []}',
    '{"Layers": 3}',
    '{"Layers": ["a", {"Name": "b"}]}',
    '',
])
def test_bad_input(tmp_path, content):
    p = tmp_path / "bad.json"
    p.write_text(content)
    with pytest.raises(InputError) as err:
        parse_layer_json(p)
    assert str(p) in str(err.value)


def test_binary_input(tmp_path):
    p = tmp_path / "engine.plan"
    p.write_bytes(b"ftrt\x00\x00\x01\x02" * 100)
    with pytest.raises(InputError, match="binary"):
        parse_layer_json(p)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        parse_layer_json(tmp_path / "nope.json")


def test_input_not_modified(tmp_path):
    p = tmp_path / "l.json"
    text = json.dumps({"Layers": ["a", "Reformatting CopyNode for Input Tensor 0 to a"],
                       "Bindings": ["x"]})
    p.write_text(text)
    e = parse_layer_json(p)
    assert p.read_text() == text
    assert e.layers["is_reformat"].tolist() == [False, True]
