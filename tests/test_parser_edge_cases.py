"""Right answers on real files trtprof has never seen (issue #15): text tables that start with "[",
TensorRT 7 layer lists, optimization profiles, appended runs, polygraphy versions, INT8
calibration."""

from __future__ import annotations

import json
import re

import pytest

from conftest import REALDATA, run_subprocess
from trtprof.errors import InputError
from trtprof.parsers.detect import detect_kind
from trtprof.parsers.layer_json import opt_profile_counts, parse_layer_json
from trtprof.parsers.polygraphy_log import parse_polygraphy_log
from trtprof.parsers.profile_json import parse_profile_json
from trtprof.parsers.trt_text import looks_like_json
from trtprof.parsers.trtexec_log import parse_trtexec_log

TRT = REALDATA / "trt"


def real(name: str):
    p = TRT / name
    if not p.is_file():
        pytest.skip(f"real data absent: {name}")
    return p


def analyze_json(run_cli, *paths) -> dict:
    code, out, err = run_cli("analyze", "--no-progress", "--format", "json", *paths)
    assert code == 0, err
    return json.loads(out)


def assert_clean_error(res, path, *fragments):
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith("trtprof: error: ") and str(path) in lines[0]
    for f in fragments:
        assert f in lines[0], lines[0]


# -- 1. text that starts with "[" is not JSON -----------------------------------------------------

def _profile_block(text: str) -> str:
    """The --dumpProfile table of a trtexec log: its header line through the Total row."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if "=== Profile (" in ln)
    end = next(i for i in range(start, len(lines)) if re.search(r"\]\s+[\d.]+\s.*\bTotal\s*$|"
                                                                  r"\bTotal\s+[\d.]", lines[i]))
    return "\n".join(lines[start:end + 1]) + "\n"


@pytest.mark.parametrize("strip", ["", r"^\[[^\]]*\] ", r"^\[[^\]]*\] \[I\] "],
                         ids=["timestamps", "severity-only", "bare"])
def test_real_dump_profile_excerpt_is_a_log(tmp_path, run_cli, strip):
    block = _profile_block(real("trt10.16_h100_mnist_dumpProfile.log").read_text())
    if strip:
        block = re.sub(strip, "", block, flags=re.M)
    p = tmp_path / "profile_excerpt.txt"
    p.write_text(block)
    assert detect_kind(p) == "trtexec-log"
    log = parse_trtexec_log(p)
    assert log.profile_iterations == 18362 and len(log.profile) == 15
    assert log.profile["name"].iloc[-1] == "__myl_Cast_myl5_7"
    assert "Total" not in set(log.profile["name"])
    rep = analyze_json(run_cli, p)
    assert rep["inputs"][0]["kind"] == "trtexec-log"
    assert rep["metrics"]["iterations"] == 18362 and rep["metrics"]["layer_count"] == 15


# TensorRT 8.5 --dumpProfile table, as trtexec prints it (name first, right-aligned).
TABLE_85 = """\
[01/01/2022-16:14:02] [I] === Profile (43345 iterations ) ===
[01/01/2022-16:14:02] [I]                                                Layer   Time (ms)   Avg. Time (ms)   Median Time (ms)   Time %
[01/01/2022-16:14:02] [I]   Convolution28 + Parameter6 + (Unnamed Layer* 4) [Shuffle] + Plus30 + ReLU32      442.05           0.0102             0.0102     26.1
[01/01/2022-16:14:02] [I]                                            Pooling66      221.68           0.0051             0.0051     13.1
[01/01/2022-16:14:02] [I]                                             Times212      331.21           0.0076             0.0079     19.5
[01/01/2022-16:14:02] [I]                                                Total      994.94           0.0229             0.0232    100.0
[01/01/2022-16:14:02] [I] 
"""


def test_synthetic_dump_profile_excerpt(tmp_path, run_cli):
    p = tmp_path / "table.log"
    p.write_text(TABLE_85)
    assert detect_kind(p) == "trtexec-log"
    log = parse_trtexec_log(p)
    assert log.profile_iterations == 43345
    assert list(log.profile["name"]) == [
        "Convolution28 + Parameter6 + (Unnamed Layer* 4) [Shuffle] + Plus30 + ReLU32",
        "Pooling66", "Times212"]
    assert log.profile["median_ms"].tolist() == [0.0102, 0.0051, 0.0079]
    rep = analyze_json(run_cli, p)
    assert rep["metrics"]["layer_count"] == 3 and rep["metrics"]["iterations"] == 43345
    assert rep["metrics"]["gpu_time_per_inference_ns"] == 22900


def test_table_pasted_without_its_header_line(tmp_path):
    rows = TABLE_85.splitlines()[1:]
    p = tmp_path / "rows.txt"
    p.write_text("\n".join(re.sub(r"^\[[^\]]*\] \[I\] ", "", r) for r in rows) + "\n")
    log = parse_trtexec_log(p)
    assert len(log.profile) == 3 and log.profile_iterations is None


@pytest.mark.parametrize("content", [
    "[2024-01-01 12:00:00] INFO starting server\n[2024-01-01 12:00:01] WARN disk at 91%\n",
    "[INFO] 2024-01-01 12:00:00 worker ready\n[ERROR] 2024-01-01 12:00:02 worker died\n",
    "2024-01-01T12:00:00Z INFO request id=1\n2024-01-01T12:00:01Z INFO request id=2\n",
], ids=["bracketed-iso", "bracketed-level", "iso"])
def test_application_log_rejected_as_a_log(tmp_path, content):
    p = tmp_path / "server.log"
    p.write_text(content)
    res = run_subprocess("analyze", p)
    assert_clean_error(res, p, "a text log without TensorRT/trtexec lines")
    assert "JSON" not in res.stderr.split("expected")[0]


def test_other_text_says_what_it_is(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("some notes about the model\nnothing else\n")
    assert_clean_error(run_subprocess("analyze", p), p,
                       "a text file without TensorRT/trtexec lines")
    p = tmp_path / "table.csv"
    p.write_text("layer,time,share\nconv,1.0,0.5\nfc,1.0,0.5\n")
    assert_clean_error(run_subprocess("analyze", p), p, "a CSV table")


def test_truncated_json_still_reported_as_json(tmp_path):
    p = tmp_path / "profile.json"
    p.write_text('[\n  { "count" : 10 }\n, { "name" : "conv1", "timeMs" : 1.5')
    assert_clean_error(run_subprocess("analyze", p), p, "malformed or truncated JSON")


@pytest.mark.parametrize("head,is_json", [
    ('[{"count": 1}]', True), ('[\n  { "count" : 1013 }', True), ('{"Layers": []}', True),
    ("\ufeff  {\n", True), ('["conv1", "fc"]', True), ("[]", True), ("[1, 2]", True),
    ("[03/31/2026-16:47:49] [I] === Profile (10 iterations ) ===", False),
    ("[2024-01-01 12:00:00] INFO x", False), ("[I] [TRT] x", False), ("[TRT] [V] x", False),
    ("[TensorRT] VERBOSE: x", False), ("[1]  airliner", False), ("plain", False),
])
def test_looks_like_json(head, is_json):
    assert looks_like_json(head) is is_json


def test_bad_text_bracket_only_is_an_input_error(tmp_path):
    p = tmp_path / "x.log"
    p.write_text("[\n")
    with pytest.raises(InputError):
        detect_kind(p)


# -- 2. TensorRT 7 layer lists end with ", " --------------------------------------------------------

def test_trt7_layer_list_trailing_comma_real(run_cli):
    log_path = real("trt7.x_jetson_resnet50_caffe_int8_multibatch_perf.log")
    log = parse_trtexec_log(log_path)
    names = list(log.layers["name"])
    assert names[-1] == "prob" and not any(n.endswith(",") for n in names)
    prof = real("trt7.x_jetson_resnet50_caffe_int8_exportProfile_concatenated.json")
    rep = analyze_json(run_cli, log_path, prof)
    prob = [r for r in rep["layers"] if r["name"] == "prob"]
    assert prob and prob[0]["time_per_inference_ns"] == 40060
    assert not any("'prob'" in n or "'prob,'" in n for n in rep["notes"])


def _gpu_list(line: str) -> list[str]:
    return ("[02/22/2021-15:13:17] [I] [TRT] \n"
            "[02/22/2021-15:13:17] [I] [TRT] --------------- Layers running on DLA: \n"
            "[02/22/2021-15:13:17] [I] [TRT] \n"
            "[02/22/2021-15:13:17] [I] [TRT] --------------- Layers running on GPU: \n"
            f"[02/22/2021-15:13:17] [I] [TRT] {line}\n"
            "[02/22/2021-15:14:48] [I] [TRT] Detected 1 inputs and 1 output network tensors.\n")


@pytest.mark.parametrize("line,names", [
    ("conv1 + conv1_relu + pool1, res2a_branch2a + res2a_branch2a_relu, fc1000, prob, ",
     ["conv1 + conv1_relu + pool1", "res2a_branch2a + res2a_branch2a_relu", "fc1000", "prob"]),
    ("(Unnamed Layer* 0) [Convolution] + (Unnamed Layer* 2) [Activation], "
     "(Unnamed Layer* 81) [Pooling], (Unnamed Layer* 82) [Convolution], ",
     ["(Unnamed Layer* 0) [Convolution] + (Unnamed Layer* 2) [Activation]",
      "(Unnamed Layer* 81) [Pooling]", "(Unnamed Layer* 82) [Convolution]"]),
    ("PWN(a, b), weird,, prob, ", ["PWN(a, b)", "weird,", "prob"]),   # only one comma is TRT's
    ("conv1, prob", ["conv1", "prob"]),                              # a trimmed excerpt
])
def test_trt7_layer_list_synthetic(tmp_path, line, names):
    p = tmp_path / "trt7.log"
    p.write_text(_gpu_list(line))
    assert list(parse_trtexec_log(p).layers["name"]) == names


# -- 3a. optimization profiles ----------------------------------------------------------------------

def test_two_optimization_profiles_real_log(run_cli):
    p = real("trt10.16_h100_mnist_fp32_python_api_verbose_3x_profilingVerbosity.log")
    log = parse_trtexec_log(p)
    assert log.optimization_profiles == 2 and len(log.layers) == 26
    assert opt_profile_counts(list(log.layers["name"])) == {0: 13, 1: 13}
    assert any(n.startswith("2 optimization profiles: 13 layers each") for n in log.notes)
    rep = analyze_json(run_cli, p)
    assert rep["metrics"]["layer_count"] == 13
    assert "2 optimization profiles: 13 layers each (layer_count counts one profile, profile 0)" \
        in rep["notes"]


def _tagged(layer: dict, k: int) -> dict:
    out = json.loads(json.dumps(layer))
    out["Name"] = f"{layer['Name']} [profile {k}]"
    for t in out.get("Inputs", []) + out.get("Outputs", []):
        t["Name"] += f" [profile {k}]"
    return out


def _layer(name, ltype="CaskConvolution", i="x", o="y"):
    return {"Name": name, "LayerType": ltype,
            "Inputs": [{"Name": i, "Dimensions": [1, 8], "Format/Datatype": "Half"}],
            "Outputs": [{"Name": o, "Dimensions": [1, 8], "Format/Datatype": "Half"}],
            "TacticName": "sm80_xmma_fprop_implicit_gemm_f16f16_f16f16_f16_nhwckrsc_nhwc",
            "TacticValue": "0x1"}


def test_two_optimization_profiles_layer_json(tmp_path, run_cli):
    p0 = [_layer("conv1 + relu1"), _layer("pool1", "CaskPooling"),
          _layer("Reformatting CopyNode for Input Tensor 0 to fc", "Reformat"),
          _layer("fc", "CaskGemmConvolution")]
    # Myelin names carry the tag inside (node_linear [profile 1]_myl15_1) or not at all.
    p1 = [_tagged(x, 1) for x in p0]
    doc = {"Layers": p0 + p1, "Bindings": ["x", "y", "x [profile 1]", "y [profile 1]"]}
    lj = tmp_path / "layers.json"
    lj.write_text(json.dumps(doc))
    eng = parse_layer_json(lj)
    assert eng.optimization_profiles == 2
    assert any(n.startswith("2 optimization profiles: 4 layers each") for n in eng.notes)
    prof = tmp_path / "profile.json"
    prof.write_text(json.dumps([{"count": 100}] + [
        {"name": x["Name"], "timeMs": 1.0, "averageMs": 0.01, "medianMs": 0.01,
         "percentage": 25.0} for x in p0]))
    rep = analyze_json(run_cli, lj, prof)
    assert rep["metrics"]["layer_count"] == 4
    assert any("the 4 layers of the other profiles have no record (expected)" in n
               for n in rep["notes"])
    assert not any("engine layers have no profile record" in n for n in rep["notes"])


def test_optimization_profile_counts():
    myelin = ["a", "__myl_Cast_myl7_0", "a [profile 1]", "node [profile 1]_myl15_1",
              "__myl_Cast_myl15_2"]
    assert opt_profile_counts(myelin) == {0: 2, 1: 3}
    # A user's own "[profile 1]" without a profile 0 twin is just a name.
    assert opt_profile_counts(["conv", "head [profile 1]"]) == {0: 2}
    assert opt_profile_counts([]) == {0: 0}


# -- 3b. several runs in one file -----------------------------------------------------------------

def test_appended_profile_arrays_say_which_is_used():
    prof = parse_profile_json(real("trt7.x_jetson_resnet50_caffe_int8_exportProfile_concatenated.json"))
    assert prof.runs == 7 and prof.iterations == 15
    assert ("7 profile arrays appended in one file (one per run): the last one (array 7 of 7, "
            "15 iterations) is used") in prof.notes


def test_several_perf_summaries_say_which_is_used():
    log = parse_trtexec_log(real("trt7.x_jetson_resnet50_caffe_int8_multibatch_perf.log"))
    assert "7 performance summaries (one per run): the last one (summary 7 of 7) is used" \
        in log.notes
    assert any("engine layer listings" in n and "the last one (listing 7 of 7, 56 layers)" in n
               for n in log.notes)


# -- 3c. the TensorRT version from polygraphy --------------------------------------------------------

POLYGRAPHY_RUN = """\
[I] RUNNING | Command: /usr/local/bin/polygraphy run model.onnx --trt --verbose
[V] Loaded Module: polygraphy | Version: 0.49.9 | Path: ['/usr/local/lib/python3.10/dist-packages/polygraphy']
[V] Loaded extension modules: []
[V] Loaded Module: tensorrt | Version: 8.6.1 | Path: ['/usr/local/lib/python3.10/dist-packages/tensorrt']
[I] trt-runner-N0-10/24/24-09:43:36     | Activating and starting inference
[V] [MemUsageChange] Init CUDA: CPU +14, GPU +0, now: CPU 32, GPU 848 (MiB)
[V] Detected 1 inputs and 1 output network tensors.
[I] Finished engine building in 0.302 seconds
[I] PASSED | Runtime: 5.122s | Command: /usr/local/bin/polygraphy run model.onnx --trt --verbose
"""


def test_polygraphy_run_log_is_a_tensorrt_log_with_its_version(tmp_path, run_cli):
    p = tmp_path / "polygraphy_run.log"
    p.write_text(POLYGRAPHY_RUN)
    assert detect_kind(p) == "trtexec-log"
    assert parse_trtexec_log(p).trt_version == "8.6.1"
    assert analyze_json(run_cli, p)["inputs"][0]["version"] == "8.6.1"


def test_polygraphy_inspect_version(tmp_path):
    assert parse_polygraphy_log(real("trt10.16_polygraphy_inspect_engine_show_layers_mnist.log")
                                ).trt_version == "10.16.2.5"
    p = tmp_path / "inspect.log"
    p.write_text("[I] Loaded Module: tensorrt | Version: 10.0.1 | Path: "
                 "['/usr/lib/python3/dist-packages/tensorrt']\n"
                 "[I] ==== TensorRT Engine ====\n"
                 "    Name: Unnamed Network 0 | Explicit Batch Engine\n\n"
                 "    ---- 1 Layer(s) Per Profile ----\n"
                 "        - Profile: 0\n"
                 "            Layer 0    | node_of_Y [Op: Reformat]\n"
                 "                {X [shape=(1, 2, -1, -1)]}\n"
                 "                 -> {Y [shape=(1, 2, -1, -1)]}\n\n"
                 "        - Profile: 1\n"
                 "            Layer 0    | node_of_Y [profile 1] [Op: Reformat]\n"
                 "                {X [profile 1] [shape=(1, 2, -1, -1)]}\n"
                 "                 -> {Y [profile 1] [shape=(1, 2, -1, -1)]}\n")
    assert detect_kind(p) == "polygraphy"
    poly = parse_polygraphy_log(p)
    assert poly.trt_version == "10.0.1" and poly.optimization_profiles == 2


# -- 3d. INT8 calibration -------------------------------------------------------------------------

@pytest.mark.parametrize("name,expected", [
    ("trt8.5_jetson_orin_mnist_best_verbose_build_dumpProfile.log", "uncalibrated"),
    ("trt8.4_jetson_orin_best_verbose_truncated_myelin_assert.log", "uncalibrated"),
    ("trt7.x_jetson_resnet50_caffe_int8_multibatch_perf.log", "uncalibrated"),
    ("trt8.5_rtx2000ada_resnet18_int8_qat_best_verbose_build_dumpProfile.log", "explicit"),
    ("issue_excerpt_trt10_python_api_bert_embedding_int8_ptq_calibration_missing_scale.log",
     "calibrated"),
    ("issue_excerpt_trt8_python_api_transformer_int8_missing_scale_warnings.log", None),
    ("trt10.16_h100_dynamicquantize_fp8_python_api_verbose.log", None),   # FP8 Q/DQ, no INT8
    ("trt10.16_h100_mnist_fp16_verbose_build.log", None),
])
def test_int8_calibration_real(name, expected):
    log = parse_trtexec_log(real(name))
    assert log.int8_calibration == expected
    int8_notes = [n for n in log.notes if n.startswith("INT8 ")]
    assert len(int8_notes) == (1 if expected else 0)
    if expected == "uncalibrated":
        assert "INT8 accuracy is meaningless (timings are still valid)" in int8_notes[0]


_OPTS = ("[03/31/2026-16:38:50] [I] === Build Options ===\n"
         "[03/31/2026-16:38:50] [I] Precision: FP32+INT8\n"
         "[03/31/2026-16:38:50] [I] Calibration: {calib}\n")


@pytest.mark.parametrize("text,expected", [
    ("&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --onnx=m.onnx --int8\n"
     + _OPTS.format(calib="Dynamic"), "uncalibrated"),
    ("&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --onnx=m.onnx --int8 "
     "--calib=m.cache\n" + _OPTS.format(calib="m.cache")
     + "[03/31/2026-16:38:51] [I] [TRT] Generated calibration scales using calibration cache. "
       "Make sure that calibration cache has latest scales.\n", "calibrated"),
    ("[02/16/2020-18:41:47] [I] Setting Per Tensor Dynamic Range\n"
     "[02/16/2020-18:41:47] [W] [TRT] Calibrator is not being used. Users must provide dynamic "
     "range for all tensors that are not Int32.\n", "user_ranges"),
    ("&&&& RUNNING TensorRT.trtexec [TensorRT v8510] # trtexec --onnx=qat.onnx --int8\n"
     + _OPTS.format(calib="Dynamic")
     + "[08/20/2024-19:31:30] [W] [TRT] Calibrator won't be used in explicit precision mode. Use "
       "quantization aware training to generate network with Quantize/Dequantize nodes.\n",
     "explicit"),
    ("&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --onnx=m.onnx --fp16\n"
     "[03/31/2026-16:38:50] [I] Precision: FP32+FP16\n"
     "[03/31/2026-16:38:50] [I] Calibration: \n", None),
])
def test_int8_calibration_synthetic(tmp_path, text, expected):
    p = tmp_path / "build.log"
    p.write_text(text)
    assert parse_trtexec_log(p).int8_calibration == expected
