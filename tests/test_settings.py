"""Settings are checked against the rule registry before any analysis: a typo or an
out-of-range value is exit 2 naming the key and what is valid, never silently ignored."""

from __future__ import annotations

import json

import pytest

from conftest import REPO

SAMPLE = REPO / "sample_traces" / "clean_fp16.sqlite"


@pytest.mark.parametrize("arg, needles", [
    ("reformat.min_shar=0.02", ["unknown threshold 'reformat.min_shar'", "reformat.min_share"]),
    ("reformat.min_share=2", ["reformat.min_share = 2.0 is out of range", "0 to 1"]),
    ("reformat.min_share=-0.1", ["out of range"]),
    ("nosuchrule.x=0.1", ["unknown threshold 'nosuchrule.x'", "transpose.min_share"]),
    ("launch_overhead.min_kernels=2.5", ["integer >= 0"]),
    ("reformat.min_share=nan", ["expects a number"]),
])
def test_bad_threshold_option(run_cli, arg, needles):
    code, _out, err = run_cli("analyze", SAMPLE, "--threshold", arg)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    for n in needles:
        assert n in err


@pytest.mark.parametrize("toml, needle", [
    ('[analyze]\ngemm_target = "high"\n', "gemm_target expects a fraction"),
    ("[analyze]\ngemm_target = 7\n", "got 7"),
    ('[analyze.thresholds]\n"reformat.min_shar" = 0.02\n', "unknown threshold"),
    ('[analyze.thresholds]\n"gpu_idle.min_idle" = 1.5\n', "out of range"),
    ('[analyze]\nthresholds = 3\n', "expected a table"),
])
def test_bad_config_file(run_cli, tmp_path, toml, needle):
    cfg = tmp_path / "trtprof.toml"
    cfg.write_text(toml)
    code, _out, err = run_cli("analyze", SAMPLE, "--config", cfg)
    assert code == 2, err
    assert needle in err and str(cfg) in err


def test_valid_threshold_is_applied(run_cli, tmp_path):
    cfg = tmp_path / "trtprof.toml"
    cfg.write_text('[analyze]\ngemm_target = 0.5\n[analyze.thresholds]\n'
                   '"launch_overhead.min_kernels" = 5\n')
    code, out, _err = run_cli("analyze", SAMPLE, "--config", cfg, "--format", "json",
                              "--threshold", "reformat.min_share=0.5")
    assert code == 0
    settings = json.loads(out)["settings"]
    assert settings == {"gemm_target": 0.5, "thresholds": {"launch_overhead.min_kernels": 5,
                                                           "reformat.min_share": 0.5}}


def test_rules_command_lists_every_threshold_with_its_default(run_cli):
    from trtprof.rules import REGISTRY, load_rules
    load_rules()
    code, out, _err = run_cli("rules", "--format", "json")
    assert code == 0
    listed = {r["rule"]: r["thresholds"] for r in json.loads(out)}
    assert listed == {r.id: r.defaults for r in REGISTRY.values()}
    code, text, _err = run_cli("rules")
    for rid, defaults in listed.items():
        for name, value in defaults.items():
            assert f"{rid}.{name} = {value}" in text
