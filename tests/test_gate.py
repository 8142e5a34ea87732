"""The gate: thresholds, the noise decision, and config parsing."""

from __future__ import annotations

import pytest

from compare_helpers import jittered, sample_report
from trtprof.ci.compare import compare_reports
from trtprof.errors import UsageError
from trtprof.ci.gate import GateConfig, evaluate_gate, gate_config_from_dict, load_gate_config


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return sample_report("clean_fp16", tmp_path_factory.mktemp("s"))


@pytest.fixture(scope="module")
def int8(tmp_path_factory):
    return sample_report("int8_fallbacks", tmp_path_factory.mktemp("s"))


def status(result, cid):
    return next(c.status for c in result.checks if c.id == cid)


def test_self_passes(clean):
    r = evaluate_gate(compare_reports(clean, clean))
    assert r.passed and not r.failures


def test_clean_to_int8_fails_on_gemm_and_reformat(clean, int8):
    r = evaluate_gate(compare_reports(clean, int8))
    assert not r.passed
    failed = {c.id for c in r.failures}
    assert {"gemm_share.drop", "reformat_share.increase"} <= failed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_realistic_jitter_passes(clean, seed):
    # two runs of one engine: 3% per-inference jitter, 200 inferences each
    a = jittered(clean, seed=seed, cv=0.03, iterations=200)
    b = jittered(clean, seed=seed + 100, cv=0.03, iterations=200)
    r = evaluate_gate(compare_reports(a, b))
    assert r.passed, [(c.id, c.detail) for c in r.failures]


def test_real_regression_fails_small_significant_shift_passes(clean):
    base = jittered(clean, seed=1, cv=0.02, iterations=300)
    slower = jittered(clean, seed=2, cv=0.02, scale=1.10, iterations=300)
    r = evaluate_gate(compare_reports(base, slower))
    assert status(r, "latency") == "fail" and "significant" in \
        next(c.detail for c in r.checks if c.id == "latency")
    # 2% slower is detectable with 300 inferences, but under the 5% threshold: pass
    bit = jittered(clean, seed=2, cv=0.02, scale=1.02, iterations=300)
    assert status(evaluate_gate(compare_reports(base, bit)), "latency") == "pass"


def test_large_median_swing_inside_heavy_jitter_is_noise(clean):
    base = jittered(clean, seed=5, cv=0.35, iterations=12)
    head = jittered(clean, seed=6, cv=0.35, iterations=12)
    comp = compare_reports(base, head)
    noise = comp["noise"]["latency"]
    effect = noise["head_median"] / noise["base_median"] - 1
    assert effect > 0.05                                # looks like a regression...
    assert noise["p_increase"] >= 0.01                  # ...that the test calls jitter
    assert status(evaluate_gate(comp), "latency") == "noise"


def test_without_iterations_the_threshold_widens_by_noise():
    def rep(lat):
        return {"metrics": {"latency": {"median_ns": lat}}}
    cfg = GateConfig(noise=0.02)
    assert status(evaluate_gate(compare_reports(rep(100), rep(106)), cfg), "latency") == "noise"
    assert status(evaluate_gate(compare_reports(rep(100), rep(108)), cfg), "latency") == "fail"
    assert status(evaluate_gate(compare_reports(rep(100), rep(104)), cfg), "latency") == "pass"


def test_new_high_finding_fails_and_severity_threshold():
    f = {"kind": "int8_fallback", "severity": "high", "title": "t", "layers": ["conv"]}
    comp = compare_reports({"findings": []}, {"findings": [f]})
    assert status(evaluate_gate(comp), "new_findings") == "fail"
    low = compare_reports({"findings": []}, {"findings": [dict(f, severity="low")]})
    assert evaluate_gate(low).passed
    assert not evaluate_gate(low, GateConfig(fail_on_new_findings="low")).passed
    off = evaluate_gate(comp, gate_config_from_dict({"fail_on_new_findings": "none"}))
    # no check left that compares anything: not a pass, but not a failure either
    assert not off.failures and off.verdict == "nothing compared" and off.exit_code == 0


def test_missing_metrics_skip_not_fail():
    r = evaluate_gate(compare_reports({}, {}), GateConfig(min_gemm_share=0.5))
    assert r.passed and {c.status for c in r.checks} == {"skip", "pass"}


def test_absolute_floors_and_ceilings():
    comp = compare_reports({"metrics": {"gemm_share": 0.7, "reformat_share": 0.1}},
                           {"metrics": {"gemm_share": 0.7, "reformat_share": 0.1}})
    r = evaluate_gate(comp, GateConfig(min_gemm_share=0.8, max_reformat_share=0.05))
    assert {c.id for c in r.failures} == {"gemm_share.min", "reformat_share.max"}


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_config_file_and_pyproject(tmp_path):
    p = write(tmp_path, "trtprof.toml", "[gate]\nmax_latency_regression = 0.1\n"
              "min_gemm_share = 0.8\nfail_on_new_findings = \"medium\"\n")
    cfg = load_gate_config(p)
    assert cfg.max_latency_regression == 0.1 and cfg.min_gemm_share == 0.8
    assert cfg.fail_on_new_findings == "medium" and cfg.max_gemm_share_drop == 0.05
    py = write(tmp_path, "pyproject.toml", "[project]\nname='x'\n"
               "[tool.trtprof.gate]\nmax_reformat_share = 0.03\n")
    assert load_gate_config(py).max_reformat_share == 0.03
    off = write(tmp_path, "off.toml", "[gate]\nmax_gemm_share_drop = false\n")
    assert load_gate_config(off).max_gemm_share_drop is None


@pytest.mark.parametrize("text, needle", [
    ("[gate]\nmax_latency_regresion = 0.1\n", "gate.max_latency_regresion"),
    ("[gates]\n", "top level.gates"),
    ("[gate]\nmax_latency_regression = 5\n", "out of range"),
    ("[gate]\nmin_gemm_share = \"high\"\n", "expected a number"),
    ("[gate]\nfail_on_new_findings = \"critical\"\n", "fail_on_new_findings"),
    ("[gate]\nmin_iterations = 1\n", "min_iterations"),
    ("[gate\nx=1\n", "invalid TOML"),
])
def test_config_errors_name_file_and_key(tmp_path, text, needle):
    p = write(tmp_path, "trtprof.toml", text)
    with pytest.raises(UsageError) as err:
        load_gate_config(p)
    assert err.value.exit_code == 2
    assert str(p) in str(err.value) and needle in str(err.value)
