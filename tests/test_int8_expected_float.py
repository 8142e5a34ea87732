"""int8_fallback tells layers that are float by design (no INT8 implementation, plugins,
post-processing Myelin blocks) from fallbacks that Q/DQ or calibration could fix, and says
when a build had no calibrator (issue: right answers on unseen files, classes 6 and 7)."""

from __future__ import annotations

import json

from conftest import REALDATA, need_realdata

INT8 = "Int8 NC/32HW32"
FP32 = "Row major linear FP32"


def _layer(name, ltype, ins, outs, tactic=""):
    return {"Name": name, "LayerType": ltype, "TacticName": tactic,
            "Inputs": [{"Name": n, "Format/Datatype": f} for n, f in ins],
            "Outputs": [{"Name": n, "Format/Datatype": f} for n, f in outs]}


CONV = "sm80_xmma_fprop_implicit_gemm_interleaved_i8i8_i8i32_f32_nchw_vect_c_32kcrs_vect_c_32"


def _engine(tmp_path, extra):
    layers = [_layer("conv1", "CaskConvolution", [("x", INT8)], [("a", INT8)], CONV),
              _layer("conv2", "CaskConvolution", [("a", INT8)], [("b", FP32)], CONV),
              *extra]
    (tmp_path / "l.json").write_text(json.dumps({"Layers": layers, "Bindings": ["x", "y"]}))
    prof = [{"count": 10}] + [{"name": la["Name"], "timeMs": 10.0, "averageMs": 1.0,
                               "percentage": 100 / len(layers)} for la in layers]
    (tmp_path / "p.json").write_text(json.dumps(prof))
    return tmp_path / "l.json", tmp_path / "p.json"


def _findings(run_cli, *paths) -> dict:
    code, out, _ = run_cli("analyze", *paths, "--format", "json")
    assert code == 0
    return {f["kind"]: f for f in json.loads(out)["findings"]}


def test_topk_nms_and_plugins_are_not_fallbacks(tmp_path, run_cli):
    extra = [_layer("/TopK_12", "TopK", [("b", FP32)], [("t", FP32)]),
             _layer("/NonMaxSuppression_3", "NMS", [("t", FP32)], [("n", FP32)]),
             _layer("decode_plugin", "PluginV2", [("n", FP32)], [("y", FP32)])]
    f = _findings(run_cli, *_engine(tmp_path, extra))["int8_fallback"]
    # float by design, and the engine was built without --fp16: one finding that says so
    assert "no INT8 path" in f["title"] and "--fp16" in f["recommendation"]
    assert "Q/DQ" not in f["recommendation"] or "cannot" in f["message"]
    assert set(f["layers"]) == {"/TopK_12", "/NonMaxSuppression_3", "decode_plugin"}


def test_a_real_fallback_is_still_one(tmp_path, run_cli):
    extra = [_layer("conv3", "CaskConvolution", [("b", FP32)], [("c", FP32)],
                    "sm80_xmma_fprop_implicit_gemm_f32f32_f32f32_f32_nchwkcrs_nchw"),
             _layer("/TopK_12", "TopK", [("c", FP32)], [("y", FP32)])]
    f = _findings(run_cli, *_engine(tmp_path, extra))["int8_fallback"]
    assert f["layers"] == ["conv3"]
    assert "Insert QuantizeLinear" in f["recommendation"] or "INT8 scales" in f["recommendation"]
    assert any(e.startswith("float by design, not counted: /TopK_12 (TopK: TensorRT has no INT8")
               for e in f["evidence"])


def test_real_orin_post_processing_is_float_by_design(run_cli):
    """The Orin YOLO excerpt: its only float layers are the TopK-holding Myelin head, the NMS
    and the final Myelin block that eats the NMS output; built with --int8 only."""
    need_realdata()
    f = _findings(run_cli, REALDATA / "trex" / "yolo.orin.int8.trtexec_verbose.excerpt.log")
    fb = f["int8_fallback"]
    assert "no INT8 path" in fb["title"]
    assert set(fb["layers"]) == {"{ForeignNode[/head/Constant_2_output_0.../Unsqueeze_2]}",
                                 "/NonMaxSuppression_246", "{ForeignNode[/Split_2.../Concat_1]}"}
    assert "Insert QuantizeLinear" not in fb["recommendation"]


def test_qdq_network_is_explicit_not_uncalibrated(run_cli):
    """trtexec prints 'Calibration: Dynamic' for any --int8 run; Q/DQ names in the layers
    make it explicit quantization, not placeholder scales."""
    need_realdata()
    code, out, _ = run_cli("analyze", REALDATA / "trex" / "yolo.orin.int8.trtexec_verbose.excerpt.log",
                           "--format", "json")
    notes = json.loads(out)["inputs"][0]["notes"]
    assert any(n.startswith("INT8 explicit quantization") for n in notes)
    assert not any("uncalibrated" in n for n in notes)
    assert json.loads(out)["build"]["int8_calibration"] == "explicit"
