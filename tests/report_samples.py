"""Hand-made reports for the renderer tests (markdown, HTML, browser, escaping): small, fast,
and with whatever layer names a test needs, hostile ones included."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from trtprof.report import SCHEMA_VERSION

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','1')\">",
    "[click](http://evil)",
    "![x](http://evil/x.png)",
    "a `tick` and ``double`` and `",
    "pipe | in | cell",
    "@mention someone",
    "line one\nline two",
    "$x^2$ math and :smile: www.evil.com & &amp; *bold* _u_ ~~s~~ [red]rich[/red]",
]


def sample_report(layer_names: list[str] | None = None, *, n_layers: int | None = None,
                  findings: bool = True) -> dict:
    """A complete report in the shape trtprof.pipeline produces."""
    names = list(layer_names or ["conv1 + relu", "fc", "Reformatting CopyNode for Input"])
    if n_layers:
        names = [f"/block{i // 10}/layer{i}/Conv" for i in range(n_layers)]
    classes = ["convolution", "gemm", "reformat", "pointwise"]
    total = 1_000_000 * len(names)
    layers = [{"name": n, "time_ns": 1_000_000 * (len(names) - i) // 2 + 1000,
               "time_per_inference_ns": (1_000_000 * (len(names) - i) // 2 + 1000) // 10,
               "kernel_count": 10, "avg_ns": 100_000 * (len(names) - i) // 2 + 100,
               "instances": 10, "share": 1 / len(names), "memcpy_count": 0, "memcpy_time_ns": 0,
               "op_class": classes[i % 4], "unit": "tensor_core", "precision": "fp16",
               "top_kernel": f"sm80_xmma_kernel_{n}"} for i, n in enumerate(names)]
    kernels = [{"name": f"void k_{n}(float*)", "short_name": f"k_{n}", "count": 10,
                "time_ns": 500_000, "avg_ns": 50_000, "min_ns": 40_000, "max_ns": 60_000,
                "share": 0.1, "unit": "tensor_core", "precision": "fp16",
                "op_class": classes[i % 4]} for i, n in enumerate(names[:50])]
    ops = [{"start_ns": 20_000 * i, "duration_ns": 15_000, "stream": 7 + i % 2, "name": k["name"],
            "layer": names[i % len(names)], "kind": "kernel", "op_class": k["op_class"]}
           for i, k in enumerate(kernels)]
    report = {
        "schema_version": SCHEMA_VERSION, "tool": {"name": "trtprof", "version": "0.0.test"},
        "inputs": [{"path": "traces/run.sqlite", "kind": "nsys-sqlite", "version": "2023.4.4"}],
        "gpu": {"name": "NVIDIA GeForce RTX 3090", "compute_capability": "8.6", "sm_count": 82},
        "settings": {"gemm_target": 0.9, "thresholds": {}},
        "window": {"kind": "tensorrt", "iterations": 10, "excluded_kernels": 2,
                   "excluded_kernel_time_ns": 5000},
        "metrics": {"kernel_count": 100, "kernel_time_ns": total,
                    "gpu_time_per_inference_ns": 1_100_000, "gemm_share": 0.62,
                    "tensor_core_share": 0.55, "unit_share": {"tensor_core": 0.55, "cuda_core": 0.45},
                    "op_class_share": {"convolution": 0.5, "gemm": 0.12, "reformat": 0.3,
                                       "pointwise": 0.08},
                    "precision_share": {"fp16": 0.7, "fp32": 0.3}, "reformat_share": 0.3,
                    "unique_kernels": len(kernels), "gpu_utilization": 0.93,
                    "latency": {"count": 10, "median_ns": 1_200_000, "p90_ns": 1_300_000,
                                "p99_ns": 1_350_000, "cv": 0.05},
                    "gpu_time_per_iteration": {"count": 10, "median_ns": 1_100_000}},
        "layers": layers, "kernels": kernels,
        "iterations": [{"index": i, "start": i * 2_000_000, "latency_ns": 1_200_000 + 10_000 * i,
                        "kernel_time_ns": 1_000_000, "gpu_busy_ns": 1_050_000, "kernel_count": 10}
                       for i in range(10)],
        "timeline": {"iteration": 4, "start_ns": 8_000_000, "latency_ns": 1_200_000,
                     "truncated": False, "ops": ops},
        "notes": ["a note about <b>" + names[0] + "</b>"],
        "findings": [],
        "not_evaluated": [{"rule": "int8_fallback", "reason": "needs engine layer JSON"}],
    }
    if findings:
        report["findings"] = [{
            "kind": "reformat", "severity": "high",
            "title": f"Reformat layers cost 30% of GPU time ({names[0]})",
            "message": f"Layer {names[0]} and {len(names) - 1} others convert tensor formats.",
            "layers": names[:], "kernels": [kernels[0]["name"]], "time_ns": 300_000,
            "saving_ns": 250_000, "evidence": [f"{names[0]}: 30% of kernel time", "3 reformats"],
            "recommendation": f"Keep {names[0]} in one format (--inputIOFormats).", "share": 0.3,
        }, {
            "kind": "low_gemm_share", "severity": "medium", "title": "GEMM share 62% < 90%",
            "message": "Much time is spent outside GEMM/convolution.", "layers": [], "kernels": [],
            "time_ns": None, "saving_ns": None, "evidence": [], "recommendation": "",
            "share": None,
        }]
    return report


@functools.lru_cache(maxsize=None)
def _real_json(path: str) -> str:
    from trtprof.analyze import Options, analyze
    return json.dumps(analyze([path], Options(), lambda _m: None))


def real_report(path: Path) -> dict:
    """The report of a real trace, analysed once per test session."""
    return json.loads(_real_json(str(path)))
