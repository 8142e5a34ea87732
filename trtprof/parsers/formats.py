"""TensorRT tensor format spellings -> (precision, layout, vector width).

TensorRT prints a tensor's type and memory layout in many ways: engine layer JSON
(``"Thirty-two wide channel vectorized row major Int8 format"``, ``"Channel major FP16 format where
channel % 8 == 0"``, 10.x bare ``"Half"``) and logs (``Half(1,64:8,56,56)``, ``Int8[1,64:32,56,56]``).

Layout scheme (lower case, short, derived only from what the text says):

- ``linear``   row major linear (NCHW; TensorRT ``kLINEAR``)
- ``chw<v>``   channel-vectorised row major, ``v`` channels packed per element (``kCHW2/4/16/32``)
- ``hwc<v>``   channel major (channel-last) with the channel count padded to a multiple of ``v``
               (``kHWC8``/``kHWC16``...); plain ``hwc`` when no multiple is printed (``kHWC``)
- ``vec<v>``   a log form (``Half[1,64:8,56,56]``): channels vectorised by ``v``, but the log does not
               say whether that is CHW<v> or HWC<v>
- ``dla_linear``, ``dla_hwc4`` DLA formats
- ``unknown``  the text gives no layout (bare ``"Half"``, unvectorised log forms: TensorRT prints
               kLINEAR and kHWC alike there)

Precision vocabulary: fp32, fp16, bf16, fp8, fp4, int8, int4, uint8, int32, int64, bool, unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Type words as TensorRT spells them, longest first so "BFloat16" wins over "Float".
_TYPE_WORDS: list[tuple[str, str]] = [
    ("bfloat16", "bf16"), ("bf16", "bf16"),
    ("float8", "fp8"), ("fp8", "fp8"), ("e4m3", "fp8"), ("e5m2", "fp8"),
    ("fp4", "fp4"), ("e2m1", "fp4"),
    ("float32", "fp32"), ("fp32", "fp32"), ("float", "fp32"),
    ("float16", "fp16"), ("fp16", "fp16"), ("half", "fp16"),
    ("uint8", "uint8"), ("int8", "int8"), ("int4", "int4"),
    ("int32", "int32"), ("int64", "int64"), ("bool", "bool"),
]
_TYPE_RE = re.compile(r"(?<![a-z0-9])(" + "|".join(w for w, _ in _TYPE_WORDS) + r")(?![a-z0-9])")
_TYPE_MAP = dict(_TYPE_WORDS)

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "eight": 8, "sixteen": 16,
                 "thirty-two": 32, "thirtytwo": 32, "sixty-four": 64}

# Log forms: Half(1,64:8,56,56), Int8[1,64:32,56,56], Float(-2,1,28,28), Float((* ...),1)
_LOG_FORM_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*)\s*([\[(])(.*)[\])]\s*$", re.S)
_VECTOR_IN_DIMS_RE = re.compile(r":(\d+)")

# Types that carry data the layer computes on; index/shape types are not the compute precision.
DATA_PRECISIONS = ("fp32", "fp16", "bf16", "fp8", "fp4", "int8", "int4", "uint8")
INDEX_PRECISIONS = ("int32", "int64", "bool")


@dataclass(frozen=True)
class TensorFormat:
    precision: str          # see module doc
    layout: str             # see module doc
    vector: int | None      # elements packed per vector, None when not vectorised or unknown


UNKNOWN = TensorFormat("unknown", "unknown", None)


def precision_of(text: str) -> str:
    """The precision named anywhere in ``text`` (first type word), else ``unknown``."""
    m = _TYPE_RE.search(text.lower())
    return _TYPE_MAP[m.group(1)] if m else "unknown"


def parse_format(text: str | None) -> TensorFormat:
    """Parse one Format/Datatype string (JSON) or log tensor type (``Half[1,64:8,56,56]``)."""
    if not text or not isinstance(text, str):
        return UNKNOWN
    log = _LOG_FORM_RE.match(text)
    if log and " " not in log.group(1):
        return _parse_log_form(log.group(1), log.group(3))
    return _parse_json_form(text)


def _parse_log_form(type_word: str, dims: str) -> TensorFormat:
    precision = precision_of(type_word)
    # Only a top-level ":v" is a vector width; symbolic shapes "(# 1 (SHAPE x))" have no colon.
    m = _VECTOR_IN_DIMS_RE.search(dims)
    if m:
        v = int(m.group(1))
        return TensorFormat(precision, f"vec{v}", v)
    return TensorFormat(precision, "unknown", None)


def _parse_json_form(text: str) -> TensorFormat:
    low = " ".join(text.lower().split())
    precision = precision_of(low)
    if "dla" in low:
        if "hwc4" in low or "channel" in low:
            return TensorFormat(precision, "dla_hwc4", 4)
        return TensorFormat(precision, "dla_linear", None)
    # "Thirty-two wide channel vectorized row major Int8 format" -> chw32
    m = re.match(r"^([a-z-]+) wide channel vectori[sz]ed", low)
    if m:
        v = _NUMBER_WORDS.get(m.group(1))
        return TensorFormat(precision, f"chw{v}" if v else "unknown", v)
    # "Channel major FP16 format where channel % 8 == 0" -> hwc8; without the clause -> hwc
    if low.startswith("channel major") or "channel last" in low or "channel-last" in low:
        m = re.search(r"channel\s*%\s*(\d+)", low)
        if m:
            v = int(m.group(1))
            return TensorFormat(precision, f"hwc{v}", v)
        return TensorFormat(precision, "hwc", None)
    if low.startswith("row major"):
        # "Row major linear FP32", "Row major Int8 format": kLINEAR.
        return TensorFormat(precision, "linear", None)
    # 10.x bare type names ("Half", "Float") say nothing about the layout.
    return TensorFormat(precision, "unknown", None)


def _data_precisions(tensors: list[dict] | None) -> list[str]:
    """Precisions of tensors, index/shape types dropped when a data type is present."""
    precs = [t.get("dtype", "unknown") for t in (tensors or []) if isinstance(t, dict)]
    data = [p for p in precs if p in DATA_PRECISIONS]
    return data if data else [p for p in precs if p != "unknown"]


# Layer types whose job is to convert between formats; their precision is "mixed" when in != out.
REFORMAT_TYPES = {"reformat", "myelinreformat", "noop", "scale", "cast", "quantize", "dequantize"}


def _is_matmul_like(kind: str) -> bool:
    return any(t in kind for t in ("conv", "gemm", "matrixmultiply", "fullyconnected", "matmul"))


def layer_precision(inputs: list[dict] | None, outputs: list[dict] | None,
                    layer_type: str | None = None) -> str:
    """The precision a layer computes in, from its I/O tensors (dicts with a ``dtype`` key).

    Rule: index/shape tensors (int32/int64/bool) are ignored when a data tensor is present.
    Conversion layers (Reformat, MyelinReformat, NoOp, Scale, Cast, Q/DQ): the common type, or
    ``mixed`` when input and output types differ. Every other layer (conv, gemm, pooling, plugins,
    Myelin, ...): the type of its data inputs, because a convolution computes in its input type
    (an Int8-in/FP32-out conv is an INT8 conv); ``mixed`` when its data inputs disagree, except for
    convolutions and GEMMs, which take input 0 (a second input is a fused residual add). A layer
    without inputs (Constant) takes its output type. ``unknown`` when nothing is known.
    """
    ins = _data_precisions(inputs)
    outs = _data_precisions(outputs)
    kind = (layer_type or "").lower()
    if kind in REFORMAT_TYPES:
        both = set(ins) | set(outs)
        if not both:
            return "unknown"
        return both.pop() if len(both) == 1 else "mixed"
    if ins and _is_matmul_like(kind):
        return ins[0]
    if ins:
        return ins[0] if len(set(ins)) == 1 else "mixed"
    if outs:
        return outs[0] if len(set(outs)) == 1 else "mixed"
    return "unknown"


def tensor_dict(name: str, fmt_text: str | None, dims: list | None = None) -> dict:
    """The model's tensor record: dict(name, dtype, layout, vector, dims, format)."""
    f = parse_format(fmt_text)
    return {"name": name, "dtype": f.precision, "layout": f.layout, "vector": f.vector,
            "dims": list(dims) if dims is not None else None, "format": fmt_text or ""}


def normalize_tactic_id(value: object) -> int | None:
    """A tactic id as uint64: "0x1b2c..." hex (>= 8.5), signed decimal (<= 8.4), or int."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value & 0xFFFFFFFFFFFFFFFF
    s = str(value).strip()
    try:
        n = int(s, 16) if s.lower().startswith("0x") else int(s)
    except ValueError:
        return None
    return n & 0xFFFFFFFFFFFFFFFF
