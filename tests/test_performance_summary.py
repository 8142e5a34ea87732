"""trtexec's performance summary: kept in the report, shown in every format, gated on; a gate
that compared nothing never says PASSED (issue: right answers on unseen files, class 1)."""

from __future__ import annotations

import json

import pytest

from conftest import REALDATA, need_realdata
from trtprof.ci.compare import compare_reports
from trtprof.ci.gate import GateConfig, evaluate_gate

# A --loadEngine run: the lines trtexec 8.6 prints, numbers of our own.
PERF_LOG = """\
&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --loadEngine=model.engine
[12/28/2023-10:51:13] [I] === Device Information ===
[12/28/2023-10:51:13] [I] Selected Device: NVIDIA A100-SXM4-40GB
[12/28/2023-10:51:13] [I] Compute Capability: 8.0
[12/28/2023-10:51:16] [I] === Performance summary ===
[12/28/2023-10:51:16] [I] Throughput: {qps} qps
[12/28/2023-10:51:16] [I] Latency: min = 1.5 ms, max = 2.5 ms, mean = 1.9 ms, median = {lat} ms, percentile(90%) = 2.1 ms, percentile(95%) = 2.2 ms, percentile(99%) = 2.4 ms
[12/28/2023-10:51:16] [I] Enqueue Time: min = 0.9 ms, max = 1.4 ms, mean = 1.1 ms, median = {enq} ms, percentile(90%) = 1.2 ms, percentile(95%) = 1.3 ms, percentile(99%) = 1.35 ms
[12/28/2023-10:51:16] [I] H2D Latency: min = 0.1 ms, max = 0.3 ms, mean = 0.15 ms, median = {h2d} ms, percentile(90%) = 0.2 ms, percentile(95%) = 0.25 ms, percentile(99%) = 0.29 ms
[12/28/2023-10:51:16] [I] GPU Compute Time: min = 1.1 ms, max = 1.6 ms, mean = 1.25 ms, median = {gpu} ms, percentile(90%) = 1.4 ms, percentile(95%) = 1.5 ms, percentile(99%) = 1.55 ms
[12/28/2023-10:51:16] [I] D2H Latency: min = 0.05 ms, max = 0.1 ms, mean = 0.06 ms, median = 0.06 ms, percentile(90%) = 0.07 ms, percentile(95%) = 0.08 ms, percentile(99%) = 0.09 ms
[12/28/2023-10:51:16] [I] Total Host Walltime: 3.00432 s
[12/28/2023-10:51:16] [I] Total GPU Compute Time: 2.94311 s
{warnings}[12/28/2023-10:51:16] [I] Explanations of the performance metrics are printed in the verbose logs.
&&&& PASSED TensorRT.trtexec [TensorRT v8601] # trtexec --loadEngine=model.engine
"""
ENQUEUE_WARNING = (
    "[12/28/2023-10:51:16] [W] * Throughput may be bound by Enqueue Time rather than GPU Compute "
    "and the GPU may be under-utilized.\n"
    "[12/28/2023-10:51:16] [W]   If not already in use, --useCudaGraph (utilize CUDA graphs "
    "where possible) may increase the throughput.\n"
    "[12/28/2023-10:51:16] [W] * GPU compute time is unstable, with coefficient of variance = "
    "5.58526%.\n"
    "[12/28/2023-10:51:16] [W]   If not already in use, locking GPU clock frequency or adding "
    "--useSpinWait may improve the stability.\n")


def perf_log(tmp_path, name="run.log", qps=520.0, lat=1.9, enq=1.1, h2d=0.15, gpu=1.25,
             warnings=ENQUEUE_WARNING):
    path = tmp_path / name
    path.write_text(PERF_LOG.format(qps=qps, lat=lat, enq=enq, h2d=h2d, gpu=gpu,
                                    warnings=warnings))
    return path


def analyze(run_cli, *paths):
    code, out, _ = run_cli("analyze", *paths, "--format", "json")
    assert code == 0
    return json.loads(out)


def test_summary_is_kept_in_the_report(tmp_path, run_cli):
    report = analyze(run_cli, perf_log(tmp_path))
    perf = report["performance"]
    assert perf["throughput_qps"] == 520.0
    assert perf["latency"]["median_ns"] == 1_900_000
    assert perf["gpu_compute"]["median_ns"] == 1_250_000
    assert perf["enqueue"]["p99_ns"] == 1_350_000
    assert perf["gpu_compute_total_ns"] == 2_943_110_000
    assert perf["summaries"] == 1
    assert [w["kind"] for w in perf["warnings"]] == ["enqueue_bound", "unstable"]
    assert perf["gpu_compute_cv"] == pytest.approx(0.0558526)
    # the headline latency is trtexec's, and says so
    assert report["metrics"]["latency"]["median_ns"] == 1_900_000
    assert report["metrics"]["latency"]["source"] == "trtexec performance summary"


def test_warnings_become_findings_on_trtexec_criteria(tmp_path, run_cli):
    kinds = {f["kind"]: f for f in analyze(run_cli, perf_log(tmp_path))["findings"]}
    assert set(kinds) == {"enqueue_bound", "unstable_timing"}
    assert "88.0%" in kinds["enqueue_bound"]["title"]          # 1.1 / 1.25
    assert any("trtexec: Throughput may be bound by Enqueue" in e
               for e in kinds["enqueue_bound"]["evidence"])
    # the same numbers without the printed warnings (a TREx summary, an older log): same verdict
    quiet = analyze(run_cli, perf_log(tmp_path, "quiet.log", warnings=""))
    assert {f["kind"] for f in quiet["findings"]} == {"enqueue_bound"}   # no cv printed: no guess
    # under trtexec's 80% enqueue threshold and with H2D >= GPU compute: transfer-bound only
    h2d = analyze(run_cli, perf_log(tmp_path, "h2d.log", enq=0.5, h2d=1.3, warnings=""))
    assert [f["kind"] for f in h2d["findings"]] == ["transfer_bound"]
    assert "host-to-device" in h2d["findings"][0]["title"]


def test_summary_in_every_format(tmp_path, run_cli):
    log = perf_log(tmp_path)
    for fmt in ("text", "markdown"):
        code, out, _ = run_cli("analyze", log, "--format", fmt)
        assert code == 0
        assert "520 qps" in out and "GPU compute" in out and "enqueue 1.1 ms" in out, fmt
    code, _, _ = run_cli("analyze", log, "-o", tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert code == 0 and "520 qps" in html


def test_gate_compares_the_summaries(tmp_path, run_cli):
    base = perf_log(tmp_path, "base.log")
    slow = perf_log(tmp_path, "slow.log", qps=450.0, lat=2.2, gpu=1.45)
    code, out, _ = run_cli("gate", base, slow)
    assert code == 1
    assert "FAIL   Throughput drop (trtexec)" in out and "-13.5%" in out
    assert "FAIL   GPU compute regression (trtexec)" in out
    code, out, _ = run_cli("gate", base, base)
    assert code == 0 and out.startswith("trtprof gate: PASSED")


def test_gate_that_compares_nothing_does_not_pass(tmp_path, run_cli):
    # two build logs without a summary, a profile or layer information: no check can compare
    build = tmp_path / "build.log"
    build.write_text("&&&& RUNNING TensorRT.trtexec [TensorRT v8601] # trtexec --onnx=m.onnx\n"
                     "[12/28/2023-10:51:13] [I] [TRT] Loaded engine size: 12 MiB\n"
                     "&&&& PASSED TensorRT.trtexec [TensorRT v8601] # trtexec --onnx=m.onnx\n")
    code, out, _ = run_cli("gate", build, build)
    assert code == 0
    assert "PASSED" not in out and out.startswith("trtprof gate: NOTHING COMPARED")
    code, out, _ = run_cli("gate", build, build, "--format", "markdown")
    assert "compared nothing" in out and "passed" not in out.split("\n")[1]
    code, out, _ = run_cli("gate", build, build, "--format", "json")
    gate = json.loads(out)["gate"]
    assert gate["verdict"] == "nothing compared" and gate["passed"] is False
    assert gate["compared"] == 0
    code, out, _ = run_cli("gate", build, build, "--require", "any")
    assert code == 1 and "FAIL" in out
    # a named check that cannot compare fails; one that compares does not
    log = perf_log(tmp_path)
    assert run_cli("gate", log, log, "--require", "throughput")[0] == 0
    code, out, _ = run_cli("gate", log, log, "--require", "gemm_share")
    assert code == 1 and "required, but not measured" in out


def test_require_names_a_known_check(tmp_path, run_cli):
    log = perf_log(tmp_path)
    code, _, err = run_cli("gate", log, log, "--require", "latncy")
    assert code == 2 and "unknown check 'latncy'" in err


def test_latency_of_different_kinds_is_not_compared(tmp_path):
    from compare_helpers import sample_report
    trace = sample_report("clean_fp16", tmp_path)
    fake_log = json.loads(json.dumps(trace))
    fake_log["metrics"]["latency"] = dict(trace["metrics"]["latency"],
                                          source="trtexec performance summary")
    result = evaluate_gate(compare_reports(trace, fake_log), GateConfig())
    latency = next(c for c in result.checks if c.id == "latency")
    assert latency.status == "skip" and "not the same measure" in latency.detail


def test_real_perf_logs_keep_their_summary(run_cli):
    need_realdata()
    yolo = analyze(run_cli, REALDATA / "trt" / "trt10.3_jetson_orin_yolov8s_fp16_perf.log")
    perf = yolo["performance"]
    # the values the log prints (its last lines)
    assert perf["throughput_qps"] == 155.94
    assert perf["gpu_compute"]["median_ns"] == 6_272_710
    assert perf["enqueue"]["median_ns"] == 3_252_930
    assert [f["kind"] for f in yolo["findings"]] == ["unstable_timing"]
    # TensorRT 7: seven runs in one log, multi-line sections; the last one is used and said so
    t7 = analyze(run_cli, REALDATA / "trt" / "trt7.x_jetson_resnet50_caffe_int8_multibatch_perf.log")
    assert t7["performance"]["summaries"] == 7 and t7["performance"]["used"] == "the last"
    assert t7["performance"]["throughput_qps"] == 508.664
    assert t7["performance"]["gpu_compute"]["median_ns"] == 247_036_000
    # TREx metadata: trtexec's summary saved as numbers
    md = analyze(run_cli, REALDATA / "trex" / "resnet.A100.fp16.onnx.engine.profile.metadata.json")
    assert md["performance"]["throughput_qps"] == 1155.36
    assert md["performance"]["gpu_compute"]["median_ns"] == 862_183
    assert md["performance"]["gpu_compute_total_ns"] == 2_992_080_000


def test_summary_excerpt_without_its_header(tmp_path, run_cli):
    """Pasted logs often start at a summary line: it is still the summary (and said so)."""
    text = PERF_LOG.format(qps=520.0, lat=1.9, enq=1.1, h2d=0.15, gpu=1.25,
                           warnings=ENQUEUE_WARNING)
    start = text.index("[12/28/2023-10:51:16] [I] GPU Compute Time")
    path = tmp_path / "excerpt.log"
    path.write_text(text[start:text.index("&&&& PASSED")])
    report = analyze(run_cli, path)
    assert report["performance"]["gpu_compute"]["median_ns"] == 1_250_000
    assert report["performance"].get("throughput_qps") is None     # not in the excerpt
    assert any("without its '=== Performance summary ===' header" in n
               for n in report["inputs"][0]["notes"])
    assert "unstable_timing" in {f["kind"] for f in report["findings"]}
