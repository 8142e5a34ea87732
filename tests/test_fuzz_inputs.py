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


LAYER = {"Name": "a", "LayerType": "Convolution", "TacticValue": "0x1",
         "Inputs": [{"Name": "x", "Format/Datatype": "Half", "Dimensions": [1, 8]}],
         "Outputs": [{"Name": "y", "Format/Datatype": "Half"}]}


@pytest.mark.parametrize("change, says", [
    ({"Inputs": 3}, "Layers[1].Inputs: expected a list, got a number"),
    ({"Outputs": "x"}, "Layers[1].Outputs: expected a list, got a string"),
    ({"Inputs": [1]}, "Layers[1].Inputs[0]: expected an object, got a number"),
    ({"Inputs": [{"Name": ["x"]}]}, "Layers[1].Inputs[0].Name: expected a string, got a list"),
    ({"Inputs": [{"Name": "x", "Dimensions": 8}]}, "Layers[1].Inputs[0].Dimensions: expected a"),
    ({"Inputs": [{"Name": "x", "Dimensions": [[1]]}]}, "Inputs[0].Dimensions: expected integers"),
    ({"Inputs": [{"Name": "x", "Format/Datatype": 16}]}, "Inputs[0].Format/Datatype: expected"),
    ({"LayerType": {"a": 1}}, "Layers[1].LayerType: expected a string, got an object"),
    ({"TacticValue": [1]}, "Layers[1].TacticValue: expected a string or an integer"),
    ({"StreamId": "0"}, "Layers[1].StreamId: expected an integer, got a string"),
    ({"StreamId": True}, "Layers[1].StreamId: expected an integer, got true or false"),
    ({"Metadata": 5}, "Layers[1].Metadata: expected a string"),
    ({"Name": 5}, "Layers[1].Name"),
])
def test_wrongly_typed_layer_json_fields_are_named(tmp_path, change, says):
    """Before: Inputs=3 gave the catch-all's 'a field has an unexpected type' (no field named),
    Inputs="x" and non-object tensors were silently dropped, a number as LayerType read as text."""
    path = tmp_path / "l.json"
    path.write_text(json.dumps({"Layers": [LAYER, {**LAYER, **change}], "Bindings": ["x", "y"]}))
    res = run_subprocess("analyze", path)
    _assert_clean_error(res, says)
    assert f"{path}: " in res.stderr


def test_wrongly_typed_bindings_are_named(tmp_path):
    path = tmp_path / "l.json"
    for bindings, says in (({"x": 1}, "Bindings: expected a list, got an object"),
                           (["x", 2], "Bindings[1]: expected a string, got a number")):
        path.write_text(json.dumps({"Layers": [LAYER], "Bindings": bindings}))
        _assert_clean_error(run_subprocess("analyze", path), says)


METADATA = {"device_information": {"Selected Device": "A100", "Compute Capability": 8.0,
                                   "SMs": 108.0},
            "build_options": {"Precision": "FP32+FP16"},
            "performance_summary": {"Throughput": 100.0, "Latency": [1.0, 2.0, 1.5, 1.4, 1.9]}}


@pytest.mark.parametrize("where, value, says", [
    (("device_information",), [1], "device_information: expected an object, got a list"),
    (("device_information", "SMs"), "108", "device_information.SMs: expected a finite number"),
    (("device_information", "Selected Device"), 3, "device_information.Selected Device: expec"),
    (("device_information", "Compute Capability"), [8], "Compute Capability: expected a finite"),
    (("build_options",), "fp16", "build_options: expected an object, got a string"),
    (("build_options", "Precision"), 16, "build_options.Precision: expected a string"),
    (("performance_summary", "Throughput"), "fast", "performance_summary.Throughput: expected"),
    (("performance_summary", "Latency"), 1.0, "performance_summary.Latency: expected a list"),
    (("performance_summary", "Latency"), [1.0, "x", 1, 1], "performance_summary.Latency[1]: "),
])
def test_wrongly_typed_trex_metadata_fields_are_named(tmp_path, where, value, says):
    doc = json.loads(json.dumps(METADATA))
    inner = doc
    for key in where[:-1]:
        inner = inner[key]
    inner[where[-1]] = value
    path = tmp_path / "m.metadata.json"
    path.write_text(json.dumps(doc))
    _assert_clean_error(run_subprocess("analyze", path), says)


def test_catch_all_names_the_layer(tmp_path):
    """A wrong type no check covers still says which layer it is in (the catch-all)."""
    from trtprof.errors import InputError
    from trtprof.parsers import layer_json
    with pytest.raises(InputError, match=r"Layers\[0\]: a field has an unexpected type"):
        with layer_json.located("Layers[0]", "l.json"):
            raise TypeError("unhashable type: 'list'")


@pytest.mark.parametrize("sms", [1e308, 0.5, -4])
def test_trex_sm_count_must_be_a_count(tmp_path, sms):
    """SMs 1e308 passed as a finite number and overflowed in the analyses (exit 3; found by
    fuzz_inputs.py --n 3000 --seed 7)."""
    doc = json.loads(json.dumps(METADATA))
    doc["device_information"]["SMs"] = sms
    path = tmp_path / "m.metadata.json"
    path.write_text(json.dumps(doc))
    _assert_clean_error(run_subprocess("analyze", path), "device_information.SMs: expected a")
