"""Format/Datatype spellings -> (precision, layout, vector); layer precision rule; tactic ids."""

import pytest

from trtprof.parsers.formats import TensorFormat, layer_precision, normalize_tactic_id, parse_format


@pytest.mark.parametrize("text, expected", [
    ("Row major linear FP32", ("fp32", "linear", None)),
    ("Row major linear FP16 format", ("fp16", "linear", None)),
    ("Row major Int8 format", ("int8", "linear", None)),
    ("Row major linear Int32", ("int32", "linear", None)),
    ("Row major linear BF16 format", ("bf16", "linear", None)),
    ("Row major linear FP8 format", ("fp8", "linear", None)),
    ("Channel major FP16 format where channel % 8 == 0", ("fp16", "hwc8", 8)),
    ("Channel major FP16 format where channel % 16 == 0", ("fp16", "hwc16", 16)),
    ("Channel major BF16 format where channel % 8 == 0", ("bf16", "hwc8", 8)),
    ("Channel major FP32 format", ("fp32", "hwc", None)),
    ("Thirty-two wide channel vectorized row major Int8 format", ("int8", "chw32", 32)),
    ("Four wide channel vectorized row major Int8 format", ("int8", "chw4", 4)),
    ("Two wide channel vectorized row major FP16 format", ("fp16", "chw2", 2)),
    ("Sixteen wide channel vectorized row major FP16 format", ("fp16", "chw16", 16)),
    ("Float", ("fp32", "unknown", None)),
    ("Half", ("fp16", "unknown", None)),
    ("Int8", ("int8", "unknown", None)),
    ("BFloat16", ("bf16", "unknown", None)),
    ("FP8", ("fp8", "unknown", None)),
    ("Int64", ("int64", "unknown", None)),
    ("Bool", ("bool", "unknown", None)),
    ("Half(1,64:8,56,56)", ("fp16", "vec8", 8)),
    ("Int8[1,64:32,56,56]", ("int8", "vec32", 32)),
    ("Float(-2,1,28,28)", ("fp32", "unknown", None)),
    ("Float[1,3,224,224]", ("fp32", "unknown", None)),
    ("BFloat16[1,128,768]", ("bf16", "unknown", None)),
    ("Float((* (# 1 (SHAPE inputT0)) (# 2 (SHAPE inputT0))),1)", ("fp32", "unknown", None)),
    ("", ("unknown", "unknown", None)),
    ("Something new", ("unknown", "unknown", None)),
])
def test_parse_format(text, expected):
    assert parse_format(text) == TensorFormat(*expected)


def _t(dtype):
    return {"name": "t", "dtype": dtype}


def test_layer_precision_rules():
    # A conv computes in its input type, whatever it writes; a fused residual input does not count.
    assert layer_precision([_t("int8")], [_t("fp32")], "CaskConvolution") == "int8"
    assert layer_precision([_t("int8"), _t("fp16")], [_t("fp16")], "CaskConvolution") == "int8"
    # Conversions: mixed when the types differ.
    assert layer_precision([_t("fp32")], [_t("int8")], "Reformat") == "mixed"
    assert layer_precision([_t("fp16")], [_t("fp16")], "Reformat") == "fp16"
    # Other layers with disagreeing data inputs are mixed; shape tensors are ignored.
    assert layer_precision([_t("fp16"), _t("fp32")], [_t("fp16")], "ElementWise") == "mixed"
    assert layer_precision([_t("fp16"), _t("int32")], [_t("fp16")], "Myelin") == "fp16"
    assert layer_precision([], [_t("fp16")], "Constant") == "fp16"
    assert layer_precision([], [], "NoOp") == "unknown"
    assert layer_precision([_t("int32")], [_t("int32")], "kgen") == "int32"


@pytest.mark.parametrize("value, expected", [
    ("0x98e92db98836b738", 0x98E92DB98836B738),
    ("-9153228964338181824", (-9153228964338181824) & (2**64 - 1)),
    (-1, 2**64 - 1),
    ("6488321", 6488321),
    ("0x0000000000000000", 0),
    (None, None),
    ("", None),
    ("n/a", None),
])
def test_normalize_tactic_id(value, expected):
    assert normalize_tactic_id(value) == expected


def test_signed_decimal_and_hex_agree():
    # The same tactic printed by 8.0 (signed decimal) and by 8.5+ (hex).
    assert normalize_tactic_id("-9153228964338181824") == normalize_tactic_id("0x80f932c0b8ce5940")
