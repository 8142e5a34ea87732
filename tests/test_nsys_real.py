"""The nsys parser and the analysis on every real export in ../shared/realdata/nsys."""

import json
import shutil
import subprocess

import pandas as pd
import pytest

from conftest import NSYS_DIR, need_realdata, nsys_cli, real_nsys_exports
from trtprof.analyze import analyze
from trtprof.parsers.nsys.export import read_nsys_sqlite
from trtprof.analysis.window import scope

EXPORTS = real_nsys_exports()
VGG = "trtexec_vgg16_fp32_rtx3080__nsys{}_export.sqlite"
MULTI = "trt8_multistream_{}_gtx1070__nsys2023.4.4_export.sqlite"


@pytest.mark.parametrize("path", EXPORTS, ids=[p.name[:40] for p in EXPORTS])
def test_every_real_export_analyzes(path):
    before = {p.name: p.stat().st_mtime_ns for p in path.parent.iterdir()}
    report = analyze([path])
    assert report["window"]["kind"] == "tensorrt"
    m = report["metrics"]
    assert m["kernel_count"] > 0 and 0 <= m["gemm_share"] <= 1
    assert sum(m["op_class_share"].values()) == pytest.approx(1.0)
    assert report["layers"] and report["kernels"]
    json.dumps(report, allow_nan=False)
    # nothing written over or beside the input
    assert {p.name: p.stat().st_mtime_ns for p in path.parent.iterdir()} == before


def test_facts_from_provenance():
    need_realdata()
    vgg = read_nsys_sqlite(NSYS_DIR / VGG.format("2023.4.4"))
    assert vgg.nsys_version.startswith("2023.4.4")
    assert (vgg.gpu_ops["kind"] == "kernel").sum() == 30383
    assert (vgg.gpu_ops["kind"] == "memcpy").sum() == 2764
    assert vgg.gpus[0].name == "NVIDIA GeForce RTX 3080" and vgg.gpus[0].compute_capability == "8.6"
    # every range name is a registered string (textId) in this file
    assert (vgg.nvtx["name"] == "ExecutionContext::enqueue").sum() == 1381
    # kernels launched through both the driver and the runtime API
    assert {"cuLaunchKernel", "cudaLaunchKernel"} <= set(vgg.api["name"].astype(str))
    mf = read_nsys_sqlite(NSYS_DIR / "memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite")
    assert mf.schema_version == "3.1.2" and len(mf.nvtx) == 59   # domain-create row excluded
    assert set(mf.nvtx["domain"].astype(str)) == {"TensorRT"}


def test_vgg16_window_and_latency():
    need_realdata()
    r = analyze([NSYS_DIR / VGG.format("2023.4.4")])
    w = r["window"]
    assert (w["iterations"], w["excluded_kernels"], r["metrics"]["kernel_count"]) == (1381, 1, 30382)
    # FP32 engine: all math on CUDA cores
    assert r["metrics"]["tensor_core_share"] == 0.0
    assert r["metrics"]["precision_share"] == {"fp32": 1.0}
    lat = r["metrics"]["latency"]
    assert 4_000_000 < lat["median_ns"] < 5_000_000


@pytest.mark.parametrize("kind", ["calculation-bound", "HtoD-bound", "DtoH-bound"])
def test_multistream_traces_scoped_to_enqueue(kind):
    need_realdata()
    tr = read_nsys_sqlite(NSYS_DIR / MULTI.format(kind))
    w = scope(tr)
    total = int((tr.gpu_ops["kind"] == "kernel").sum())
    inside = int((w.in_window["kind"] == "kernel").sum())
    assert inside == 121 and w.excluded_kernels == total - 121
    assert len(w.iterations) == 121
    assert w.in_window["stream_id"].nunique() > 1


def _comparable(report):
    return {k: report[k] for k in ("window", "metrics", "layers", "kernels", "iterations")}


@pytest.mark.parametrize("pair", [
    (VGG.format("2023.4.4"), VGG.format("2025.3.2")),
    ("memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite",
     "memfusion_resnet_trt_fp16_rtx3090__nsys2025.3.2_reexport.sqlite"),
    ("trt8_multistream_calculation-bound_gtx1070__nsys2022.4.2_export.sqlite",
     "trt8_multistream_calculation-bound_gtx1070__nsys2025.3.2_export.sqlite"),
])
def test_exports_of_one_run_by_different_nsys_versions_agree(pair):
    need_realdata()
    a, b = (analyze([NSYS_DIR / p]) for p in pair)
    assert _comparable(a) == _comparable(b)


def _nsys_layer_times(nsys, path, tmp_path):
    # nsys stats may add tables to the file it reads: give it a private copy.
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    copy.chmod(0o644)
    subprocess.run([nsys, "stats", "-q", "-r", "nvtx_kern_sum", "-f", "csv", "-o",
                    str(tmp_path / "out"), str(copy)], check=True, capture_output=True,
                   timeout=600)
    ref = pd.read_csv(tmp_path / "out_nvtx_kern_sum.csv")
    ref["layer"] = ref["NVTX Range"].str.replace("^TensorRT:", "", regex=True)
    return ref.groupby("layer")["Total Time (ns)"].sum()


@pytest.mark.nsys
@pytest.mark.parametrize("name", [VGG.format("2023.4.4"), MULTI.format("calculation-bound"),
                                  "memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite"])
def test_layer_times_match_nsys_stats(name, tmp_path):
    """Per-layer kernel time equals `nsys stats -r nvtx_kern_sum` for every leaf (layer) range.
    nsys counts a kernel in every enclosing range, so the enqueue ranges are not compared."""
    need_realdata()
    nsys = nsys_cli()
    if not nsys:
        pytest.skip("no nsys CLI (run ../shared/tools/get_nsys.sh or set TRTPROF_NSYS)")
    ref = _nsys_layer_times(nsys, NSYS_DIR / name, tmp_path)
    report = analyze([NSYS_DIR / name])
    mine = {layer["name"]: layer["time_ns"] for layer in report["layers"]}
    layers = [n for n in ref.index if not n.startswith("ExecutionContext::")]
    assert layers
    for n in layers:
        assert mine.get(n, 0) == pytest.approx(ref[n], rel=0.01), n


@pytest.mark.parametrize("name", [
    VGG.format("2023.4.4"),                                          # NVTX via textId
    "memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite",   # inline NVTX text
])
def test_sqlite_reads_give_the_same_trace(monkeypatch, name):
    """The page reader and the plain SQLite path (files it declines) give one trace."""
    need_realdata()
    from trtprof.parsers.nsys import columns as nsys_columns
    path = NSYS_DIR / name
    pages = read_nsys_sqlite(path)
    monkeypatch.setattr(nsys_columns.Reader, "use_pages", False)
    plain = read_nsys_sqlite(path)
    for attr in ("gpu_ops", "api", "nvtx"):
        pd.testing.assert_frame_equal(getattr(pages, attr), getattr(plain, attr))


