"""Write the golden end-to-end facts that tests/test_golden.py checks.

    python tests/golden/make_goldens.py          # after a change that is meant to move them

Bundled samples: the whole report (paths and tool version stripped). Real corpora in
../shared/realdata (not ours to commit): facts only, a few numbers per file.
Review `git diff tests/golden` before committing: every change there is a behaviour change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import REALDATA  # noqa: E402

SAMPLES = REPO / "sample_traces"


def sample_cases() -> dict[str, list[Path]]:
    cases = {p.stem: [p] for p in sorted(SAMPLES.glob("*.sqlite"))}
    cases["int8_fallbacks+layers"] = [SAMPLES / "int8_fallbacks.sqlite",
                                      SAMPLES / "int8_fallbacks.layers.json"]
    cases["int8_fallbacks.layers+profile"] = [SAMPLES / "int8_fallbacks.layers.json",
                                              REPO / "tests" / "data" /
                                              "int8_fallbacks.profile.json"]
    return cases


def real_cases() -> dict[str, list[Path]]:
    if not REALDATA.is_dir():
        return {}
    skip = {".md", ".qdrep", ".nsys-rep"}    # raw reports need an nsys CLI
    cases = {f"{p.parent.name}/{p.name}": [p] for p in sorted(REALDATA.rglob("*"))
             if p.is_file() and p.suffix not in skip}
    trt, trex = REALDATA / "trt", REALDATA / "trex"
    for stem in ("trt10.4_rtx3060laptop_mobilenetv2_fp16", "trt8.2_titanrtx_mobilenetv2_int8_qat",
                 "trt8.4_a100_resnet18_int8_qat", "trt8.6.1_sm8x_controlnet_sd_unet_fp16_plugins"):
        cases[f"pair/{stem}"] = [trt / f"{stem}_exportLayerInfo.json",
                                 trt / f"{stem}_exportProfile.json"]
    cases["pair/yolo.orin.int8"] = [trex / "yolo.orin.int8.layer_info.json",
                                    trex / "yolo.orin.int8.profile.json",
                                    trex / "yolo.orin.int8.trtexec_verbose.excerpt.log"]
    return cases


def strip(obj):
    """The report without what changes from machine to machine (paths, tool version)."""
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in ("tool",)}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    if isinstance(obj, str):
        return obj.replace(str(REPO) + "/", "").replace(str(REALDATA) + "/", "")
    return obj


def run(paths: list[Path]) -> dict:
    """The report, or the one-line error a bad input gives."""
    from trtprof.analyze import analyze
    from trtprof.errors import TrtprofError
    try:
        return {"report": strip(analyze(paths))}
    except TrtprofError as err:
        return {"error": strip(str(err))}


def facts(result: dict) -> dict:
    """A few numbers per real file: enough to see any change in what a user reads."""
    if "error" in result:
        return result
    r = result["report"]
    m = r["metrics"]
    keep = ("kernel_count", "kernel_time_ns", "gpu_time_per_inference_ns", "gemm_share",
            "tensor_core_share", "reformat_share", "iterations")
    return {"window": r["window"].get("kind"), "iterations": r["window"].get("iterations"),
            "metrics": {k: m.get(k) for k in keep},
            "layers": len(r["layers"]), "kernels": len(r["kernels"]),
            "layer_time_ns": sum(la.get("time_ns") or 0 for la in r["layers"]),
            "findings": [[f["kind"], f["severity"], f.get("time_ns")] for f in r["findings"]],
            "not_evaluated": sorted(x["rule"] for x in r.get("not_evaluated") or [])}


def main() -> None:
    for name, paths in sample_cases().items():
        (HERE / f"{name}.json").write_text(json.dumps(run(paths), indent=1, sort_keys=True)
                                           + "\n", encoding="utf-8")
    real = {name: facts(run(paths)) for name, paths in real_cases().items()}
    if real:
        (HERE / "realdata_facts.json").write_text(json.dumps(real, indent=1, sort_keys=True)
                                                  + "\n", encoding="utf-8")
    print(f"{len(sample_cases())} sample reports, {len(real)} real-file facts")


if __name__ == "__main__":
    main()
