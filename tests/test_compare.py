"""compare_reports: headline deltas, layer matching, findings and precision changes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from compare_helpers import jittered, sample_report
from trtprof.ci.compare import (compare_reports, headline_row, mann_whitney, match_layers,
                             name_parts, normalize_name)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return sample_report("clean_fp16", tmp_path_factory.mktemp("s"))


@pytest.fixture(scope="module")
def int8(tmp_path_factory):
    return sample_report("int8_fallbacks", tmp_path_factory.mktemp("s"))


def test_self_comparison_has_no_change(clean):
    c = compare_reports(clean, clean)
    assert all(r["delta"] in (0, 0.0, None) for r in c["headline"])
    assert c["layer_counts"] == {"exact": len(clean["layers"])}
    assert c["precision_changes"] == [] and c["findings"]["appeared"] == []
    json.dumps(c, allow_nan=False)   # plain serialisable


def test_clean_to_int8_headline_and_layers(clean, int8):
    c = compare_reports(clean, int8)
    gemm = headline_row(c, "gemm_share")
    assert gemm["delta"] < -0.2 and gemm["better"] == "higher"
    assert headline_row(c, "reformat_share")["head"] > 0.1
    assert headline_row(c, "kernels_per_inference")["delta"] > 0
    added = [g for g in c["layers"] if g["match"] == "added"]
    assert added and all(g["reformat"] for g in added if "Reformatting" in g["head"][0])
    to_fp32 = {g["head"][0] for g in c["layers"] if g["head_precision"] == "fp32" and g["base"]}
    assert "/layer4/layer4.1/conv1/Conv + /layer4/layer4.1/relu/Relu" in to_fp32
    changed = {ch["head"][0] for ch in c["precision_changes"]}
    assert to_fp32 <= changed
    assert any("different GPUs" in n for n in c["notes"])


def test_layer_times_are_per_inference(clean):
    longer = jittered(clean, seed=1, cv=0.0, iterations=2 * len(clean["iterations"]))
    longer["window"]["iterations"] = 2 * clean["window"]["iterations"]
    for layer in longer["layers"]:
        layer["time_ns"] *= 2
    c = compare_reports(clean, longer)
    assert max(abs(g["rel"]) for g in c["layers"] if g["rel"] is not None) < 1e-6


def layer(name, t=1000, **kw):
    return {"name": name, "time_ns": t, **kw}


def test_matching_profile_suffix_and_fused_names():
    base = [layer("conv1 [profile 0]"), layer("conv1 [profile 1]"), layer("Conv_2"),
            layer("Relu_3"), layer("fc"), layer("old_only")]
    head = [layer("conv1"), layer("Conv_2 + Relu_3", 1500), layer("fc"), layer("new_only"),
            layer("Reformatting CopyNode for Input Tensor 0 to fc", is_reformat=True)]
    groups = {m: [] for m in ("exact", "renamed", "fused", "added", "removed")}
    for m, b, h in match_layers(base, head):
        groups[m].append(([x["name"] for x in b], [x["name"] for x in h]))
    assert groups["exact"] == [(["fc"], ["fc"])]
    assert groups["renamed"] == [(["conv1 [profile 0]", "conv1 [profile 1]"], ["conv1"])]
    assert groups["fused"] == [(["Conv_2", "Relu_3"], ["Conv_2 + Relu_3"])]
    assert groups["removed"] == [(["old_only"], [])]
    assert sorted(h[0] for _b, h in groups["added"]) == [
        "Reformatting CopyNode for Input Tensor 0 to fc", "new_only"]


def test_name_helpers():
    assert normalize_name("a  b [profile 12]") == "a b"
    assert name_parts("PWN(PWN(Relu_3), Add_4)") == {"Relu_3", "Add_4"}
    assert name_parts("/a/Conv + /b/Relu") == {"/a/Conv", "/b/Relu"}


def test_findings_appeared_and_disappeared():
    f_int8 = {"kind": "int8_fallback", "severity": "high", "title": "2 layers", "layers": ["a"]}
    f_int8b = dict(f_int8, layers=["a", "b [profile 0]"])
    f_idle = {"kind": "gpu_idle", "severity": "low", "title": "idle 12%", "layers": []}
    base = {"findings": [f_int8, dict(f_idle, title="idle 30%")]}
    head = {"findings": [f_int8b, {"kind": "reformat", "severity": "medium", "title": "r",
                                   "layers": ["x"]}]}
    c = compare_reports(base, head)["findings"]
    appeared = {f["kind"]: f for f in c["appeared"]}
    assert appeared["int8_fallback"]["changed_layers"] == ["b [profile 0]"]
    assert appeared["reformat"]["change"] == "new kind"
    assert [f["kind"] for f in c["disappeared"]] == ["gpu_idle"]
    # same kind and layers, different title: persisting, not new
    c2 = compare_reports({"findings": [f_idle]}, {"findings": [dict(f_idle, title="idle 9%")]})
    assert c2["findings"]["appeared"] == [] and len(c2["findings"]["persisting"]) == 1


def test_mann_whitney_directions_and_ties():
    rng = np.random.default_rng(0)
    a = rng.normal(100, 5, 200)
    assert mann_whitney(a, a + 5)["p_increase"] < 1e-6
    assert mann_whitney(a, a - 5)["p_decrease"] < 1e-6
    assert mann_whitney(a, a)["p_increase"] > 0.4
    same = np.full(20, 7.0)
    assert mann_whitney(same, same)["p_increase"] == 1.0


def test_reports_without_iterations_or_layers():
    c = compare_reports({"metrics": {"gemm_share": 0.5}}, {"metrics": {"gemm_share": 0.4}})
    assert c["noise"] == {"latency": None, "gpu_time": None}
    assert headline_row(c, "gemm_share")["delta"] == pytest.approx(-0.1)
    assert headline_row(c, "latency_median_ns")["delta"] is None
    assert any("per-layer comparison" in n for n in c["notes"])
