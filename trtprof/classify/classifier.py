"""Kernel name -> (unit, precision, op_class), decided by the ordered rule tables in kernel_rules.

Each field is settled by the first rule of its table that matches; the ids of the deciding rules
travel with the result so ``explain`` (and ``trtprof classify --explain``) can say why. Two rules
declared to exclude each other (``kernel_rules.CONFLICTS``) that both match give ``unknown`` with
both reasons. op_class is read from the kernel's own identifier before its template arguments. Names are
normalised first: trailing "..."/"…" (truncation), a leading ``void``, and mangled (``_Z...``) names
are demangled (``classify.demangle``, c++filt's spelling; a truncated one is read for its
identifiers and builtin template arguments). Unknown is an answer: a wrong guess is worse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable

import pandas as pd

from trtprof.classify import kernel_rules as kr
from trtprof.classify.demangle import demangle

UNKNOWN = "unknown"
DEFAULT_OP = "other"
# Rule ids used when no table rule decides a field.
UNIT_DEFAULT, PREC_DEFAULT, OP_DEFAULT = "unit.default", "prec.default", kr.OP_CANT_TELL


@dataclass(frozen=True)
class KernelClass:
    unit: str
    precision: str
    op_class: str
    rules: tuple[str, ...]          # rule ids that decided unit, precision, op_class (in that order)
    reasons: tuple[str, ...] = ()   # the same rules' reasons, for explain()

    @property
    def op_known(self) -> bool:
        """True when a rule (not the fallback) chose op_class."""
        return len(self.rules) > 2 and self.rules[2] != OP_DEFAULT


# --------------------------------------------------------------------------- normalising
_TRUNCATION = re.compile(r"(?:\.\.\.|…)\s*$")
# nvcc prefixes a kernel of internal linkage with its translation unit:
# '__nv_static_<n>__<n>_tmpxft_<hex>_<hex>_<n>_<file>_cpp1_ii_<hash>_' + the mangled name.
_NV_STATIC = re.compile(r"^__nv_static_\w*?_ii_[0-9a-f]+_(?=_Z)")
_LITERAL = re.compile(r"L[a-z]+-?\d+E")
# Itanium builtin type codes -> C++ spelling (what the precision rules read). The ``D`` codes
# are the extended floating types: Dh = half, DF16_ = _Float16, DF16b = std::bfloat16_t.
_BUILTIN = {"f": "float", "d": "double", "a": "signed char", "h": "unsigned char", "i": "int",
            "j": "unsigned int", "l": "long", "m": "unsigned long", "b": "bool", "c": "char",
            "s": "short", "t": "unsigned short", "x": "long long", "y": "unsigned long long",
            "Dh": "half", "DF16_": "half", "DF16b": "bfloat16_t", "DF32_": "float", "DF64_": "double"}
_TYPE_CODES = re.compile(r"I((?:DF16b|DF(?:16|32|64)_|Dh|[a-z])+)")
_TYPE_CODE = re.compile(r"DF16b|DF(?:16|32|64)_|Dh|[a-z]")
_SUBSTITUTION = re.compile(r"[ST][0-9A-Z]*_")


def demangle_light(name: str) -> str:
    """Readable text from an Itanium-mangled name: its length-prefixed identifiers joined by
    '::', each followed by the builtin template arguments that come right after it (``IffLi..`` ->
    ``<float, float>``, ``IDF16bDF16b..`` -> ``<bfloat16_t, bfloat16_t>``). Not a demangler; enough
    for the rules, which read identifiers and types."""
    s = _LITERAL.sub("", name[2:])
    parts: list[str] = []
    i = 0
    while i < len(s):
        # Substitutions (S4_, S_) and template parameters (T0_) carry digits that are not lengths.
        sub = _SUBSTITUTION.match(s, i)
        if sub:
            i = sub.end()
            continue
        m = re.match(r"\d+", s[i:])
        if not m:
            i += 1
            continue
        n, start = int(m.group()), i + m.end()
        ident = s[start:start + n]
        if n and len(ident) == n and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ident):
            i = start + n
            args = _TYPE_CODES.match(s, i)
            if args:
                # Skip the codes as well: the digits in DF16b are not an identifier length.
                types = [_BUILTIN[c] for c in _TYPE_CODE.findall(args.group(1)) if c in _BUILTIN]
                ident += "<" + ", ".join(types) + ">" if types else ""
                i = args.end()
            parts.append(ident)
        else:
            i = start
    if not parts:
        return name
    return "::".join(parts)


# A type word cut by a profiler table ('c10::BFloa...', '__nv_bf...'): the spelled types it can
# begin, every one that starts as they do (c10's scalar types, CUDA's __nv_ types).
_CUT_WORD = re.compile(r"(?:(?<=[<(,\s])|(?<=c10::)|(?<=at::)|(?<=cutlass::))([A-Za-z_][A-Za-z0-9_]*)$")
_CUT_TYPES = ("BFloat16", "Half", "Float8_e4m3fn", "Float8_e4m3fnuz", "Float8_e5m2", "Float8_e5m2fnuz",
              "Float8_e8m0fnu", "Float4_e2m1fn_x2", "ComplexHalf", "__nv_bfloat16", "__nv_bfloat162",
              "__nv_half", "__nv_half2", "__nv_fp8_e4m3", "__nv_fp8_e5m2", "__nv_fp8x2_e4m3",
              "__nv_fp8x2_e5m2", "__nv_fp8x4_e4m3", "__nv_fp4_e2m1", "__half", "__half2", "bfloat16",
              "bfloat16_t", "float16", "half_t", "double", "float")


def complete_cut_type(text: str) -> str:
    """``...<c10::BFloa`` -> ``...<c10::BFloat16``: the cut last word completed to the type it
    must be: four letters at least (three after a namespace, one past ``__nv_``), not a whole type
    word already (``float`` may be ``float16``), and one dtype whichever type it begins."""
    m = _CUT_WORD.search(text)
    if not m:
        return text
    part = m.group(1)
    shortest = 6 if part.startswith("__nv") else 3 if text[:m.start()].endswith("::") else 4
    done = [t for t in _CUT_TYPES if t.startswith(part)]
    kinds = {kr.dtype(t) for t in done}
    if len(part) < shortest or not done or part in done or len(kinds) != 1 or None in kinds:
        return text
    return text[:m.start()] + min(done, key=len)


def normalize(name: str) -> str:
    """The text the rules read: stripped, mangled names made readable, a leading ``void``
    dropped. A truncated name ('...', '…') ends in ``kr.CUT`` instead of its mark, after its cut
    type word is completed (``complete_cut_type``)."""
    s = name.strip()
    cut = bool(_TRUNCATION.search(s))
    s = _TRUNCATION.sub("", s)
    s = _NV_STATIC.sub("", s)
    if s.startswith("_Z"):
        # The whole signature when the name is complete; identifiers and builtin template
        # arguments when it is truncated or uses what demangle() does not read.
        s = demangle(s) or demangle_light(s)
    if s.startswith("void "):
        s = s[5:]
    return complete_cut_type(s) + kr.CUT if cut else s


# --------------------------------------------------------------------------- deciding
Decision = tuple[str, str, str]     # (value, rule id, reason)


def _apply(rule: kr.Rule, text: str) -> Decision | None:
    """The rule's answer for ``text``, or None when it does not match or cannot tell."""
    m = rule.pattern.search(text)
    if not m:
        return None
    value = rule.value
    if callable(value):
        out = value(m, text)
        if out is None:
            return None
        if isinstance(out, tuple):
            return out
        return out, rule.id, rule.reason
    return value, rule.id, rule.reason


def _decide(rules: list[kr.Rule], text: str) -> Decision | None:
    """The first rule that matches and can tell decides, unless a rule declared in
    ``kr.CONFLICTS`` against it also matches with another definite value: then ``unknown``,
    with both rules and both reasons (see ``kr.Conflict``)."""
    for rule in rules:
        first = _apply(rule, text)
        if first is None:
            continue
        for c in kr.CONFLICTS_OF.get(rule.id, ()):
            second = _apply(kr.RULE_BY_ID[c.second], text)
            if second is not None and second[0] not in (first[0], UNKNOWN):
                return (UNKNOWN, f"{first[1]}|{second[1]}",
                        f"two readings: {first[0]} ({first[2]}) and {second[0]} ({second[2]}); "
                        f"{c.why}")
        return first
    return None


def kernel_head(text: str) -> str:
    """The kernel's own identifier: the qualified name before its template or parameter list
    (``tensorflow::functor::RowReduceKernel`` of ``...RowReduceKernel<float const*, ...>(...)``)."""
    return kr.signature(text)[0]


def _op_class(text: str) -> Decision:
    """op_class from the kernel's own identifier first: words in its template or parameter list
    (``cublasTransposeParams``, ``cublasGemvTensor``, ``IndexList``) name helpers and types, not
    what the kernel does. Generic launchers (ATen elementwise kernels, EigenMetaKernel,
    cutlass::Kernel) carry their op in the arguments, so for them, and for heads no rule reads,
    the whole name decides."""
    head = kernel_head(text)
    if head != text and not kr.LAUNCHER_HEAD.search(head):
        op = _decide(kr.OP_RULES, head)
        if op is not None:
            return op[0], op[1], op[2] + " (read from the kernel's own identifier)"
    return _decide(kr.OP_RULES, text) or (DEFAULT_OP, OP_DEFAULT, "no op rule matched")


@lru_cache(maxsize=65536)
def classify(name: str) -> KernelClass:
    """Classify one kernel (or tactic, or memcpy/memset row) name."""
    text = normalize(name)
    copy = _decide(kr.MEMCPY_RULES, text)
    if copy:
        copy_op, rid, why = copy
        return KernelClass("none", "none", copy_op, (rid, rid, rid), (why, why, why))

    op = _op_class(text)
    unit = _decide(kr.UNIT_RULES, text)
    if unit is None:
        if op[1] != OP_DEFAULT and op[0] in kr.NON_MMA_OPS:
            unit = ("cuda_core", "unit.non_mma_op",
                    f"op_class {op[0]} never uses MMA instructions: CUDA cores")
        else:
            unit = _decide(kr.UNIT_FALLBACK_RULES, text) or (
                UNKNOWN, UNIT_DEFAULT, "no unit rule matched: the name cannot tell")
    prec = _decide(kr.PRECISION_RULES, text) or (UNKNOWN, PREC_DEFAULT,
                                                  "no precision rule matched: the name cannot tell")
    return KernelClass(unit[0], prec[0], op[0], (unit[1], prec[1], op[1]),
                       (unit[2], prec[2], op[2]))


def classify_names(names: Iterable[str]) -> pd.DataFrame:
    """One row per unique name (first-seen order): unit, precision, op_class, rule."""
    unique = list(dict.fromkeys(names))
    rows = []
    for n in unique:
        kc = classify(n)
        rows.append((kc.unit, kc.precision, kc.op_class, rule_summary(kc)))
    return pd.DataFrame(rows, index=pd.Index(unique, name="name"),
                        columns=["unit", "precision", "op_class", "rule"])


def rule_summary(kc: KernelClass) -> str:
    """Compact 'unit=<id>;precision=<id>;op_class=<id>' string."""
    return ";".join(f"{f}={r}" for f, r in zip(("unit", "precision", "op_class"), kc.rules))


def explain(name: str) -> list[str]:
    """Human-readable lines: which rule decided each field, and why."""
    kc = classify(name)
    lines = [f"name: {name}"]
    text = normalize(name).rstrip(kr.CUT)
    if text != name.strip():
        lines.append(f"read as: {text[:300]}{'...' if len(text) > 300 else ''}")
    if _TRUNCATION.search(name.strip()):
        lines.append("note: the name is truncated; tokens after the cut are missing")
    reasons = kc.reasons or ("",) * 3
    for field, value, rid, why in zip(("unit", "precision", "op_class"),
                                      (kc.unit, kc.precision, kc.op_class), kc.rules, reasons):
        lines.append(f"{field:<9} = {value:<13} [{rid}] {why}")
    return lines


# --------------------------------------------------------------------------- engine context
# TensorRT LayerType (engine JSON / verbose log) -> op_class. Myelin/kgen layers fuse anything,
# so they settle nothing.
LAYER_TYPE_OPS: dict[str, str | None] = {
    "caskconvolution": "convolution", "caskdeconvolution": "convolution",
    "cudnnconvolution": "convolution", "cublasconvolution": "convolution",
    "convolution": "convolution", "deconvolution": "convolution", "caskconvactpool": "convolution",
    "caskflattenconvolution": "convolution", "caskdepthwiseconvolution": "convolution",
    "gemm": "gemm", "caskgemm": "gemm", "matrixmultiply": "gemm", "fullyconnected": "gemm",
    "caskfullyconnected": "gemm", "cublasgemm": "gemm", "cublasmatrixmultiply": "gemm",
    "reformat": "reformat", "myelinreformat": "reformat", "nodereformat": "reformat",
    "pointwise": "pointwise", "pointwisev2": "pointwise", "elementwise": "pointwise",
    "activation": "pointwise", "scale": "pointwise", "unary": "pointwise", "cast": "reformat",
    "pooling": "pooling", "caskpooling": "pooling",
    "shuffle": "permutation", "transpose": "permutation", "permutation": "permutation",
    "softmax": "reduction", "reduce": "reduction", "topk": "reduction",
    "slice": "gather_scatter", "gather": "gather_scatter", "concatenation": "gather_scatter",
    "scatter": "gather_scatter", "padding": "gather_scatter",
    "resize": "resize", "normalization": "normalization", "layernorm": "normalization",
    "quantize": "quantize", "dequantize": "quantize", "dynamicquantize": "quantize",
    "pluginv2": "plugin", "pluginv3": "plugin", "plugin": "plugin",
    # seen in real engines (TensorRT 8.x/10.x layer JSON)
    "cudadepthwiseconvolution": "convolution", "caskgemmconvolution": "convolution",
    "fusedconvactconvolution": "convolution", "convactpool": "convolution",
    "tiledpooling": "pooling", "cudapooling": "pooling", "cudasoftmax": "reduction",
    "logsoftmaxtopk": "reduction",
    "myelin": None, "kgen": None, "foreignnode": None,
}
PRECISIONS = frozenset({"fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "fp4", "int8", "int4",
                        "mixed", "none"})


def refine(kc: KernelClass, *, tactic_name: str | None = None, layer_precision: str | None = None,
           layer_type: str | None = None) -> KernelClass:
    """Settle fields the kernel name left open, from the engine layer that launched it: its tactic
    name (classified like a kernel name), its I/O precision and its LayerType. Fields the name
    decided are never changed."""
    unit, prec, op = kc.unit, kc.precision, kc.op_class
    rules, reasons = list(kc.rules), list(kc.reasons or ("",) * 3)
    op_open = not kc.op_known
    if tactic_name and kc.rules[0] not in ("copy.memcpy", "copy.memset"):
        tc = classify(tactic_name)
        if unit == UNKNOWN and tc.unit != UNKNOWN:
            unit, rules[0], reasons[0] = tc.unit, f"tactic:{tc.rules[0]}", f"from tactic {tactic_name}"
        if prec == UNKNOWN and tc.precision != UNKNOWN:
            prec, rules[1], reasons[1] = tc.precision, f"tactic:{tc.rules[1]}", f"from tactic {tactic_name}"
        if op_open and tc.op_known:
            op, rules[2], reasons[2] = tc.op_class, f"tactic:{tc.rules[2]}", f"from tactic {tactic_name}"
            op_open = False
    if prec == UNKNOWN and layer_precision and layer_precision.lower() in PRECISIONS:
        prec, rules[1] = layer_precision.lower(), "layer.precision"
        reasons[1] = "the layer's I/O formats"
    if op_open and layer_type:
        mapped = LAYER_TYPE_OPS.get(layer_type.lower().replace("_", ""))
        if mapped:
            op, rules[2], reasons[2] = mapped, "layer.type", f"LayerType {layer_type}"
            op_open = False
    if unit == UNKNOWN and not op_open and op in kr.NON_MMA_OPS:
        unit, rules[0], reasons[0] = "cuda_core", "unit.non_mma_op", f"op_class {op} never uses MMA"
    return replace(kc, unit=unit, precision=prec, op_class=op, rules=tuple(rules),
                   reasons=tuple(reasons))


def plugin_unit(plugin_type: str) -> str:
    """Unit of a plugin layer from its PluginType (engine JSON ``PluginType``, e.g.
    ``InstanceNormalization_TRT``): CUDA cores when the type names a class that never uses MMA;
    ``unknown`` for a plugin of any other kind (it may run a GEMM or attention)."""
    kc = classify(plugin_type)
    if kc.unit != UNKNOWN:
        return kc.unit
    return "cuda_core" if kc.op_known and kc.op_class in kr.NON_MMA_OPS else UNKNOWN
