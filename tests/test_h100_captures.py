"""The real H100 captures shipped in sample_traces/h100 (PyTorch workloads, no TensorRT):
classification on sm90 kernels, NVTX iteration windows, CUDA graph attribution, findings."""

import pytest

from conftest import SAMPLES
from trtprof.analyze import analyze

H100 = SAMPLES / "h100"


def report(name):
    path = H100 / f"{name}.sqlite.xz"
    if not path.exists():
        pytest.skip(f"{path} not present")
    return analyze([path])


def kinds(r):
    return {f["kind"] for f in r["findings"]}


def test_fp16_channels_last_convs_on_tensor_cores():
    r = report("cnn_fp16_channels_last")
    assert r["gpu"]["name"].startswith("NVIDIA H100")
    assert r["window"]["kind"] == "nvtx" and r["window"]["iterations"] == 8
    convs = [k for k in r["kernels"] if k["op_class"] == "convolution"]
    assert convs and all(k["unit"] == "tensor_core" for k in convs)
    assert any(k["name"].startswith("sm90_xmma_fprop") for k in convs)


def test_fp32_twin_runs_convs_on_cuda_cores():
    r = report("cnn_fp32")
    assert r["metrics"]["tensor_core_share"] == 0.0
    assert "cuda_core_gemm" in kinds(r)


def test_transformer_attention_kernels():
    r = report("transformer_block")
    att = [k["name"] for k in r["kernels"] if k["op_class"] == "attention"]
    assert any("flash_fwd" in n for n in att)
    assert any("sdpa" in n for n in att)
    assert any("fmha_cutlassF" in n for n in att)
    assert all(k["unit"] == "tensor_core" for k in r["kernels"] if k["name"].startswith("nvjet"))


def test_graph_node_mode_replays_attributed_to_capture_time_modules():
    r = report("cuda_graph_node")
    layers = {layer["name"]: layer for layer in r["layers"]}
    modules = [n for n in layers if n.endswith(")") and "(" in n]
    assert sum(layers[n]["kernel_count"] for n in modules) == 176   # 22 nodes x 8 replays
    assert layers["graph replay"]["kernel_count"] == 0
    assert "graph capture" not in layers or layers["graph capture"]["kernel_count"] == 0
    assert r["window"]["iterations"] == 8


def test_graph_mode_trace_warns():
    r = report("cuda_graph_graph")
    assert any("--cuda-graph-trace=node" in n for n in r["notes"])
    assert "cuda_graph_untraced" in kinds(r)
    # most GPU time is in graphs whose kernels are not traced: class shares are unknown, not 0%
    m = r["metrics"]
    assert m["untraced_graph_time_ns"] > m["kernel_time_ns"]
    assert m["gemm_share"] is None and m["tensor_core_share"] is None
    assert "low_gemm_share" not in kinds(r) and "gpu_idle" not in kinds(r)


def test_pageable_copies_found():
    r = report("memcpy_pageable_vs_pinned")
    f = next(f for f in r["findings"] if f["kind"] == "pageable_memcpy")
    assert f["time_ns"] > 0
    by_mem = r["metrics"]["memcpy"]["by_memory"]
    assert by_mem["pageable->device"]["count"] > 0 and by_mem["pinned->device"]["count"] > 0


def test_eager_unfused_bn():
    r = report("eager_unfused_bn")
    assert "unfused" in kinds(r)
    assert r["metrics"]["op_class_share"].get("normalization", 0) > 0.1
