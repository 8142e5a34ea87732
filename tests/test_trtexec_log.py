"""TensorRT text logs: every real log parses; facts pinned per kind; odd shapes; bad input."""

from functools import lru_cache
from pathlib import Path

import pytest

from trtprof.errors import InputError
from trtprof.model import ENGINE_LAYER_COLUMNS, LAYER_PROFILE_COLUMNS
from trtprof.parsers.trt_text import sniff_text_kind
from trtprof.parsers.trtexec_log import parse_trtexec_log, split_prefix

from conftest import REALDATA as SHARED
LOGS = sorted(p for p in list(SHARED.glob("*/*.log")) + list(SHARED.glob("trt/*_no_timestamp_*.txt"))
              if "polygraphy" not in p.name) if SHARED.exists() else []


@lru_cache(maxsize=None)
def _parse(path: Path):
    # Each real log is parsed once per session (the large verbose logs take ~0.5 s).
    return parse_trtexec_log(path)


def real(rel: str):
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"real data absent: {rel}")
    return _parse(p)


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name[:50])
def test_every_real_log_parses(path):
    log = _parse(path)
    assert set(ENGINE_LAYER_COLUMNS) <= set(log.layers.columns)
    assert set(LAYER_PROFILE_COLUMNS) <= set(log.profile.columns)
    assert sniff_text_kind(path.read_bytes()[:4096]) == "trtexec-log"
    # Something is always found or said missing.
    assert log.notes or (len(log.layers) and log.perf)


def test_logs_found():
    if not SHARED.exists():
        pytest.skip("no ../shared")
    assert len(LOGS) == 24


def test_trt85_summary_and_header():
    log = real("trt/trt8.5_rtx3090_yolov8n_seg_nms_fp16_perf_with_shell_prompt.log")
    assert log.trt_version == "8.5.2" and log.device == "NVIDIA GeForce RTX 3090"
    assert log.compute_capability == "8.6"
    assert log.build_flags["fp16"] is True and log.build_flags["workspace"] == "8192"
    assert log.perf["throughput_qps"] == 196.933
    assert log.perf["latency"]["p99"] == 9.89069 and log.perf["gpu_compute"]["median"] == 4.9054
    assert log.perf["h2d"]["mean"] == 1.63357 and log.perf["d2h"]["p90"] == 3.25317
    assert log.runs == 1 and log.layers.empty


def test_trt103_instability_warning():
    log = real("trt/trt10.3_jetson_orin_yolov8s_fp16_perf.log")
    assert log.trt_version == "10.3.0" and log.device == "Orin" and log.compute_capability == "8.7"
    assert log.perf["gpu_compute_cov_pct"] == pytest.approx(4.89807)
    assert any("unstable" in w for w in log.perf["warnings"])


def test_trt7_concatenated_runs():
    log = real("trt/trt7.x_jetson_resnet50_caffe_int8_multibatch_perf.log")
    assert log.runs == 7 and len(log.perf_runs) == 7 and log.builds == 7
    first = log.perf_runs[0]
    assert first["latency"]["min"] == 3.05505 and first["end_to_end"]["min"] == 3.06653
    assert first["latency"]["p99"] == 3.4563 and first["throughput_qps"] == 318.785
    assert first["gpu_compute"]["median"] == 3.03919
    assert log.trt_version is None and log.build_flags["int8"] is True
    assert any("Calibrator is not being used" in w for w in log.int8_warnings)


def test_trt80_decimal_tactics_and_names():
    log = real("trt/trt8.0.3_gtx1070_mnist_fp16_verbose_build.log")
    assert log.trt_version == "8.0.3" and log.compute_capability == "6.1"
    L = log.layers.set_index("name")
    conv = L.loc["Conv__27 + Relu_1"]
    assert conv["tactic_id"] == (-9153228964338181824) & (2**64 - 1)
    assert conv["tactic_name"].startswith("maxwell_scudnn_128x32_sliced1x4")
    assert conv["inputs"][0]["dims"] == [-2, 32, 14, 14] and conv["precision"] == "fp32"
    assert len(log.layers) == 10
    assert log.perf["end_to_end"]["p99"] == 0.298584 and "p90" not in log.perf["latency"]
    tuned = log.autotuning
    assert tuned["chosen"].any() and (tuned["tactic_id"] >= 0).all()


def test_trt86_engine_info_vectorised_and_autotuning():
    log = real("trt/trt8.6_rtx3090_mnist_fp16_verbose_build.log")
    assert len(log.layers) == 15 and int(log.layers["is_reformat"].sum()) == 5
    conv = log.layers.set_index("name").loc["Conv-1 + ReLU-2"]
    assert conv["tactic_id"] == 0x98E92DB98836B738 and conv["precision"] == "fp16"
    assert conv["outputs"][0]["vector"] == 2
    assert conv["tactic_name"].startswith("sm80_xmma_fprop_implicit_gemm_indexed_wo_smem_f16f16")
    t = log.autotuning
    row = t[(t["layer"] == "Conv-1 + ReLU-2") & (t["tactic_id"] == 0x98E92DB98836B738)]
    assert row["runner"].eq("CaskConvolution").all() and row["chosen"].all() and row["fastest"].any()
    assert "no performance summary" in " ".join(log.notes)


def test_trt82_dump_profile_name_first():
    log = real("trt/trt8.2_a100_centerpoint_rpn_fp16_verbose_build_dumpLayerInfo_dumpProfile.log")
    assert log.trt_version == "8.2.3" and log.profile_iterations == 781
    assert len(log.profile) == 94 and log.profile["median_ms"].isna().all()
    first = log.profile.iloc[0]
    assert first["name"] == "Reformatting CopyNode for Input Tensor 0 to Conv_15 + Relu_16"
    assert first["time_ms"] == 30.57 and first["avg_ms"] == 0.0391 and first["percentage"] == 1.5
    assert len(log.layers) == 94


def test_trt85_profile_with_median_and_int8_layers():
    log = real("trt/trt8.5_rtx2000ada_resnet18_int8_qat_best_verbose_build_dumpProfile.log")
    assert log.build_flags["best"] is True and log.profile_iterations == 7477
    assert log.profile["median_ms"].notna().all() and len(log.profile) == 24
    convs = log.layers[log.layers["layer_type"] == "CaskConvolution"]
    assert (convs["precision"] == "int8").all()
    assert any(f.startswith("ConvReluFusion: Fusing") or ": Fusing " in f for f in log.fusions)


def test_trt85_best_without_calibrator():
    log = real("trt/trt8.5_jetson_orin_mnist_best_verbose_build_dumpProfile.log")
    assert any(w.startswith("Calibrator is not being used") for w in log.int8_warnings)
    assert set(log.layers["precision"]) <= {"fp32"}   # INT8 requested, never chosen
    assert len(log.profile) == 5 and log.profile_iterations == 43345


def test_trt1016_dump_profile_name_last():
    log = real("trt/trt10.16_h100_mnist_dumpProfile.log")
    assert log.trt_version == "10.16.1" and len(log.profile) == 15
    row = log.profile.set_index("name").loc["node_conv2d_myl0_1"]
    assert row["time_ms"] == 193.50 and row["median_ms"] == 0.0098 and row["percentage"] == 12.7
    assert not log.perf


def test_trt1016_layers_pseudo_json():
    log = real("trt/trt10.16_h100_mnist_fp32_dumpLayerInfo.log")
    assert len(log.layers) == 9
    pool = log.layers.set_index("name").loc["node_max_pool2d"]
    assert pool["layer_type"] == "CaskPooling" and pool["tactic_id"] == 0xDD39499496C9CC38
    assert pool["tactic_name"].startswith("sm50_xmma_pooling_tiled") and pool["precision"] == "fp32"
    assert pool["inputs"][0]["dims"] == [1, 32, 28, 28]
    assert log.bindings == ["x", "y", "z"]


def test_python_api_three_builds_last_wins():
    log = real("trt/trt10.16_h100_mnist_fp32_python_api_verbose_3x_profilingVerbosity.log")
    assert log.builds == 3 and log.trt_version == "10.16.2"
    assert any("engine layer listings" in n for n in log.notes)
    assert log.layers["layer_type"].ne("").all()   # the DETAILED build's listing


def test_truncated_log_says_so():
    log = real("trt/trt8.4_jetson_orin_best_verbose_truncated_myelin_assert.log")
    notes = " ".join(log.notes)
    assert "no engine layer information" in notes and "truncated" in notes
    assert log.layers.empty and log.trt_version == "8.4.10"


def test_missing_scale_tensors():
    log = real("trt/issue_excerpt_trt8_python_api_transformer_int8_missing_scale_warnings.log")
    assert "/transformer/encoder/layers.0/self_attn/Softmax_output_0" in log.missing_scale_tensors


def test_clobbered_line_and_nohup():
    log = real("trt/trt8.6_h100_yolov11s_fp16_perf_interleaved_progress_line.log")
    assert any("clobbered" in n for n in log.notes)
    assert log.trt_version == "8.6.1" and log.device == "NVIDIA H100 PCIe"
    assert log.perf["gpu_compute_cov_pct"] == pytest.approx(25.6, abs=0.05)


def test_old_python_logger_autotuning():
    log = real("trt/issue_excerpt_trt7-8.0era_python_logger_TensorRT_VERBOSE_autotuning.log")
    t = log.autotuning
    assert len(t) > 0 and set(t["runner"]) >= {"Shuffle"}


def test_yolo_excerpt_profile_matches_layer_count():
    log = real("trex/yolo.orin.int8.trtexec_verbose.excerpt.log")
    assert log.profile_iterations == 11 and len(log.profile) == 77
    assert log.trt_version == "8.5.2" and log.compute_capability == "8.7"


# -- hand-written snippets -------------------------------------------------------------------
SNIPPET = (
    "&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --onnx=m.onnx --int8 --fp16\r\n"
    "[01/02/2024-10:00:00] [I] TensorRT version: 8.6.1\r\n"
    "[01/02/2024-10:00:00] [V] [TRT] Engine Layer Information:\r\n"
    "Layer(CaskConvolution): conv, a + b, Tactic: 0x00000000000003e8, in (Int8[1,64:32,56,56]) -> "
    "out (Half[1,64:8,56,56])\r\n"
    "[01/02/2024-10:00:01] [I] === Performance summary ===\r\n"
    "[01/02/2024-10:00:01] [I] Throughput: 10 qps\r\n"
    "[01/02/2024-10:00:01] [I] Latency: min = 1 ms, max = 2 ms, mean = 1.5 ms, median = 1.5 ms, "
    "percentile(90%) = 1.9 ms, percentile(95%) = 1.95 ms, percentile(99%) = 2 ms\r\n"
)


def test_crlf_and_comma_in_name(tmp_path):
    p = tmp_path / "w.log"
    p.write_bytes(SNIPPET.encode())
    log = parse_trtexec_log(p)
    row = log.layers.iloc[0]
    assert row["name"] == "conv, a + b" and row["tactic_id"] == 1000
    assert row["precision"] == "int8" and row["outputs"][0]["layout"] == "vec8"
    assert log.perf["latency"]["p95"] == 1.95 and log.build_flags["int8"] is True
    assert any("no closing &&&& PASSED" in n for n in log.notes)


def test_prefix_forms():
    assert split_prefix("[01/02/2024-10:00:00] [V] [TRT] x") == ("V", "x", True)
    assert split_prefix("[01/02/2024-10:00:00] [TRT] [W] x") == ("W", "x", True)
    assert split_prefix("[TensorRT] VERBOSE: x") == ("V", "x", True)
    assert split_prefix("[I] x") == ("I", "x", True)
    assert split_prefix("Layer(NoOp): a") == (None, "Layer(NoOp): a", False)


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary engine\x00" * 50, b"", b"just some text\n"])
def test_bad_input(tmp_path, content):
    p = tmp_path / "x.log"
    p.write_bytes(content)
    with pytest.raises(InputError):
        parse_trtexec_log(p)


def test_non_ascii_path(tmp_path):
    p = tmp_path / "日志.txt"
    p.write_text("[I] [MemUsageChange] Init CUDA: CPU +1\n[V] Original: 3 layers\n", encoding="utf-8")
    log = parse_trtexec_log(p)
    assert log.builds == 1
