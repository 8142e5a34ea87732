"""Profile JSON: every variant parses; appended arrays; joining by name with mismatches reported."""

import math
from pathlib import Path

import pandas as pd
import pytest

from trtprof.errors import InputError
from trtprof.model import LAYER_PROFILE_COLUMNS
from trtprof.parsers.layer_json import parse_layer_json
from trtprof.parsers.profile_json import join_profile, parse_profile_json

from conftest import REALDATA as SHARED
PROFILE_FILES = sorted(p for p in SHARED.glob("*/*.json")
                       if "rofile" in p.name and "metadata" not in p.name) if SHARED.exists() else []


def real(rel: str) -> Path:
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"real data absent: {rel}")
    return p


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.name[:50])
def test_every_real_profile_parses(path):
    prof = parse_profile_json(path)
    assert len(prof.layers) > 0 and prof.runs >= 1
    assert set(LAYER_PROFILE_COLUMNS) <= set(prof.layers.columns)
    assert prof.layers["time_ms"].dtype == "float64"


def test_profile_files_found():
    if not SHARED.exists():
        pytest.skip("no ../shared")
    assert len(PROFILE_FILES) == 10


@pytest.mark.parametrize("rel, records, count, has_median", [
    ("trex/yolo.orin.int8.profile.json", 86, 11, True),
    ("trex/mobilenet.qat.onnx.engine.profile.json", 85, 4216, False),
    ("trt/trt10.4_rtx3060laptop_mobilenetv2_fp16_exportProfile.json", 57, 18488, True),
    ("trt/trt8.6.1_sm8x_controlnet_sd_unet_fp16_plugins_exportProfile.json", 389, 175, True),
    ("trt/trtunk_detr_resnet50_int8_exportProfile.json", 840, 641, True),
])
def test_profile_facts(rel, records, count, has_median):
    prof = parse_profile_json(real(rel))
    assert len(prof.layers) == records and prof.iterations == count and prof.runs == 1
    assert prof.layers["median_ms"].notna().all() == has_median


def test_yolo_average_sum_matches_log_total():
    prof = parse_profile_json(real("trex/yolo.orin.int8.profile.json"))
    assert prof.layers["avg_ms"].sum() == pytest.approx(403.8158, abs=1e-3)


def test_trt7_appended_arrays():
    prof = parse_profile_json(real("trt/trt7.x_jetson_resnet50_caffe_int8_exportProfile_concatenated.json"))
    assert prof.runs == 7
    assert prof.iterations_per_run == [1013, 477, 282, 146, 80, 45, 15]
    assert prof.iterations == 15  # layers = the last run
    assert sorted(prof.all_runs["run"].unique()) == list(range(7))
    assert len(prof.all_runs) == 7 * 58 and len(prof.layers) == 58
    assert prof.layers.iloc[0]["name"] == "conv1 + conv1_relu + pool1 input reformatter 0"
    assert any("7 profile arrays" in n for n in prof.notes)


def test_join_mismatch_reported():
    L = parse_layer_json(real("trex/mobilenet.qat.onnx.engine.graph.json")).layers
    P = parse_profile_json(real("trex/mobilenet.qat.onnx.engine.profile.json")).layers
    joined, notes = join_profile(L, P)
    assert len(joined) == 73
    assert any(n.startswith("12 of 85 profile records match no engine layer") for n in notes)


def test_join_matches_one_to_one():
    L = parse_layer_json(real("trex/resnet.A100.fp16.onnx.engine.graph.json")).layers
    P = parse_profile_json(real("trex/resnet.A100.fp16.onnx.engine.profile.json")).layers
    joined, notes = join_profile(L, P)
    assert notes == [] and joined["avg_ms"].notna().all()
    assert list(joined["name"]) == list(L["name"])


def test_join_never_by_position():
    L = pd.DataFrame({"name": ["a", "b", "c"]})
    P = pd.DataFrame({"name": ["c", "x"], "time_ms": [3.0, 9.0], "avg_ms": [1.0, 3.0],
                      "median_ms": [math.nan] * 2, "percentage": [25.0, 75.0]})
    joined, notes = join_profile(L, P)
    assert joined.set_index("name")["avg_ms"].isna().tolist() == [True, True, False]
    assert any("2 of 3 engine layers have no profile record" in n for n in notes)
    assert any("1 of 2 profile records match no engine layer" in n for n in notes)


@pytest.mark.parametrize("content", [
    '[{"count": 3}, {"name": "a", "timeMs": 1',     # truncated
    '{"Layers": ["a"]}',                              # layer info, not a profile
    '[{"count": 3}, {"foo": 1}]',
    '[{"count": 3}] trailing garbage',
    '',
])
def test_bad_input(tmp_path, content):
    p = tmp_path / "p.json"
    p.write_text(content)
    with pytest.raises(InputError):
        parse_profile_json(p)
