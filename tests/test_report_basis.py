"""One meaning per report key on every path (trtprof.report): compare and gate read the
per-inference keys and agree with analyze; window totals stay window totals; v1 reports upgrade.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REALDATA, REPO, need_realdata
from trtprof.analyze import analyze
from trtprof.ci.compare import compare_reports, headline_row
from trtprof.ci.gate import evaluate_gate
from trtprof.report import SCHEMA_VERSION, load_report

TRT = REALDATA / "trt"
MNV2 = TRT / "trt10.4_rtx3060laptop_mobilenetv2_fp16_exportProfile.json"
DATA = REPO / "tests" / "data"


def _profile_records(path: Path) -> tuple[int, list[dict]]:
    arr = json.loads(path.read_text())
    return arr[0]["count"], [r for r in arr[1:] if "name" in r]


def test_engine_only_report_keys_keep_their_basis():
    need_realdata()
    count, recs = _profile_records(MNV2)
    rep = analyze([MNV2])
    m = rep["metrics"]
    per = sum(r["averageMs"] for r in recs) * 1e6
    total = sum(r["timeMs"] for r in recs) * 1e6
    assert rep["window"]["iterations"] == count
    # ~411 us per inference (v1 compare said 22 ns: it divided a per-inference sum by count)
    assert m["gpu_time_per_inference_ns"] == pytest.approx(per, abs=len(recs))   # int ns/layer
    assert 400_000 < m["gpu_time_per_inference_ns"] < 420_000
    assert m["kernel_time_ns"] == pytest.approx(total, abs=len(recs))
    by_name = {r["name"]: r for r in recs}
    for la in rep["layers"]:
        r = by_name[la["name"]]
        assert la["time_per_inference_ns"] == round(r["averageMs"] * 1e6)
        assert la["time_ns"] == round(r["timeMs"] * 1e6)
    for f in rep["findings"]:      # findings state window totals too
        if f["time_ns"] is not None:
            assert f["time_ns"] <= m["kernel_time_ns"] * 1.001


def test_engine_only_compare_shows_real_per_inference_numbers():
    need_realdata()
    rep = analyze([MNV2])
    cmp = compare_reports(rep, rep)
    row = headline_row(cmp, "gpu_time_per_inference_ns")
    assert row["base"] == row["head"] == rep["metrics"]["gpu_time_per_inference_ns"]
    assert cmp["layer_basis"] == "per inference"
    want = {la["name"]: la["time_per_inference_ns"] for la in rep["layers"]}
    assert all(g["base_ns"] == want[g["base"][0]] for g in cmp["layers"])
    assert sum(g["base_ns"] for g in cmp["layers"]) > 400_000      # not 0 ns per layer


def _write_profile(tmp: Path, name: str, count_factor: float, time_factor: float) -> Path:
    arr = json.loads(MNV2.read_text())
    arr[0]["count"] = int(arr[0]["count"] * count_factor)
    for r in arr[1:]:
        if "name" in r:
            for k in ("averageMs", "medianMs"):
                r[k] = r[k] * time_factor
            r["timeMs"] = r["averageMs"] * arr[0]["count"]
    out = tmp / name
    out.write_text(json.dumps(arr))
    return out


def test_gate_same_layer_times_half_the_runs_passes(run_cli, tmp_path):
    """v1 failed this with '+100.0% regression' and exit 1."""
    need_realdata()
    base = _write_profile(tmp_path, "base.json", 1.0, 1.0)
    head = _write_profile(tmp_path, "head.json", 0.5, 1.0)
    code, out, err = run_cli("gate", base, head)
    assert code == 0, out + err
    assert "+100" not in out
    res = evaluate_gate(compare_reports(analyze([base]), analyze([head])))
    gpu = next(c for c in res.checks if c.id == "gpu_time")
    assert gpu.status == "pass" and gpu.base == pytest.approx(gpu.head)


def test_gate_engine_only_real_regression_fails(run_cli, tmp_path):
    need_realdata()
    base = _write_profile(tmp_path, "base.json", 1.0, 1.0)
    head = _write_profile(tmp_path, "head.json", 1.0, 1.2)
    code, out, _err = run_cli("gate", base, head)
    assert code == 1
    assert "+20.0%" in out


def _real_inputs() -> list[Path]:
    need_realdata()
    files = sorted((REALDATA / "nsys").glob("*.sqlite"))[:2]
    files += sorted(p for p in TRT.glob("*exportProfile*.json"))
    files += sorted((REALDATA / "trex").glob("*.profile.json"))
    files += [TRT / "trt8.5_jetson_orin_mnist_best_verbose_build_dumpProfile.log"]
    return files


def test_compare_agrees_with_analyze_on_real_inputs():
    """Every real input against itself and against a trace (mixed): the headline and layer
    numbers compare shows are the ones analyze reported, never recomputed on another basis."""
    reports = {p.name: analyze([p]) for p in _real_inputs()}
    trace = next(r for r in reports.values() if r["kernels"])
    for name, rep in reports.items():
        for other in (rep, trace):
            cmp = compare_reports(rep, other)
            for side, r in (("base", rep), ("head", other)):
                row = headline_row(cmp, "gpu_time_per_inference_ns")
                assert row[side] == r["metrics"]["gpu_time_per_inference_ns"], name
            if cmp["layer_basis"] == "per inference":
                want = {la["name"]: la.get("time_per_inference_ns") for la in rep["layers"]}
                for g in cmp["layers"]:
                    if g["match"] == "exact" and want.get(g["base"][0]) is not None:
                        assert g["base_ns"] == want[g["base"][0]], name


def test_v1_engine_only_report_upgrades_to_v2_numbers():
    """A report saved by trtprof 4562ff0 (schema 1) from bundled inputs: upgraded, it gives the
    numbers analyze gives today for the same inputs."""
    old = load_report(DATA / "v1" / "engine_only.report.json")
    assert old["schema_version"] == SCHEMA_VERSION
    new = analyze([REPO / "sample_traces" / "int8_fallbacks.layers.json",
                   DATA / "int8_fallbacks.profile.json"])
    for key in ("kernel_time_ns", "gpu_time_per_inference_ns"):
        assert old["metrics"][key] == pytest.approx(new["metrics"][key], rel=1e-6), key
    a = {la["name"]: la for la in old["layers"]}
    for la in new["layers"]:
        for key in ("time_ns", "time_per_inference_ns"):
            assert a[la["name"]][key] == pytest.approx(la[key], rel=1e-6), (la["name"], key)
    assert {f["kind"]: f["time_ns"] for f in old["findings"]} == pytest.approx(
        {f["kind"]: f["time_ns"] for f in new["findings"]}, rel=1e-3)


def test_v1_trace_report_upgrades_and_compares():
    old = load_report(DATA / "v1" / "clean_fp16.report.json")
    new = analyze([REPO / "sample_traces" / "clean_fp16.sqlite"])
    assert old["metrics"]["gpu_time_per_inference_ns"] == new["metrics"][
        "gpu_time_per_inference_ns"]
    assert [la.get("time_per_inference_ns") for la in old["layers"]] == \
        [la.get("time_per_inference_ns") for la in new["layers"]]
    res = evaluate_gate(compare_reports(old, new))
    assert res.passed


@pytest.mark.parametrize("mutate, needle", [
    (lambda r: r.pop("layers"), "'layers' is missing"),
    (lambda r: r.__setitem__("metrics", []), "'metrics': expected dict"),
    (lambda r: r["layers"].__setitem__(0, {"name": "x", "time_ns": "12"}), "layers[0].time_ns"),
    (lambda r: r.__setitem__("schema_version", 7), "schema_version 7"),
])
def test_bad_saved_report_is_a_one_line_error(run_cli, tmp_path, mutate, needle):
    rep = json.loads((DATA / "v1" / "clean_fp16.report.json").read_text())
    rep["schema_version"] = SCHEMA_VERSION
    mutate(rep)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rep))
    code, _out, err = run_cli("compare", path, path)
    assert code == 2
    assert needle in err and str(path) in err and len(err.strip().splitlines()) == 1
