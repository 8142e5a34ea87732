"""Seeded mutation fuzzing of text and JSON inputs (a fast subset; the long run is
``benchmarks/fuzz_inputs.py --n 3000``): a report or a clean error, never a crash."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import REALDATA, REPO, run_subprocess
from test_bad_input import _assert_clean_error


def _fuzzer():
    spec = importlib.util.spec_from_file_location("fuzz_inputs",
                                                  REPO / "benchmarks" / "fuzz_inputs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("seed", [0, 1])
def test_mutated_bundled_inputs_never_crash(seed, capsys):
    corpus = [str(REPO / "sample_traces"), str(REPO / "tests" / "data")]
    assert _fuzzer().main(["--n", "80", "--seed", str(seed), "--corpus", *corpus]) == 0, \
        capsys.readouterr().out


def test_mutated_real_inputs_never_crash(capsys):
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is absent")
    corpus = [str(REALDATA / "trt"), str(REALDATA / "trex")]
    assert _fuzzer().main(["--n", "120", "--seed", "3", "--corpus", *corpus]) == 0, \
        capsys.readouterr().out


@pytest.mark.parametrize("records, says", [
    ([{"count": "many"}, {"name": "a", "timeMs": 1.0}], 'profile "count"'),
    ([{"count": 10}, {"name": "a", "timeMs": 2**80}], "timeMs"),
    ([{"count": 10}, {"name": "a", "timeMs": "1.5"}], "timeMs is '1.5'"),
    ([{"count": 10}, {"name": ["a"], "timeMs": 1.0}], "name is list"),
])
def test_wrongly_typed_profile_fields_are_named(tmp_path, records, says):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(records))
    _assert_clean_error(run_subprocess("analyze", path), says)


def test_wrongly_typed_layer_json_is_a_clean_error(tmp_path):
    path = tmp_path / "l.json"
    path.write_text(json.dumps({"Layers": [{"Name": "a", "Inputs": 3, "Outputs": "x"}],
                                "Bindings": {"x": 1}}))
    res = run_subprocess("analyze", path)
    assert res.returncode in (0, 2) and "Traceback" not in res.stderr
    if res.returncode == 2:
        _assert_clean_error(res, str(Path(path).name))
