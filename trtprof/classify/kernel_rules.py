"""Kernel-name rules as data: ordered tables of (id, pattern, value, reason).

The grammar they encode is ../shared/docs/KERNELS.md. Each field (unit, precision, op_class) has its
own table; the first rule whose pattern matches decides that field. A rule's ``value`` is either a
literal vocabulary word or a small named function ``(match, text) -> str | None`` that reads the
value out of the name (None = "this rule cannot tell after all; keep looking").

To extend: add a ``R(...)`` row at the right priority, with the reason in plain words, and a grammar
test in tests/test_classifier.py with a name the rule must generalise to. When two rules read one
name in ways that exclude each other and neither position in the name settles it, declare the pair
in ``CONFLICTS`` (the answer is then ``unknown``) instead of trusting the order. Values are the
words of docs/KERNEL_CLASSES.md (``UNITS``, ``PRECISION_WORDS``, ``OP_CLASSES``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

# A function may also give the whole (value, rule id, reason) answer (myelin_op_value does).
Value = Union[str, Callable[["re.Match[str]", str], "str | tuple[str, str, str] | None"]]


@dataclass(frozen=True)
class Rule:
    id: str
    pattern: re.Pattern[str]
    value: Value
    reason: str


def R(rule_id: str, regex: str, value: Value, reason: str, flags: int = 0) -> Rule:
    return Rule(rule_id, re.compile(regex, flags), value, reason)


@dataclass(frozen=True)
class Conflict:
    """Two rules of one table that read the same name differently. When ``first`` decides a field
    and ``second`` also matches with another definite value, the field is ``unknown`` and explain
    gives both reasons: the name carries two readings and nothing in it says which one holds."""
    first: str
    second: str
    why: str


# --------------------------------------------------------------------------- dtype vocabulary
# Spelling of a type in a kernel name -> vocabulary word.
DTYPE_WORDS: dict[str, str] = {
    "f16": "fp16", "fp16": "fp16", "half": "fp16", "__half": "fp16", "c10::half": "fp16",
    "eigen::half": "fp16", "cutlass::half_t": "fp16", "half_t": "fp16", "khalf": "fp16",
    "bf16": "bf16", "bfloat16": "bf16", "__nv_bfloat16": "bf16", "c10::bfloat16": "bf16",
    "bfloat16_t": "bf16", "cutlass::bfloat16_t": "bf16",
    "f32": "fp32", "fp32": "fp32", "float": "fp32", "float2": "fp32", "kfloat": "fp32",
    "f64": "fp64", "fp64": "fp64", "double": "fp64", "double2": "fp64",
    "float16": "fp16", "float32": "fp32", "float64": "fp64", "_float16": "fp16",
    # complex types (FFT convolution GEMMs): the math is on their real components
    "cf16": "fp16", "cf32": "fp32", "cf64": "fp64", "complex64": "fp32", "complex128": "fp64",
    "tf32": "tf32", "tfloat32_t": "tf32", "cutlass::tfloat32_t": "tf32",
    "i8": "int8", "s8": "int8", "int8": "int8", "imma": "int8", "kint8": "int8", "signed char": "int8",
    "i4": "int4", "s4": "int4", "int4": "int4",
    "e4m3": "fp8", "e5m2": "fp8", "fp8": "fp8", "f8": "fp8", "float_e4m3_t": "fp8",
    "float_e5m2_t": "fp8", "__nv_fp8_e4m3": "fp8", "__nv_fp8_e5m2": "fp8",
    "e2m1": "fp4", "fp4": "fp4", "hfp8": "fp8", "nvfp4": "fp4", "float_e2m1_t": "fp4", "mxfp4": "fp4", "mxfp8": "fp8",
    # vector types and vectorised suffixes: two or four lanes of one element type
    "half2": "fp16", "__half2": "fp16", "f16x2": "fp16", "bf16x2": "bf16", "__nv_bfloat162": "bf16",
    "bfloat162": "bf16", "float4": "fp32",
    # nvFuser's bfloat16, PyTorch's FP8 types, CUDA's FP8 vector types
    "__bfloat": "bf16", "float8_e4m3fn": "fp8", "float8_e5m2": "fp8", "float8_e4m3fnuz": "fp8",
    "__nv_fp8x2_e4m3": "fp8", "__nv_fp8x2_e5m2": "fp8", "__nv_fp8x4_e4m3": "fp8",
}


def dtype(word: str) -> str | None:
    """Vocabulary word for a dtype spelling, or None if it is not a dtype we know."""
    return DTYPE_WORDS.get(word.lower())


def _one_or_mixed(words: list[str]) -> str | None:
    found = {d for d in (dtype(w) for w in words) if d}
    if not found:
        return None
    return found.pop() if len(found) == 1 else "mixed"


# Element-type words of operand lists and type suffixes (bf16xbf16xmxfp4, _scatter_bf16).
_OPERAND = r"bf16|fp16|f16|fp32|f32|fp8|e4m3|e5m2|mxfp4|mxfp8|fp4|int8|i8|fp64|f64"
# xmma / cask type block tokens (longest first so "bf16" is not read as "f16").
_T = r"(?:bf16|tf32|e4m3|e5m2|e2m1|cf16|cf32|cf64|f16|f32|f64|i8|i32|i4|u8|s8)"
# Scale prefix of a block-scaled CUTLASS 3.x operand: 'ue4m3x' or '<rows>x<cols>f32x'.
_SCALED = r"(?:ue\dm\dx|\d+x\d+f32x)?"
# The text of a truncated name ends in CUT. A newline: regex '$' still matches before it, so every
# rule reads a cut name as it did without the mark; the rules that read a token cut in half
# (an xmma type block) look for it.
CUT = "\n"
XMMA_TYPES = rf"(?<![a-z0-9])({_T})({_T})_({_T})({_T})?_({_T})(?=_|$)"
# The same block cut after '<A><C>_' (a name cannot end there, so a missing mark is no matter): a third token that only an MMA input can be (a partial one
# completes to one token: 'tf3' = tf32), or any whole third token with the next one begun: both
# say the four-token form, whose third token is the math type. 'f16f16_f3' could be the
# accumulator of the three-token form and is not read.
_MMA_IN_CUT = {"t": "tf32", "tf": "tf32", "tf3": "tf32", "b": "bf16", "bf": "bf16", "bf1": "bf16",
               "e4": "e4m3", "e4m": "e4m3", "e5": "e5m2", "e5m": "e5m2"}
XMMA_TYPES_CUT = (rf"(?<![a-z0-9]){_T}{_T}_(?:(?P<math>{_T})[a-z0-9]+|(?P<part>bf16|tf32|e4m3|e5m2|"
                  + "|".join(sorted(_MMA_IN_CUT, key=len, reverse=True)) + "))" + CUT + "?$")
# Floating and index types as they appear in template arguments of demangled names.
TEMPLATE_FLOAT = re.compile(
    # A type stands alone or after a known namespace; '::c10::Half' is how demangle_light leaves
    # a type of a truncated mangled name, and '::Half' when the namespace was a substitution
    # (NS4_4HalfE). The 16-bit type words are types in any namespace (tsl::bfloat16,
    # phi::dtype::float16, std::bfloat16_t).
    r"(?:(?<![\w:])|(?<=::)(?=(?:c10|cutlass|Eigen|at|nvf|CudaCodeGen)::)|"
    r"(?<=::)(?=(?:Half|BFloat16|Float8_e4m3fn|Float8_e5m2|bfloat16_t|bfloat16|float16|half_t|half)(?![\w])))"
    r"(?:(?:c10|cutlass|Eigen|at|nvf|CudaCodeGen)::)?(__nv_bfloat162|__nv_bfloat16|__nv_fp8x[24]_e4m3|"
    r"__nv_fp8x2_e5m2|__nv_fp8_e4m3|__nv_fp8_e5m2|__bfloat|Float8_e4m3fn|Float8_e5m2|"
    r"BFloat16|bfloat16_t|bfloat16|tfloat32_t|half_t|float_e4m3_t|float_e5m2_t|float_e2m1_t|__half2|__half|"
    r"half2|Half|half|_Float16|float16|double2|double|float4|float2|float|signed char|int8_t|"
    # Julia's float types, as CUDA.jl and KernelAbstractions kernels spell their arguments
    r"Float16|Float32|Float64)(?![\w])")
TEMPLATE_INDEX = re.compile(r"(?<![\w:])(?:unsigned |long |signed )*(int|long|short|bool|char|"
                            r"size_t|u?int(?:16|32|64)_t)(?![\w])")
VALUE_CASTS = re.compile(r"\((?:unsigned |signed )*(?:char|bool|int|long|short)\)-?\d+")


# --------------------------------------------------------------------------- value functions
def xmma_cut_math_type(m: re.Match[str], _text: str) -> str | None:
    """The math type of an xmma type block cut after its third token (``XMMA_TYPES_CUT``)."""
    part = m.group("part")
    return dtype(m.group("math") or _MMA_IN_CUT.get(part, part))


def xmma_cut_unit(m: re.Match[str], text: str) -> str | None:
    """``tensor_core`` when the cut block's math type is a Tensor Core input type."""
    return "tensor_core" if xmma_cut_math_type(m, text) in ("fp16", "bf16", "tf32", "int8", "fp8", "fp4") else None


def xmma_math_type(m: re.Match[str], _text: str) -> str | None:
    """xmma type block ``<A><C>_<MMAin><ACC>_<EPI>`` (or ``<A><C>_<ACC>_<EPI>``): the math type is
    the third token; an integer accumulator (i32) means the math ran on the integer inputs."""
    a, _c, third = m.group(1), m.group(2), m.group(3)
    if third == "i32":
        return dtype(a)
    if m.group(4) is None:
        # Three-token form <A><C>_<ACC>_<EPI> (gemv, first-layer convs): no MMA-input token, so
        # the operands' own type is the math type (f16f16_f32_f16 + hmma is FP16 math). Without
        # MMA (a SIMT gemv), FP16 operands are converted to an FP32 accumulator: mixed, as
        # cublas_gemv_io reads the same kernels in demangled form.
        if dtype(a) in ("fp16", "bf16") and dtype(third) == "fp32" and not MMA_WORD.search(_text):
            return "mixed"
        return dtype(a)
    return dtype(third)


MMA_WORD = re.compile(r"(?i:[hiw]mma|gmma)|tensor\d+x\d+x\d+|tensorop")


def first_group_dtype(m: re.Match[str], _text: str) -> str | None:
    return dtype(m.group("dt"))


def cutlass3x_types(m: re.Match[str], text: str) -> str | None:
    """CUTLASS 3.x ``gemm_<A>_<B>_<Acc>_<C>_<D>``: A and B are the MMA operands. A math type
    written on the op (``tensorop_tf32gemm``) is the MMA type; FP32 operands of a ``tensorop``
    kernel are multiplied as TF32, since Tensor Cores have no FP32 MMA."""
    if m.group("math"):
        return dtype(m.group("math"))
    found = _one_or_mixed([m.group("a"), m.group("b")])
    if found == "fp32" and _TENSOROP.search(text):
        return "tf32"
    return found


def nvjet_types(m: re.Match[str], _text: str) -> str | None:
    """nvjet ``<A/B><C><compute>`` letter code: h = FP16, t = BF16 (community reading). Other
    letters are not documented, so they stay unknown."""
    return {"h": "fp16", "t": "bf16"}.get(m.group("code")[0])


def bmm_types(m: re.Match[str], _text: str) -> str | None:
    """TRT-LLM ``bmm_<Out>_<A><B>_<Acc>``: the A/B operand types decide."""
    return _one_or_mixed(re.findall(r"[A-Z][a-z0-9]+", m.group("ab")))


_ATTN_TOKENS = re.compile(r"(?<![a-z0-9])(fp16|bf16|int8|e4m3|e5m2|e2m1|fp8|f16|f32|f8|"
                          r"half_t|bfloat16_t)(?![a-z0-9])")


def attention_tokens(_m: re.Match[str], text: str) -> str | None:
    """Attention names spell their operand types (``fp16``, ``kv_e2m1``, ``qk_int8_sv_f8``): one
    type -> that type, several -> mixed."""
    return _one_or_mixed(_ATTN_TOKENS.findall(text))


def xmma_traits(m: re.Match[str], _text: str) -> str | None:
    return {"hmma": "fp16", "hmma_bf16": "bf16", "hmma_tf32": "tf32", "imma": "int8"}[m.group("k")]


# ATen lambdas as demangled by c++filt ({lambda(float)#1}) and by nsys ([lambda(float) (instance 1)]).
_LAMBDA_ARG = re.compile(r"[{\[]lambda\(([^)]*)\)")


def template_first_float(_m: re.Match[str], text: str) -> str | None:
    """First floating/int8 type among lambda, template and pointer arguments; a name whose arguments are
    only index types (int, long, bool) does no floating-point math: ``none``. ATen lambdas
    (``{lambda(float)#1}``, ``[lambda(float) (instance 1)]``) name the element type, so they are
    read first."""
    body = VALUE_CASTS.sub("", text)
    for args in _LAMBDA_ARG.findall(body):
        f = TEMPLATE_FLOAT.search(args)
        if f:
            return dtype(f.group(1))
    # Template arguments first; then parameters, pointers before scalars: a kernel's data comes
    # through pointers, and a float scalar beside them is a coefficient (alpha, eps, a scale).
    _head, targs, params = signature(body)
    pointers = [p for p in params or () if p.endswith(("*", "&"))]
    scalars = [p for p in params or () if not p.endswith(("*", "&"))]
    f = None
    for part in (", ".join(targs or ()), ", ".join(pointers), ", ".join(scalars), body):
        f = TEMPLATE_FLOAT.search(part)
        if f:
            break
    if f:
        found = dtype(f.group(1)) or dtype(f.group(1).split("::")[-1])
        # Beside 8-bit unsigned data (pixels, FP8 storage, bytes) a float may be a scale or
        # weight rather than the data: the name cannot tell which.
        return None if found == "fp32" and _BYTE_DATA.search(body) else found
    # A lambda's parameter is its loop index (Kokkos's ParallelFor<{lambda(int)#1}>, ATen's
    # gpu_kernel lambdas): its captures, the data, do not show, so it says nothing of index work.
    if (("<" in body or "(" in body) and TEMPLATE_INDEX.search(_LAMBDA_ARG.sub("", body))
            and not _opaque_params(body)):
        # 8-bit unsigned data may be image pixels, FP8 storage or raw bytes, and a template whose
        # arguments are unresolved parameters ('k<T1>(T1*)') may be of any type: the name cannot tell.
        unresolved = bool(targs) and all(re.fullmatch(r"T\d*", t) for t in targs or ())
        return None if _BYTE_DATA.search(body) or unresolved else "none"
    return None


_BYTE_DATA = re.compile(r"unsigned char|\buchar\d?\b|\buint8_t\b")


ANON_NS = re.compile(r"\((?:anonymous|anon) namespace\)::")
_OPAQUE_PARAM = re.compile(r"^(?:const\s+)?void\s*(?:const\s*)?\*|^[\w:]*(?i:params?|args)\s*[&*]?$")


def _split_top(s: str) -> list[str]:
    """Comma-separated items of a template or parameter list, at its top nesting level."""
    items, level, cur = [], 0, ""
    for c in s:
        level += (c in "<(") - (c in ">)")
        if c == "," and level == 0:
            items.append(cur.strip())
            cur = ""
            continue
        cur += c
    return items + [cur.strip()] if cur.strip() else items


def signature(text: str) -> tuple[str, list[str] | None, list[str] | None]:
    """The kernel's identifier, its template arguments and its parameters (None where the name
    has no such list): ``k<float, 3>(int, double const*)`` -> ``k``, [float, 3], [int, double const*]."""
    s = ANON_NS.sub("", text).strip()
    cut = min((i for i in (s.find("<"), s.find("(")) if i >= 0), default=len(s))
    head, rest, targs = s[:cut].strip(), s[cut:], None
    if rest.startswith("<"):
        level = 0
        for i, ch in enumerate(rest):
            level += (ch == "<") - (ch == ">")
            if level == 0:
                targs, rest = _split_top(rest[1:i]), rest[i + 1:].strip()
                break
        else:
            return head, None, None
    if not (rest.startswith("(") and rest.endswith(")")):
        return head, targs, None
    return head, targs, _split_top(rest[1:-1])


def _opaque_params(text: str) -> bool:
    """Whether a top-level parameter hides the data type: ``void*`` or a parameter struct
    (``cask_cudnn::FirstLayerFwdParams``, ``StoreKVCacheParams``) that carries the data
    pointers. Index-typed parameters and templates whose type arguments show hide nothing."""
    params = signature(text)[2]
    return any(_OPAQUE_PARAM.search(p) for p in params or ())


# A parameter of a plain FP32/FP64/integer type: scalars, pointers and references to them, CUDA's
# float/double vectors, and template parameters (T1) whose arguments are themselves plain.
_PLAIN_PARAM = re.compile(
    r"^(?:(?:const|volatile|unsigned|signed|__restrict__|__restrict)\s+)*"
    r"(?:float|double|int|long|long long|long int|short|bool|size_t|ptrdiff_t|u?int(?:32|64)_t|"
    r"__int64|float[234]|double[234]|unsigned|T\d+|"
    # Julia (CUDA.jl): scalars and device arrays of FP32/FP64/integer elements
    r"Float32|Float64|U?Int(?:32|64)|Bool|CuDeviceArray<(?:Float32|Float64|U?Int(?:32|64)|Bool), \d+, \d+>)"
    r"(?:\s+(?:int|long|const|__restrict__|__restrict))*"
    r"(?:\s*(?:const|__restrict__|__restrict)?\s*[*&]+\s*(?:const|__restrict__|__restrict)?)*\s*(?:const)?$")
_PLAIN_TARG = re.compile(r"^(?:(?:unsigned |signed |long )*(?:int|long|short|bool|float|double|size_t)|"
                         r"(?:\((?:unsigned |signed )*(?:int|long|bool|short)\))?-?\d+[uUlL]*|true|false|"
                         r"(?:unsigned )?int=-?\d+|bool=[01])$")
# Words that say a matrix product, convolution or attention, or name a library with MMA kernels:
# such a kernel may issue TF32/FP64 MMA from float/double pointers.
_MMA_CAPABLE = re.compile(r"(?i)gemm|matmul|mat_?mul|matrix|multiply|mma|conv|attn|atten|dot|tensor|"
                          r"cublas|cudnn|cutlass|cute|xmma|flash|fmha|marlin|nvjet|(?<![a-z])mm|mm_|bmm|"
                          r"linear|dense|fc_|_fc|mlp|lstm|gru|rnn")


def plain_params(_m: re.Match[str], text: str) -> str | None:
    """``cuda_core`` for a hand-written kernel whose every parameter is a plain FP32/FP64/integer
    scalar or pointer, whose template arguments are plain types or numbers, and whose identifier
    names no matrix product, convolution or attention (``srad(float, int, ..., float*)``,
    ``k_nonbonded<float>(int, double const*, ...)``): MMA takes 16/8-bit fragments, or TF32/FP64
    ones that only GEMM-like code builds; None when any part could hide that."""
    head, targs, params = signature(text)
    if not params or _MMA_CAPABLE.search(head):
        return None
    if any(not _PLAIN_TARG.match(t) for t in targs or ()):
        return None
    if targs is None and any(re.search(r"\bT\d+\b", p) for p in params):
        return None
    return "cuda_core" if all(_PLAIN_PARAM.match(p) for p in params) else None


def simt_accumulate(_m: re.Match[str], text: str) -> str | None:
    """``mixed`` for a CUDA-core convolution whose template spells 16-bit data and a float
    compute type (``winograd3x3Kernel<__half, float, ...>``): without MMA the 16-bit operands are
    converted to FP32 for the FFMA math, as documented for CUDA-core 16-bit kernels."""
    targs = signature(VALUE_CASTS.sub("", text))[1]
    found = {dtype(f) for f in TEMPLATE_FLOAT.findall(", ".join(targs or ()))}
    return "mixed" if found & {"fp16", "bf16"} and "fp32" in found else None


_FUSER_TENSOR = re.compile(r"Tensor<\s*([^,<>]+?)\s*,")


def fuser_pointwise_types(_m: re.Match[str], text: str) -> str | None:
    """nvFuser pointwise kernel: its ``Tensor<dtype, ...>`` arguments are the inputs and outputs;
    one float type is the data type, two are a conversion fused with the elementwise ops (mixed)."""
    kinds = [dtype(t.split("::")[-1]) for t in _FUSER_TENSOR.findall(ANON_NS.sub("", text))]
    floats = {k for k in kinds if k and k != "int8"}
    if len(floats) > 1:
        return "mixed"
    return floats.pop() if floats else None


def template_conversion(_m: re.Match[str], text: str) -> str | None:
    """Reformat/permutation kernels: the template lists source and destination types; two types
    mean a conversion (``mixed``). copyVectorizedKernel's first type is the copy word, not data."""
    body = VALUE_CASTS.sub("", text)
    body = re.sub(r"copyVectorizedKernel<\s*\w+\s*,", "copyVectorizedKernel<", body)
    # cuDNN nchwToNhwcKernel<In, Out, Compute, ...>: the third type is the alpha/beta scale type.
    io = re.search(r"(?:nchwToNhwc|nhwcToNchw)Kernel<([^,<>]+),([^,<>]+),\s*(?:float|double)\s*,", body)
    if io:
        found = [TEMPLATE_FLOAT.search(g) for g in io.groups()]
        return _one_or_mixed([f.group(1) for f in found if f])
    lt = body.find("<")
    if lt < 0:
        return None
    return _one_or_mixed([w for w in TEMPLATE_FLOAT.findall(body[lt:])])


_GEMV_IO = re.compile(r"cublasGemvTensor\w*<\s*(?:const )?(\w+)")


_FA3_ELEMENT = re.compile(r"(?<![A-Za-z0-9])(half_t|bfloat16_t|float_e4m3_t|float_e5m2_t)(?![A-Za-z0-9])")


def fa3_element(_m: re.Match[str], text: str) -> str | None:
    """FlashAttention-3 ``CollectiveMainloopFwdSm90<stages, cluster, tile, hdimV, Element, ElementAccum,
    ...>``: the first element type is the Q/K/V operand type. Later type slots (the accumulator,
    and in newer builds a trailing auxiliary type) are not operands, so they are not read."""
    f = _FA3_ELEMENT.search(text)
    return dtype(f.group(1)) if f else None


def flashinfer_qkv(m: re.Match[str], _text: str) -> str | None:
    """FlashInfer ``KernelTraits<..., PosEncodingMode, DTypeQ, DTypeKV, DTypeO, DTypeQKAccum, IdType>``:
    Q and KV are the MMA operands (an FP8 KV cache with BF16 Q is ``mixed``); O and the
    accumulator are not read."""
    return _one_or_mixed([m.group("q").split("::")[-1], m.group("kv").split("::")[-1]])


_COPY_DST = {"bfloat16": "bf16", "float8": "fp8"}


def aten_typed_copy(m: re.Match[str], text: str) -> str | None:
    """ATen ``<dst>_copy_kernel_cuda`` fast paths (bfloat16_copy_kernel_cuda, float8_copy_kernel_cuda)
    write the type in their name; the lambda argument is the source element type. Different types
    = a cast (``mixed``)."""
    dst = _COPY_DST[m.group("dst")]
    args = _LAMBDA_ARG.findall(text)
    # Without a lambda (a mangled name read by demangle_light) the type after the name is the source.
    src = TEMPLATE_FLOAT.search(args[0]) if args else TEMPLATE_FLOAT.search(text, m.end())
    if not src:
        return None
    s = dtype(src.group(1)) or dtype(src.group(1).split("::")[-1])
    return dst if s == dst else "mixed"


# (nsys cuts names: 'triton_per_fused_add_native_la' is still a native_layer_norm.)
_INDUCTOR_NORM = re.compile(r"_native_(?:layer|group|batch)_norm|_batch_norm_legit|_native_l(?:a(?:y(?:e(?:r(?:_n?)?)?)?)?)?$|"
                            r"(?=.*_(?:mean|var|var_mean)(?:_|$))(?=.*_rsqrt(?:_|$))")


def fmha_trtllm_types(m: re.Match[str], _text: str) -> str | None:
    """TRT-LLM fmha kernel names spell their operand types in CamelCase after the role:
    ``QkvE4m3OBfloat16`` (Q, K, V in E4M3, output BF16), ``QE4m3KvE2m1OBfloat16``. Q and KV are
    the MMA operands; the output type is not."""
    if m.group("qkv"):
        return dtype(m.group("qkv"))
    return _one_or_mixed([m.group("q"), m.group("kv")])


def operand_list(m: re.Match[str], _text: str) -> str | None:
    """An ``<A>x<B>[x<C>]`` operand-type list (``bf16xbf16xmxfp4``): one type -> it, several ->
    mixed."""
    return _one_or_mixed(m.group("l").split("x"))


_CAST_T = r"float|half|bf16|bfloat16|fp16|fp32|hfp8|fp8|int8|nvfp4|fp4"
_LOW_PRECISION = {"fp8", "fp4", "int8", "int4"}
# ggml block-quantized types: q4_0/q4_1/q4_K hold 4-bit integers, q8_0/q8_1 8-bit ones.
GGML_QUANT = {"4": "int4", "8": "int8"}
_GGML_TYPE = re.compile(r"(?<![A-Za-z])i?q([48])_(?:[01]|K)(?![a-z0-9])")
# A low-precision type word; case-sensitive edges, so that CamelCase 'NVFP4Quantize' reads NVFP4.
_LOW_WORD = re.compile(r"(?<![a-z])(?i:(fp8|fp4|nvfp4|mxfp\d|int8|int4|e4m3|e5m2))(?![a-z0-9])")
_TENSOROP = re.compile(r"(?<![A-Za-z])tensorop")


def simt_letter(m: re.Match[str], _text: str) -> str:
    return {"s": "fp32", "h": "fp16", "d": "fp64", "c": "fp32"}[m.group("l")]


def quant_cast_type(_m: re.Match[str], text: str) -> str:
    """The low-precision type a quantize or dequantize kernel writes or reads: spelled in the
    identifier (cast_to_fp8) or a template argument (cast_back_impl<__nv_fp8x2_e4m3>). A float
    among the arguments is the input, output or scale type, so without a low-precision type the
    answer is unknown."""
    words = _LOW_WORD.findall(text) + [GGML_QUANT[q] for q in _GGML_TYPE.findall(text)]
    words += TEMPLATE_FLOAT.findall(text)
    found = {d for w in words if (d := dtype(w)) is not None and d in _LOW_PRECISION}
    return found.pop() if len(found) == 1 else "unknown"


def gemm_type_word(_m: re.Match[str], text: str) -> str | None:
    """A GEMM whose name spells one low-precision type and no other float type: that type. With a
    16/32-bit float type too, the other rules (or unknown) decide."""
    low = {dtype(w) for w in _LOW_WORD.findall(text)}
    if len(low) != 1 or TEMPLATE_FLOAT.search(text):
        return None
    return low.pop()


def xformers_unit(m: re.Match[str], _text: str) -> str | None:
    """``AttentionKernel<Element, cutlass::arch::SmXX, ...>``: half/bfloat16 on Sm70 or later run
    the Tensor Core path; a float element may run SIMT or TF32, so it is not read."""
    if dtype(m.group("t")) in ("fp16", "bf16") and int(m.group("sm")) >= 70:
        return "tensor_core"
    return None


def cast_template(m: re.Match[str], _text: str) -> str | None:
    """``cast<In, Out, ...>``: different types (integer ones included) are a conversion."""
    a, b = (g.split("::")[-1].replace("const", "").strip() for g in (m.group("a"), m.group("b")))
    kinds = [dtype(t) or ("int" if TEMPLATE_INDEX.fullmatch(t) else None) for t in (a, b)]
    if None in kinds:
        return None
    return "mixed" if kinds[0] != kinds[1] else kinds[0]


def splitk_reduce_types(_m: re.Match[str], text: str) -> str | None:
    """cuBLAS ``splitKreduce_kernel<..., Tpartial, Tc, Tscale, Td, ...>``: the partial sums, C and
    D types (the third float type is the alpha/beta scale); FP32 partials written to BF16 D are a
    conversion (mixed)."""
    types = [t for t in signature(text)[1] or () if dtype(t.replace("const ", "").strip())]
    if len(types) < 2:
        return None
    data = types[:2] + types[3:4]
    return _one_or_mixed([t.replace("const ", "").strip() for t in data])


_ELEMENTWISE_OPS = frozenset({"add", "sub", "mul", "div", "neg", "exp", "log", "sqrt", "rsqrt", "pow",
                             "relu", "gelu", "silu", "sigmoid", "tanh", "erf", "where", "clamp", "abs",
                             "reciprocal", "unsqueeze", "squeeze", "view", "reshape", "expand",
                             "type", "as", "to", "lt", "gt", "eq", "ne", "le", "ge", "max", "min",
                             "minimum", "maximum", "rsub"})


def cupy_types(m: re.Match[str], _text: str) -> str | None:
    """Vocabulary precision from CuPy's dtype list (``copy__complex64_complex64`` = fp32)."""
    floats, ints = set(), False
    for word in m.group("types").split("_"):
        if re.fullmatch(r"u?int\d+|bool", word):
            ints = True
        elif dtype(word):
            floats.add(dtype(word))
        else:
            return None  # not a dtype list we can read
    if not floats:
        return "none"
    return floats.pop() if len(floats) == 1 and not ints else "mixed"


def cupy_op(m: re.Match[str], _text: str) -> str:
    op = m.group("op")
    if op in ("copy", "astype"):
        return "reformat"
    return "reduction" if op in CUPY_REDUCTIONS else "pointwise"


# The op rule id of "the name cannot tell" (classifier.OP_DEFAULT): op_class has no unknown.
OP_CANT_TELL = "op.default"


def window_cannot_tell(_m: re.Match[str], _text: str) -> tuple[str, str, str]:
    """A thrust window_iterator functor: stops the op rules below (its ``Functor`` is not an
    elementwise op) with the can't-tell answer."""
    return ("other", OP_CANT_TELL, "a functor over a 2-D window (thrust window_iterator): the name "
            "does not say what it computes")


def torchscript_fused(_m: re.Match[str], text: str) -> str | None:
    """``fused_add_gelu``: a TorchScript (NNC/nvFuser) fusion group lists its ops; when all are
    elementwise (views and broadcasts included) the kernel is pointwise."""
    ops = [t for t in text[len("fused_"):].split("_") if t]
    return "pointwise" if ops and all(t in _ELEMENTWISE_OPS for t in ops) else None


def cast_copy(m: re.Match[str], _text: str) -> str | None:
    """ATen ``<src>to<dst>_copy_kernel`` casts: two different types = a conversion (mixed)."""
    return _one_or_mixed([m.group("src"), m.group("dst")])


# Words of Inductor's fused-op lists (aten op names split at '_'). Views, casts and the extern
# kernels a Triton kernel feeds or reads (addmm, convolution, flash attention) compute nothing in
# it; the indexing ops move data.
_INDUCTOR_NEUTRAL = frozenset({"to", "copy", "view", "unsafe", "unsqueeze", "squeeze", "expand", "clone",
                               "permute", "transpose", "t", "as", "strided", "reshape", "alias", "split",
                               "unbind", "with", "sizes", "nd", "constant", "empty", "like", "addmm",
                               "mm", "bmm", "baddbmm", "convolution", "scaled", "dot", "product", "flash",
                               "efficient", "attention", "cudnn", "fmha", "v3", "fwd"})
_INDUCTOR_INDEXING = frozenset({"cat", "stack", "pad", "index", "gather", "embedding", "slice", "select"})


def _inductor_words(text: str) -> tuple[list[str], bool]:
    """The fused-op words of ``triton_<kind>_fused_<ops>_<n>``, and whether the list is whole (a
    name cut before its number may hide more ops)."""
    body = re.sub(r"^triton_(?:poi|red|per)_(?:fused_)?", "", text.rstrip(CUT))
    whole = not text.endswith(CUT) and bool(re.search(r"_\d+$", body))
    return [w for w in re.sub(r"_\d+$", "", body).split("_") if w], whole


def inductor_kind(m: re.Match[str], text: str) -> str:
    """TorchInductor names its Triton kernels ``triton_<kind>_fused_<aten ops>_<n>``. The kind
    settles the class: ``poi`` is pointwise, unless its whole op list is indexing (cat, stack,
    constant_pad_nd, slice) with views and casts: then a concatenation or pad, gather_scatter
    (``transpose`` and ``addmm`` there are index arithmetic and neighbours). ``red``/``per``
    (persistent) reduce; a reduction that fuses a norm op, a mean/var with rsqrt, or the mean of
    a square (``mean_pow``: RMS norm's statistic) computes normalization statistics, and an
    abs-max with a clamp and a cast (``abs_clamp_max_..._to_copy``) is a dynamic quantize."""
    words, whole = _inductor_words(text)
    if m.group("k") == "poi":
        moves = set(words) & _INDUCTOR_INDEXING
        only_moves = all(w in _INDUCTOR_NEUTRAL or w in _INDUCTOR_INDEXING for w in words)
        return "gather_scatter" if whole and moves and only_moves else "pointwise"
    seen = set(words)
    if {"abs", "clamp", "copy"} <= seen and seen & {"max", "amax"}:
        return "quantize"
    if _INDUCTOR_NORM.search(text) or ({"mean", "pow"} <= seen and "loss" not in seen):
        return "normalization"
    return "reduction"


# The conversion must be the whole right-hand side: TensorAssignOp<TensorMap<..>, TensorConversionOp<..>>.
_EIGEN_CAST = re.compile(r"TensorAssignOp<(?:Eigen::)?TensorMap<[^<>]*<[^<>]*>[^<>]*>\s*,\s*"
                         r"(?:Eigen::)?TensorConversionOp<\s*([\w: ]+?)\s*,\s*(?:Eigen::)?TensorMap<"
                         r"(?:Eigen::)?Tensor<\s*([\w: ]+?)(?:\s+const)?\s*,")


# Eigen expression ops (``Tensor<Name>Op<``) that are not the assignment or a view.
_EIGEN_OP = re.compile(r"Tensor(\w+?)Op<")
_EIGEN_VIEWS = frozenset({"Assign", "EvalTo", "ForcedEval", "Reshaping", "Layout", "Ref"})
_EIGEN_OUTER: dict[str, str] = {
    "Padding": "gather_scatter", "Slicing": "gather_scatter", "StridingSlicing": "gather_scatter",
    "Concatenation": "gather_scatter", "Chipping": "gather_scatter", "Reverse": "gather_scatter",
    "Shuffling": "permutation", "Conversion": "reformat",
}


def eigen_op(_m: re.Match[str], text: str) -> tuple[str, str, str] | None:
    """Eigen ``EigenMetaKernel<TensorEvaluator<TensorAssignOp<lhs, rhs>>>``: the expression tree
    names the work. A reduction anywhere in it (``TensorReductionOp``, ``TupleReducer`` = argmax)
    dominates; a contraction or convolution is a matrix product; otherwise the outermost op of the
    right-hand side decides (padding/slicing/concatenation copy parts of tensors, shuffling
    permutes, a conversion casts), and coefficient-wise, broadcasting and select ops are
    pointwise."""
    if re.search(r"TensorContractionOp<", text):
        return "gemm", "op.eigen.contraction", "Eigen TensorContractionOp: a matrix product"
    if re.search(r"TensorConvolutionOp<", text):
        return "convolution", "op.eigen.convolution", "Eigen TensorConvolutionOp"
    if re.search(r"TensorReductionOp<|TupleReducer|TensorScanOp<", text):
        return ("reduction", "op.eigen.reduction",
                "Eigen expression with a TensorReductionOp/TupleReducer/TensorScanOp (cumsum): a reduction")
    ops = [o for o in _EIGEN_OP.findall(text) if o not in _EIGEN_VIEWS]
    if not ops:
        return None
    outer = _EIGEN_OUTER.get(ops[0])
    if ops[0] == "Conversion" and not _EIGEN_CAST.search(text):
        outer = None    # a cast of a computed expression: the expression is the work
    if outer:
        return outer, "op.eigen.outer", f"outermost Eigen expression op Tensor{ops[0]}Op: {outer}"
    return ("pointwise", "op.eigen.pointwise",
            f"outermost Eigen expression op Tensor{ops[0]}Op: coefficient-wise (pointwise)")


def eigen_cast(m: re.Match[str], _text: str) -> str | None:
    """Eigen ``TensorConversionOp<Dst, TensorMap<Tensor<Src const, ...>>>``: a cast of stored
    data; different types = a conversion (``mixed``)."""
    dst, src = m.group(1).strip(), m.group(2).strip()
    if dst == src:
        return dtype(dst) or ("none" if TEMPLATE_INDEX.fullmatch(dst) else None)
    return "mixed"


def cublas_gemv_io(_m: re.Match[str], text: str) -> str | None:
    """cuBLAS gemv/gemmk1: the first template argument is the compute type, the
    cublasGemvTensor<T> wrappers the I/O types; I/O differing from compute = mixed."""
    f = TEMPLATE_FLOAT.search(VALUE_CASTS.sub("", text))
    io = {dtype(t) for t in _GEMV_IO.findall(text)} - {None}
    compute = dtype(f.group(1)) if f else None
    if compute and io and io != {compute}:
        return "mixed"
    return compute


def nccl_type(m: re.Match[str], text: str) -> str:
    """NCCL names end in the element type. Collectives that only move data (Broadcast, AllGather,
    SendRecv, AllToAll) are built once, as int8_t byte copies (NCCL's device sources instantiate
    them with FuncCopy on int8_t), so their byte type says nothing of the data: ``none``. A
    reducing collective (AllReduce, Reduce, ReduceScatter) adds elements of its type, int8 too."""
    t = re.search(r"_(int8_t|uint8_t|i8|u8|float|half|bfloat16|double|f32|f16|bf16|f64)(?![a-z0-9])", text)
    if not t:
        # NCCL 2.19+ names its byte-copy kernels without a type (ncclDevKernel_AllGather_RING_LL)
        moves = re.search(r"(?i)broadcast|all_?gather|send|recv|all_?to_?all", text)
        return "none" if moves and not re.search(r"(?i)reduce", text) else "unknown"
    if t.group(1) in ("int8_t", "uint8_t", "i8", "u8"):
        return "int8" if re.search(r"(?i)reduce", text) else "none"
    return dtype(t.group(1)) or "unknown"


# --------------------------------------------------------------------------- Myelin op tokens
# Myelin names list the fused ops as capitalised tokens: 10.x four letters (Tran, Resh, Cast,
# Mean...), 8.x three letters (Tra, Res, Cas, Mea...). Both are reduced to three letters.
MYELIN_NAME = re.compile(r"^__myl_(?:bb\d+_\d+_)?(?P<ops>[A-Z][A-Za-z]*)")
MOVEMENT = frozenset({"Tra", "Res", "Mov", "Cop"})

# (id, condition, op_class, reason). Conditions: "any" and "also" (one of these tokens present),
# "all" (every one present), "only" (no token outside this set), "none" (none of these present),
# "one_of" (exactly one of these present), "min" ({token: count}). An empty op_class means the
# tokens cannot tell: the Myelin rule gives no answer (op.default).
MYELIN_OP_RULES: list[tuple[str, dict, str, str]] = [
    ("op.myelin.gemm", {"any": {"Gem", "Fc", "Mm", "Bmm", "Mat"}}, "gemm",
     "Myelin fused a matrix multiply (Gemm/Fc/Mm token)"),
    ("op.myelin.quantize", {"all": {"Rou"}, "any": {"Cas", "Min", "Max", "Flo"}}, "quantize",
     "scale, clamp, Round then Cast = (dynamic) quantization"),
    ("op.myelin.softmax", {"all": {"Sub", "Exp", "Sum"}}, "reduction",
     "max-subtract, Exp, Sum = softmax (counted as reduction)"),
    ("op.myelin.norm_mean", {"min": {"Mea": 2}}, "normalization",
     "two Means (mean and mean of squares) = LayerNorm/BatchNorm statistics"),
    ("op.myelin.norm_mean_sub", {"all": {"Mea", "Sub", "Mul"}}, "normalization",
     "Mean, Sub, Mul = centring and scaling: a normalization"),
    ("op.myelin.norm_sqrt", {"all": {"Sqr", "Div"}}, "normalization",
     "Sqrt then Div = dividing by a standard deviation: a normalization"),
    ("op.myelin.norm_sum", {"min": {"Sum": 2}, "all": {"Div", "Sub"}}, "normalization",
     "Sum/Div (a mean), Sub (centring) and a second Sum (of squares): LayerNorm statistics"),
    ("op.myelin.reduce", {"any": {"Maxr", "Minr", "Top", "Sum", "Mea", "Arg", "Red"},
                          "only": {"Maxr", "Minr", "Max", "Min", "Top", "Sum", "Mea", "Arg", "Red",
                                   "Div", "Mul", "Add", "Sub", "Res", "Tra", "Cas", "Mov"}}, "reduction",
     "a reduction token (Maxr, Topk, Sum, Mean) with only elementwise/movement ops around it"),
    ("op.myelin.max_alone", {"one_of": {"Max", "Min"}, "only": MOVEMENT | {"Max", "Min", "Cas"}}, "",
     "a bare Max or Min: an elementwise max or a max reduction, the name cannot tell"),
    ("op.myelin.slice_math", {"any": {"Sli"}, "none": {"Con", "Gat", "Iot", "Sca", "Rep", "Pad"},
                              "also": {"Mul", "Add", "Sub", "Div"}}, "pointwise",
     "Slices feeding elementwise arithmetic: the slices are views, the work is pointwise"),
    ("op.myelin.gather", {"any": {"Sli", "Con", "Gat", "Iot", "Sca", "Rep", "Pad"}}, "gather_scatter",
     "Slice/Concat/Gather/Iota/Repl tokens: indexing and copying parts of tensors"),
    ("op.myelin.permute", {"any": {"Tra"}, "only": MOVEMENT}, "permutation",
     "only Transpose/Reshape/Move tokens with a Transpose: a data permutation"),
    ("op.myelin.cast", {"any": {"Cas"}, "only": MOVEMENT | {"Cas"}}, "reformat",
     "only Cast plus movement tokens: a type conversion"),
    ("op.myelin.move", {"only": MOVEMENT}, "reformat", "only Move/Reshape/Copy tokens: a copy"),
    ("op.myelin.pointwise", {}, "pointwise",
     "elementwise tokens only (Add, Mul, Silu, Exp, Cast...): a fused pointwise kernel"),
]


def myelin_tokens(name: str) -> list[str] | None:
    m = MYELIN_NAME.match(name)
    if not m:
        return None
    ops = re.sub(r"_?(?:com_vec|Etc)$", "", m.group("ops"))
    # 'Maxr'/'Minr' (reduce) keep their r: a bare Max/Min is the elementwise op (a clip).
    return [t if t in ("Maxr", "Minr") else t[:3] for t in re.findall(r"[A-Z][a-z]*", ops) if t != "Etc"]


def myelin_op(tokens: list[str]) -> tuple[str, str, str] | None:
    """(op_class, rule id, reason) from Myelin op tokens, via MYELIN_OP_RULES; None when the
    tokens cannot tell."""
    s = set(tokens)
    for rid, cond, op, reason in MYELIN_OP_RULES:
        if any(k in cond and not (s & cond[k]) for k in ("any", "also")):
            continue
        if "all" in cond and not cond["all"] <= s:
            continue
        if "only" in cond and not s <= cond["only"]:
            continue
        if "none" in cond and s & cond["none"]:
            continue
        if "one_of" in cond and len(s & cond["one_of"]) != 1:
            continue
        if "min" in cond and any(tokens.count(t) < n for t, n in cond["min"].items()):
            continue
        return (op, rid, reason) if op else None
    raise AssertionError("the last Myelin rule matches everything")


def myelin_op_value(_m: re.Match[str], text: str) -> tuple[str, str, str] | None:
    toks = myelin_tokens(text)
    return myelin_op(toks) if toks else None


def myelin_cast_precision(_m: re.Match[str], text: str) -> str | None:
    """A Myelin kernel of only Cast and movement ops converts between types: ``mixed``."""
    toks = myelin_tokens(text)
    if toks and "Cas" in toks and set(toks) <= MOVEMENT | {"Cas"}:
        return "mixed"
    return None


# --------------------------------------------------------------------------- copies
MEMCPY_RULES: list[Rule] = [
    R("copy.memset", r"^\[?(?:CUDA )?memset\b", "memset",
      "nsys names driver memsets '[CUDA memset]' (and 'Memset (...)' in stats): no SM kernel", re.I),
    R("copy.julia_memset", r"^\[set (?:device|unified|host) memory\]$", "memset",
      "CUDA.jl's profiler names driver memsets '[set device memory]': no SM kernel"),
    R("copy.julia_memcpy", r"^\[copy (?:pageable|pinned|device|host|unified) to (?:pageable|pinned|device|host|unified) memory\]$",
      "memcpy", "CUDA.jl's profiler names copy-engine copies '[copy pageable to device memory]'"),
    R("copy.memcpy", r"^\[?(?:CUDA )?memcpy\b", "memcpy",
      "nsys names copy-engine copies '[CUDA memcpy HtoD]' / '[CUDA memcpy Host-to-Device]' / "
      "'Memcpy HtoD (Pinned -> Device)': not an SM kernel", re.I),
]

# --------------------------------------------------------------------------- unit
# TensorRT detection plugins: box decoding, anchors, NMS, RoI sampling (op_class plugin).
BOX_PLUGINS = (r"NMS|cropAndResize|[Rr]oi[Aa]lign|[Pp]roposal|[Rr]egion[A-Z_]|gridAnchor|"
               r"DetectionOutput|[Pp]riorBox|[Pp]yramidROI")

# cuFFT's own kernels and helpers: CUDA cores. Their op stays unknown (op.default): torch.fft, PME
# and FFT convolutions all run them, and the name cannot tell which (cuDNN's FFT-convolution
# kernels are fft2d_r2c..., read as convolution).
CUFFT = (r"(?<![A-Za-z])(?:regular|vector|prime|composite_2way|regular_bluestein)_fft(?:_factor)?<|"
         r"pack(?:R2C|C2R)_kernel|unpack(?:R2C|C2R)_kernel|real_complex_args_t|generate_chirp_signal<|"
         r"scale_conjugate<")
# Bookkeeping kernels: index values, counts, descriptors and memory checks, no data math.
# (MoE routing 'HistogramScores' kernels also score and select experts, so they are not here.)
# Case-sensitive with the spellings seen (a case-insensitive alternation is several times slower).
# cuDNN/TensorRT convolution kernels and helpers written for CUDA cores (unit.cudnn_simt_conv).
SIMT_CONV = (r"[wd]grad_alg\d|dgrad_engine|[wd]grad2d|convolve_|fusedConvolution|[Ww]inograd|_wngd_|"
             r"fft(?:[123]d)?[_<]|first_layer_fwd|" + CUFFT + r"|[Ii]m2d?2?[Cc]ol|conv2d_grouped_direct|"
             r"[Dd]epthwise|flip_filter")
BOOKKEEPING = (r"redzone|precompute\w*indices|[Hh]istogram(?![Ss]cores)|dispatch_layout|count_expert|"
               r"compute_position|unique\w*indices|routingIndices(?!HistogramScores)|tensormaps?(?![a-z])|"
               r"(?<![A-Za-z])(?:cu)?(?:[Mm]emset|MEMSET)(?![a-z])|moe_align_block_size|zero_mem(?:ory)?(?![a-z])|(?:intra|inter)node::\w*notify")
# A cast to a low-precision type with scales: quantization (DeepSeek per_token_cast_to_fp8,
# vLLM scaled_fp8_quant, cast_back = dequantize).
QUANT_CAST = (r"cast_to_(?:fp8|fp4|nvfp4|mxfp\d|int8|int4)|(?:^|_|::)to_fp8|"
              r"per_(?:token|channel|tensor|block|group)_cast|cast_back|fp8_quant|quant_fp8")
# FlashAttention-2/3 backward helpers around the MMA kernels.
FA_BWD_DOT = r"FlashAttnBwdPreprocess|flash_bwd_dot_do_o"
FA_BWD_CONVERT = r"FlashAttnBwdPostprocessConvertd|flash_bwd_convert_d"
FA_BWD_CLEAR = r"flash_bwd_clear_dkvaccum"
FA_BWD_HELPERS = "|".join((FA_BWD_DOT, FA_BWD_CONVERT, FA_BWD_CLEAR))
# GEMMs of quantized weights with 16-bit activations (Marlin, TRT-LLM/FasterTransformer fpA_intB).
MIXED_INPUT_GEMM = r"(?i:marlin)|GemmFpAIntB|fpA_intB"
# A TorchScript fusion group of autocast casts only; a cast kernel's template <In, Out, ...>.
AUTOCAST_GROUP = r"^fused__autocast_to__\d+$"
CAST_TEMPLATE = r"(?:^|::)[Cc]ast(?:Kernel)?<"
# Libraries whose own kernels never use MMA, read from the kernel's outermost namespace (a thrust
# type inside another kernel's template says nothing); CuPy prefixes its generated kernels.
# OpenCV's device types (cv::cuda::PtrStepSz, cv::cudev::GlobPtr) are taken by OpenCV's own
# kernels only, whose namespace the profiler may print short (row_filter::linearRowFilter).
NO_MMA_LIBRARY = r"^(?:\w+::)?(?:thrust|cub|cv)::|^cupy_|(?<![\w:])cv::(?:cuda|cudev)::"
# triton_kernels' matmuls ('_matmul_ogs_NNT_bf16xbf16xmxfp4_...', '_matmul_NN_f16xf16_...') spell
# their operand types after the layout: a 16- or 8-bit float A operand means tl.dot on MMA.
TRITON_LOW_BIT_MATMUL = r"(?<![A-Za-z])matmul(?:_ogs)?_[NT]+_(?:bf16|fp16|f16|fp8|e4m3|e5m2|mxfp8)x"
# CuPy's generated kernels: 'cupy_<ufunc>__<dtype>_<dtype>...' (inputs, then outputs).
CUPY_NAME = re.compile(r"^cupy_(?P<op>[a-z0-9_]+?)__(?P<types>[a-z0-9_]+)$")
CUPY_REDUCTIONS = frozenset({"sum", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "mean",
                             "var", "std", "all", "any", "nansum", "nanprod", "count_nonzero"})

UNIT_RULES: list[Rule] = [
    # 1. CUDA-core markers win.
    R("unit.inductor_kind", r"^triton_(?:poi|red|per)_", "cuda_core",
      "Inductor pointwise/reduction Triton kernels are generated loops without tl.dot (its matmuls "
      "are triton_tem templates or extern calls); 'fmha'/'mm' in the fused-op list name neighbours"),
    R("unit.ffma", r"_ffma(?:_|$)", "cuda_core", "'_ffma' = FP32 fused multiply-add on CUDA cores"),
    R("unit.simt", r"(?:^|[_:])simt(?:_|$)", "cuda_core", "'simt' = CUDA-core (SIMT) math path"),
    R("unit.xmma_pooling", r"xmma_pooling", "cuda_core",
      "pooling has no matrix multiply ('IMMA' in a pooling name is the INT8 data layout)"),
    R("unit.attn_bwd_helpers", FA_BWD_HELPERS, "cuda_core",
      "FlashAttention backward pre/post-processing (rowwise dot(dO, O), dQ/dKV accumulator "
      "conversion, accumulator clearing): elementwise and row reductions, no MMA"),
    R("unit.sm5x_sm6x", r"(?<![A-Za-z0-9])sm[56]\d_", "cuda_core",
      "an sm50/sm60-family kernel is built for Maxwell/Pascal ISA, which has no MMA instructions "
      "(TensorRT's sm50_xmma_convolution_depthwiseHMMA included: 'HMMA' there names the FP16 "
      "layout, as 'IMMA' does in pooling names, and depthwise kernels run on CUDA cores)"),
    R("unit.maxwell_pascal", r"(?:^|_)(?:kepler|maxwell|pascal)_|(?<![A-Za-z])fermi[A-Z]", "cuda_core",
      "fermi/kepler/maxwell/pascal kernel families predate Tensor Cores"),
    R("unit.splitkv_combine", r"splitkv_combine", "cuda_core",
      "split-KV combine is a log-sum-exp reduction of partial outputs, no MMA"),
    R("unit.attn_prepare", r"flash::prepare_\w+", "cuda_core",
      "FlashAttention-3 prepare kernels count tiles/splits for the scheduler (index work), no MMA"),
    R("unit.xmma_f32_types", r"xmma\w*?_f32f32_f32_f32(?=_|$)", "cuda_core",
      "xmma type block of FP32 operands with no tf32 token: FP32 FFMA math (TensorRT spells its "
      "TF32 Tensor Core kernels tf32f32_tf32f32)"),
    R("unit.legacy_no_shape", r"(?:^|_)(?:s|h|d|c|z|gc|i)(?:gemm|cudnn)(?=[_<(]|$|Ex)", "cuda_core",
      "legacy cuBLAS/cuDNN name without an MMA shape (sgemm, hcudnn, icudnn int8x4 DP4A, gcgemm)"),
    # 2. Tensor Core evidence.
    R("unit.mma_token", r"tensor\d+x\d+x\d+|sptensor|warpgroupsize|gmmastage|cgasize|"
      r"(?i:[hiw]mma|[hiw]?gmma|tcgen05|tiledmma|mmaatom)|(?<![A-Za-z])(?:bs)?tensorop|"
      r"(?:OpClass|Mma|Wmma|Iterator)TensorOp|TensorOp(?:Multiplicand|Policy)",
      "tensor_core",
      "MMA instruction token (tensorMxNxK, hmma/imma/wmma, gmma, warpgroupsize, CUTLASS tensorop "
      "and its TensorOp classes; 'TensorOp' inside another word, as in SubTensorOpWithScalar, is not one)"),
    R("unit.legacy_shape", r"(?:^|_)[hsid](?:884|1688|16816|8816|16832|8832|1684|161616|\d+x\d+x\d+)"
      r"(?:tf32)?(?:gemm|cudnn|fprop|dgrad|wgrad)", "tensor_core",
      "legacy/CUTLASS MMA shape (h884, s1688, h16816, i8816, i16832...) = Tensor Core instruction"),
    R("unit.xmma_mma_types", rf"(?<![a-z0-9]){_T}{_T}_(?:bf16|tf32|f16|i8|e4m3|e5m2|e2m1){_T}_{_T}(?=_|$)",
      "tensor_core",
      "xmma type block whose MMA input is a Tensor Core type (f16/bf16/tf32/i8/fp8); CUDA-core "
      "variants carry _ffma/_simt (likely when the name is truncated before the MMA token)"),
    R("unit.xmma_mma_types_cut", XMMA_TYPES_CUT, xmma_cut_unit,
      "xmma type block cut by a table after its MMA input token, which is a Tensor Core type"),
    R("unit.tc_family", r"nvjet_|fmha|fused_multihead_attention|(?<![a-z])flash(?:_fwd|_bwd|::|_attn)|"
      r"FlashAttention|_sdpa_|_gemm_mha|mha_v2|bmm_\w+_sm1\d\d|qk_int8_sv|flex_attention|"
      r"BlockScaled\w*Gemm|(?:Batch|Single)PrefillWith|nvfuser_matmul_f\d|" + TRITON_LOW_BIT_MATMUL + "|"
      + MIXED_INPUT_GEMM, "tensor_core",
      "a kernel family that is built on Tensor Core MMA (nvjet, fmha, flash, cuDNN SDPA, "
      "Myelin gemm_mha, TRT-LLM bmm, block-scaled GEMM, FlashInfer prefill, Marlin mma.sync "
      "dequantizing GEMMs, nvFuser's matmul scheduler, triton_kernels matmul_ogs on 16/8-bit "
      "operands, whose tl.dot lowers to MMA on every NVIDIA GPU Triton supports)"),
    # 3. Other known CUDA-core families that compute.
    R("unit.cudnn_simt_conv", SIMT_CONV,
      "cuda_core",
      "hand-written cuDNN/TensorRT convolution helpers (direct, Winograd, FFT, im2col, depthwise) "
      "use FFMA, not MMA"),
    R("unit.no_mma_library", NO_MMA_LIBRARY, "cuda_core",
      "thrust, CUB, OpenCV's CUDA modules and CuPy's generated kernels are generic algorithms "
      "(transform, sort, scan, elementwise, reductions) and image kernels written without MMA "
      "instructions; their matrix products are cuBLAS calls, which have names of their own"),
    R("unit.nvfuser_scheduler", r"nvfuser_(?P<s>pointwise|reduction|\w*persistent|transpose|resize)_f\d",
      "cuda_core", "nvFuser names a kernel after its scheduler: the pointwise, reduction, "
      "persistent (normalization/softmax), transpose and resize schedulers emit no MMA (only the "
      "matmul scheduler does)"),
    R("unit.eigen_meta", r"EigenMetaKernel", "cuda_core",
      "Eigen expression kernels evaluate coefficient-wise and reduction expressions with plain "
      "arithmetic (Eigen's contractions are other kernels)"),
    R("unit.xformers_attention", r"AttentionKernel<\s*(?:cutlass::)?(?P<t>\w+)\s*,\s*cutlass::arch::Sm(?P<sm>\d+)",
      xformers_unit, "CUTLASS memory-efficient attention (xformers): 16-bit elements on Sm70+ use "
      "Tensor Core MMA; other element types are left to the name's other tokens"),
    R("unit.box_plugins", BOX_PLUGINS, "cuda_core",
      "detection plugins (box decoding, anchors, NMS, RoIAlign, proposals) compare, sort and "
      "index: no MMA (a plugin of unknown kind stays unknown)"),
    R("unit.compiler_offload", r"\$_omp_fn\$|__omp_offloading_|^[a-z_]\w*_\d+_gpu(?:__red)?$", "cuda_core",
      "a compiler-generated OpenMP target region, or an OpenACC compute region as NVHPC/PGI names "
      "it ('<routine>_<line>_gpu'): compilers lower loops to plain arithmetic, never to MMA "
      "instructions (matrix products go to cuBLAS, with names of their own)"),
    R("unit.kokkos", r"^Kokkos::", "cuda_core",
      "a Kokkos kernel: a ParallelFor/Reduce/Scan body is a lambda or functor that the compiler "
      "lowers to plain arithmetic (Kokkos has no MMA API; its BLAS calls cuBLAS), or one of "
      "Kokkos's runtime kernels (locks, deep copies)"),
    R("unit.cublas_simt", r"gemv|cublasGemv|gemmSN|gemmk1|gemmSmallN|scal_kernel|splitKreduce|magma_\w*gemm|"
      r"(?<![A-Za-z_])dot_kernel<|(?<![A-Za-z])(?:csr|coo|bsr)mv_|[Ss]p[Mm][Vv](?![a-z])",
      "cuda_core", "cuBLAS matrix-vector, small-N/k=1 GEMM and split-K helpers, and cuSPARSE's sparse "
      "matrix-vector products (csrmv, SpMV: memory-bound gathers) are SIMT kernels"),
]
# Unit rules tried last, after unit.non_mma_op (whose op-class reason is more specific).
UNIT_FALLBACK_RULES: list[Rule] = [
    R("unit.plain_params", r"\(", plain_params,
      "hand-written kernel whose parameters are all plain FP32/FP64/integer scalars and pointers "
      "and whose name says no matrix product, convolution or attention: no MMA operands"),
]
# Kernel identifiers that launch a functor or expression given in their template arguments: the
# op is read from the whole name for them (classifier._op_class).
LAUNCHER_HEAD = re.compile(r"(?:^|::)(?:\w*elementwise_kernel\w*|elementwise_kernel_with_index|"
                           r"kernelPointwiseApply\d*|EigenMetaKernel|[Kk]ernel\d*|device_kernel|"
                           r"\w*_grid_stride_kernel)$")
# Unit rule applied after op_class: these classes never use MMA instructions.
# 'plugin' is not here: a plugin of unknown kind may run anything (GEMM and attention plugins
# exist); the detection plugins get their unit from unit.box_plugins. 'other' counts only when a
# rule chose it (index helpers, offsets, loss), never the op.default fallback.
NON_MMA_OPS = frozenset({"reformat", "permutation", "pointwise", "normalization", "reduction",
                         "pooling", "resize", "quantize", "gather_scatter", "communication",
                         "memset", "other"})

# --------------------------------------------------------------------------- precision
PRECISION_RULES: list[Rule] = [
    R("prec.offsets", r"compute\w*Offsets|(?i:compute_\w*pointers)", "none",
      "offset tables for implicit GEMM, pointer arrays for batched GEMM: index math"),
    R("prec.cub_index", r"cub::(?:\w+::)*Device\w*(?:Sort|Scan|Compact|Select|Histogram)", "none",
      "CUB device-wide sort/scan/compact: index work"),
    R("prec.nccl", r"nccl", nccl_type,
      "NCCL names end in the element type; Broadcast/AllGather/SendRecv are built once as int8_t "
      "byte copies (none), a reducing collective on int8_t adds int8 elements"),
    R("prec.bookkeeping", BOOKKEEPING, "none",
      "bookkeeping kernel (histograms and counts of indices, positions, TMA descriptors, memsets, "
      "buffer checks): no floating-point math"),
    R("prec.autocast", AUTOCAST_GROUP, "mixed",
      "TorchScript fusion group of autocast casts only: a dtype conversion"),
    R("prec.fa_bwd_convert", FA_BWD_CONVERT, "mixed",
      "FlashAttention backward: FP32 dQ/dKV accumulators converted to the 16-bit output type"),
    R("prec.ggml_mmq", r"(?<![A-Za-z])mul_mat_q(?![a-z0-9])|(?<![A-Za-z])mmq(?!_ids)", "int8",
      "llama.cpp MMQ: activations quantized to q8_1, multiplied with int8 dot products"),
    R("prec.marlin", MIXED_INPUT_GEMM, "mixed",
      "Marlin and fpA_intB GEMMs multiply quantized weights (int4/int8/fp8) with 16-bit activations"),
    R("prec.cutlass_simt", r"cutlass_simt_(?P<l>[shdc])(?:gemm|fprop|dgrad|wgrad)", simt_letter,
      "CUTLASS 2.x SIMT kernel: the letter before the op is the math type (s = FP32, h = FP16, "
      "d = FP64, c = complex FP32)"),
    R("prec.xmma_types", XMMA_TYPES, xmma_math_type,
      "xmma/cask type block: the third token is the math (MMA input) type"),
    R("prec.xmma_types_cut", XMMA_TYPES_CUT, xmma_cut_math_type,
      "xmma type block cut by a table after its third token, the math (MMA input) type "
      "('tf32f32_tf32f3...' = TF32; 'f16f16_f3...' could be an accumulator and is not read)"),
    R("prec.hmma_first_layer", rf"_(?P<dt>{_T}){_T}{_T}_", first_group_dtype,
      "first-layer hmma kernel '<in><filter><acc>' block: the input type"),
    R("prec.cutlass3x", rf"cutlass3x_\w*?(?:_|[a-z]?\d+x\d+x\d+)(?P<math>tf32|bf16|f16)?(?:gemm|fprop|dgrad|wgrad)_"
      rf"{_SCALED}(?P<a>{_T})_{_SCALED}(?P<b>{_T})_", cutlass3x_types,
      "CUTLASS 3.x element tokens after the op: A and B operand types (a block-scaled operand "
      "'ue4m3xe2m1' is E2M1 data with UE4M3 scale factors, '64x128f32xe4m3' E4M3 data with FP32 "
      "scales per 64x128 block); a math type on the op ('tf32gemm') is the MMA type"),
    R("prec.legacy_imma", r"(?:^|_)i(?:8816|16832|8832|\d+x\d+x\d+)(?:gemm|cudnn|fprop|dgrad|wgrad)",
      "int8", "integer MMA shape (i8816, i16832) = INT8 Tensor Core math"),
    R("prec.legacy_io_token", r"^(?=.*(?:^|_)[hsi](?:884|1688|16816|8816|16832|1684|161616|\d+x\d+x\d+)"
      r"(?:tf32)?(?:gemm|cudnn|fprop|dgrad|wgrad)).*?_(?P<dt>bf16|fp16|f16|tf32|int8|s8|e4m3|e5m2)(?=_|$)",
      first_group_dtype, "legacy/CUTLASS name with an MMA shape and an explicit element token"),
    R("prec.legacy_h_shape", r"(?:^|_)h(?:884|1688|16816|161616|\d+x\d+x\d+)(?:gemm|cudnn|fprop|dgrad|wgrad)",
      "fp16", "'h' accumulator with an MMA shape and no other element token: FP16 MMA"),
    R("prec.legacy_s1688_tf32", r"(?:^|_)s(?:1688|1684)(?:tf32)?(?:gemm|cudnn|fprop|dgrad|wgrad)",
      "tf32", "FP32-accumulate 16x8x8 MMA with no FP16/BF16 element token = TF32 (Ampere+)"),
    R("prec.legacy_fp16_sgemm", r"(?:^|_)fp16_s(?:gemm|cudnn)", "mixed",
      "'fp16_sgemm': FP16 storage, FP32 FFMA math"),
    R("prec.legacy_int8x4", r"int8x4|(?:^|_)i(?:gemm|cudnn)(?=[_<(]|$)", "int8",
      "int8x4 / icudnn = INT8 DP4A math"),
    R("prec.legacy_s", r"(?:^|_)(?:s|c|gc)(?:gemm|cudnn)(?=[_<(]|$|Ex)", "fp32",
      "legacy 's'/'c' (single, complex single) GEMM/conv without an MMA shape = FP32 math"),
    R("prec.legacy_h", r"(?:^|_)h(?:gemm|cudnn)(?=[_<(]|$)", "fp16", "legacy 'h' GEMM/conv = FP16 math"),
    R("prec.legacy_d", r"(?:^|_)(?:d|z)(?:gemm|cudnn)(?=[_<(]|$)", "fp64", "legacy 'd'/'z' = FP64 math"),
    R("prec.nvjet", r"nvjet_(?:sm\d+_)?(?P<code>[a-z]{3})_", nvjet_types,
      "nvjet type letters: h = FP16, t = BF16"),
    R("prec.bmm", r"bmm_(?:Mx)?[A-Z][A-Za-z0-9]*_(?P<ab>(?:(?:Mx)?[A-Z][a-z]*\d+[a-z]*\d*)+)_", bmm_types,
      "TRT-LLM bmm: the A/B type token (E2m1 = FP4, E4m3 = FP8; Mx = microscaled)"),
    R("prec.fmha_trtllm", r"fmha\w*?_(?:Qkv(?P<qkv>[A-Z][a-z]*\d+(?:m\d)?)|Q(?P<q>[A-Z][a-z]*\d+(?:m\d)?)"
      r"Kv(?P<kv>[A-Z][a-z]*\d+(?:m\d)?))O[A-Z]", fmha_trtllm_types,
      "TRT-LLM fmha: Q/K/V operand types spelled after their role (QkvE4m3, QE4m3KvE2m1)"),
    R("prec.sdpa_16bit", r"_sdpa_\w*_f16", "unknown",
      "cuDNN SDPA 'f16' names the 16-bit family; the same kernel runs for BF16"),
    R("prec.flashinfer", r"PosEncodingMode\)\d+,\s*(?P<q>[\w:]+),\s*(?P<kv>[\w:]+),", flashinfer_qkv,
      "FlashInfer kernel traits: the Q and KV element types follow the PosEncodingMode"),
    R("prec.fa3_element", r"FlashAttn\w*Sm\d+|CollectiveMainloopFwdSm\d+", fa3_element,
      "FlashAttention-3 template: the first element type is the Q/K/V operand type"),
    R("prec.attention", r"fmha|(?<![a-z])flash(?:_fwd|_bwd|::|_attn|_decod)|FlashAttention|_mha|multihead|"
      r"attention|attn|_sdpa_", attention_tokens,
      "attention names spell their operand types"),
    R("prec.myelin_cast", r"^__myl_", myelin_cast_precision, "Myelin Cast-only kernel = conversion"),
    R("prec.imma_word", r"(?<![A-Za-z])k?IMMA(?![a-z])", "int8", "IMMA = integer (INT8) MMA"),
    R("prec.chw2", r"[Nn]chhw2|CHW2", "fp16", "CHW2 (NC/2HW2) is TensorRT's FP16-only vectorized layout"),
    R("prec.chw4", r"[Nn]cqhw4|(?<![A-Za-z])CHW(?:4|32)(?!\d)|NC(?:4|32)HW(?:4|32)", "int8",
      "CHW4 (NC/4HW4) and CHW32 are TensorRT's INT8 vectorized layouts"),
    R("prec.quantize", QUANT_CAST + r"|[Qq]uant(?!ile)|QUANT", quant_cast_type,
      "quantize/dequantize (a scaled cast): the low-precision type, from the name or its template "
      "(as labels.csv has _FP8rowwise_to_float = fp8); unknown when only the input or scale type "
      "is spelled"),
    R("prec.named_cast", rf"(?i)(?<![a-z0-9])(?P<src>{_CAST_T})_to_(?P<dst>{_CAST_T})(?![a-z0-9])",
      cast_copy, "'<src>_to_<dst>' conversion: two types (mixed)"),
    R("prec.quant_word", r"(?:^|[_:])_?(?P<dt>NVFP4|FP8|FP4|E4M3|E2M1)(?=[A-Za-z_])", first_group_dtype,
      "quantization kernel names its low-precision type (NVFP4, FP8)"),
    R("prec.pool_format", r"xmma_pooling\w*?(?P<dt>FP16|FP32|INT8|IMMA|kHALF|kFLOAT|kINT8)",
      first_group_dtype, "TensorRT pooling names carry the tensor format type (FP16FP32NHWC, kHALF)"),
    R("prec.trt_dtype_word", r"(?<![A-Za-z0-9])sm\d+_(?:xmma|trt)\w*?(?P<dt>fp16|fp32|bf16|int8|FP16|FP32|BF16|INT8)",
      first_group_dtype, "TensorRT kernel name spelling its data type (fp32, FP16NHWC)"),
    R("prec.cublas_gemv", r"cublasGemvTensor", cublas_gemv_io,
      "cuBLAS gemv: compute type vs. I/O tensor types"),
    R("prec.conversion_template", r"genericReformat|copyPackedKernel|copyVectorizedKernel|"
      r"permutationKernel|[Nn]chwTo|[Nn]hwcTo", template_conversion,
      "reformat/permutation template lists source and destination types"),
    R("prec.xmma_traits", r"_(?P<k>hmma_bf16|hmma_tf32|hmma|imma)_\w*?traits", xmma_traits,
      "xmma Kernel_traits name the MMA: hmma = FP16 inputs (the suffix is the accumulator), imma = INT8"),
    R("prec.cutlass_element", r"(?<![A-Za-z0-9])(?P<dt>tfloat32_t|bfloat16_t|half_t|float_e4m3_t|"
      r"float_e5m2_t|float_e2m1_t)(?![A-Za-z0-9])", first_group_dtype,
      "CUTLASS element type in the template (tfloat32_t, half_t, bfloat16_t)"),
    R("prec.aten_typed_copy", r"(?P<dst>bfloat16|float8)_copy_kernel_cuda", aten_typed_copy,
      "ATen typed copy fast path: destination type in the name, source type in the lambda"),
    R("prec.operand_list", rf"(?<![a-z0-9])(?P<l>(?:{_OPERAND})(?:x(?:{_OPERAND})){{1,3}})_\d+x\d+",
      operand_list, "operand-type list '<A>x<B>[x<C>]' before the tile (bf16xbf16xmxfp4)"),
    R("prec.cast_copy", rf"(?P<src>bfloat16|float16|half|float32|float64|float|double)to(?P<dst>bfloat16|"
      rf"float16|half|float32|float64|float|double)_copy_kernel", cast_copy,
      "ATen '<src>to<dst>_copy_kernel' cast: source and destination types"),
    R("prec.type_suffix", rf"^[A-Za-z_][\w:]*?_(?P<dt>{_OPERAND}|bf16x2|f16x2)(?=[<(]|$)", first_group_dtype,
      "a kernel identifier ending in its element type (_bf16, _f16x2, bn_bw_..._fp16<...>)"),
    R("prec.eigen_cast", _EIGEN_CAST.pattern, eigen_cast,
      "Eigen TensorConversionOp of a stored tensor: destination and source element types"),
    R("prec.gemm_type_word", r"(?i)gemm|matmul", gemm_type_word,
      "a GEMM spelling one low-precision operand type (fp8_ptp128c::GemmKernel) and no 16/32-bit "
      "float type"),
    R("prec.cast_template", CAST_TEMPLATE + r"\s*(?P<a>[\w: ]+?)\s*,\s*(?P<b>[\w: ]+?)\s*[,>]",
      cast_template, "a cast kernel's template: source and destination types (int to float = mixed)"),
    R("prec.aten_reduce", r"ReduceOp<\s*(?:c10::)?(?P<dt>\w+)", first_group_dtype,
      "ATen ReduceOp<scalar_t, ops, index_t, out_scalar_t>: the input element type is first; "
      "the float accumulator of a half reduction comes later"),
    R("prec.cupy_types", CUPY_NAME.pattern, cupy_types,
      "CuPy kernel names end in their NumPy dtypes (complex64 = FP32 parts); two float types or "
      "an integer and a float = mixed, integers and bool only = none"),
    R("prec.splitk_reduce", r"splitKreduce_kernel<", splitk_reduce_types,
      "cuBLAS split-K reduction template: partial-sum, C and D types (the scale type aside); "
      "FP32 partials into a 16-bit D = a conversion"),
    R("prec.aten_distribution", r"(?:uniform|normal|bernoulli|exponential|random\w*|geometric|cauchy|"
      r"log_normal)_and_transform(?:<\s*|::)(?:c10::)?(?P<dt>\w+)(?![\w(])", first_group_dtype,
      "ATen random kernels: '<dist>_and_transform<scalar_t, accscalar_t>' names the output type "
      "first (the leading float of distribution_elementwise_grid_stride_kernel is the accumulator; "
      "a lightly demangled name spells it after '::')"),
    R("prec.fuser_pointwise", r"nvfuser_pointwise_f\d", fuser_pointwise_types,
      "nvFuser pointwise kernel: the element types of its Tensor arguments (two float types = a "
      "fused conversion, mixed)"),
    R("prec.simt_accumulate", SIMT_CONV, simt_accumulate,
      "CUDA-core convolution templated on 16-bit data and a float compute type: FP32 math on "
      "converted operands (mixed)"),
    R("prec.template", r"[<(]|(?<=::)(?:c10::|(?:Half|BFloat16|Float8_e4m3fn|Float8_e5m2)(?!\w))",
      template_first_float,
      "first float type among the template/lambda arguments (float, __half, c10::Half, double...)"),
]

# --------------------------------------------------------------------------- op_class
OP_RULES: list[Rule] = [
    R("op.communication", r"nccl|cross_device_reduce|[Aa]ll_?[Rr]educe|[Aa]ll_?[Gg]ather|[Rr]educe_?[Ss]catter|"
      r"[Aa]ll_?[Tt]o_?[Aa]ll|(?:intra|inter)node::\w*(?:dispatch|combine|notify)", "communication",
      "collective/point-to-point kernel (NCCL, custom all-reduce, expert-parallel "
      "dispatch/combine between GPUs)"),
    R("op.inductor_kind", r"^triton_(?P<k>poi|red|per)_", inductor_kind,
      "Inductor Triton kernel named by kind (poi/red/per): its fused-op list ('convolution', "
      "'addmm', 'transpose', 'flash_attention') names the ops whose index math or epilogue it "
      "fused, never a conv/GEMM/attention in Triton; a poi list of indexing ops only (cat, "
      "stack, constant_pad_nd) is a concatenation or pad; a reduction's norm, mean_pow or "
      "abs-max-clamp-cast ops make it normalization statistics or a quantize"),
    R("op.eigen", r"EigenMetaKernel<|Eigen::TensorEvaluator<", eigen_op,
      "Eigen expression kernel: its expression tree names the work"),
    R("op.memset_kernel", r"(?i)(?<![a-z])(?:cu)?memset(?![a-z])|zero_mem(?:ory)?(?![a-z])", "memset",
      "an SM kernel that only sets memory (a memset done by a kernel)"),
    R("op.splitk_reduce", r"splitkv_combine|splitK_?[Rr]educe|ReduceSplitK|reduce_wgrad",
      "reduction", "split-K / split-KV partial results summed after the main kernel"),
    R("op.fa_bwd_dot", FA_BWD_DOT, "reduction",
      "FlashAttention backward preprocess: rowwise dot(dO, O), a row reduction"),
    R("op.fa_bwd_convert", FA_BWD_CONVERT, "reformat",
      "FlashAttention backward postprocess: converts the FP32 dQ/dKV accumulator"),
    R("op.fa_bwd_clear", FA_BWD_CLEAR, "memset", "clears the dK/dV accumulators"),
    R("op.attn_prepare", r"flash::prepare_\w+", "other",
      "FlashAttention-3 prepare kernels count tiles and splits for the scheduler: index work"),
    R("op.attention", r"fmha|(?<![a-z])flash(?:_fwd|_bwd|::|_attn|_decod)|FlashAttention|_mha|"
      r"multihead|[Aa]ttention|_attn|^attn_|_sdpa_|qk_int8_sv|(?:Prefill|Decode)With\w*KVCache", "attention",
      "fused attention family (fmha, flash, mha, cuDNN SDPA, FlashInfer Prefill/DecodeWith..KVCache)"),
    R("op.myelin", r"^__myl_", myelin_op_value, "Myelin kernel: the op tokens in the name tell the class"),
    R("op.imma_tile", r"k[IH]MMA_V\d_TILE", "convolution",
      "TensorRT conv(+act+pool) tactic named by its IMMA/HMMA tile"),
    R("op.softmax", r"(?i)softmax|NormalizedProb", "reduction", "softmax (a row reduction, counted as reduction)"),
    R("op.offsets", r"compute\w*Offsets|(?i:compute_\w*pointers)", "other",
      "offset tables for implicit GEMM convolutions, pointer arrays for batched GEMM: index work"),
    R("op.reformat", r"genericReformat|copyPackedKernel|copyVectorizedKernel|[Nn]chwTo|[Nn]hwcTo|"
      r"(?:direct|bfloat16|float8)_copy_kernel|[Rr]eformat|to_copy_kernel|[a-z0-9]to[a-z0-9]+_copy_kernel|"
      r"(?<![A-Za-z])CopyOp<|(?<![a-z])_?copy_tensor_kernel|cuCastLayer|" + AUTOCAST_GROUP + "|"
      + CAST_TEMPLATE, "reformat",
      "layout/type conversion copy (TensorRT reformat, NCHW<->NHWC, ATen copy/cast)"),
    R("op.quant_cast", QUANT_CAST, "quantize",
      "scaled cast to a low-precision type (a transpose fused into it does not change the class)"),
    R("op.permutation", r"permutationKernel|(?<![A-Za-z])permute_|(?<!cublas)[Tt]ranspose|SwapDimension|"
      r"[Ss]huffle", "permutation",
      "transpose/permute kernel"),
    R("op.pooling", r"(?i)(?<!act_)pool|(?-i:(?:[Dd]ilate|[Ee]rode)(?![a-z]))", "pooling",
      "pooling kernel (a morphological dilate/erode is the max/min over a window: a stride-1 pooling)"),
    R("op.normalization", r"(?i)layer_?norm|batch_?norm|group_?norm|instance_?norm|rms_?norm|"
      r"(?:^|_|::)bn_(?:fw|bw)|GammaBeta|norm_kernel|rsqrt\w*(?:mean|norm)|mean\w*rsqrt|"
      r"(?:mean|var)\w*pow\w*rsqrt|[Mm]oments|RowwiseMoment|Compute(?:Backward)?FusedParams|"
      r"ComputeInternalGradients", "normalization",
      "normalization (batch/layer/group/RMS norm; Welford moments are its statistics)"),
    R("op.quantize", r"(?i)quantiz|dequant|_to_float|float_to_|fp8rowwise|qdq|(?<![a-z])quant(?![a-z])",
      "quantize",
      "quantize/dequantize kernel"),
    R("op.plugin", BOX_PLUGINS, "plugin",
      "TensorRT plugin kernel (NMS, crop-and-resize, RoIAlign, proposals)"),
    R("op.resize", r"(?i)resize|upsample|interpolat|nearest_?neighbo|bilinear|bicubic|pyr_?(?:down|up)|"
      r"warp_?(?:affine|perspective)|imgproc::warp<", "resize",
      "resize/upsample kernel (nearest-neighbour, bilinear, bicubic sampling)"),
    R("op.cub_reduce", r"cub::(?:\w+::)*Device\w*Reduce|cub::(?:Sum|Max|Min)(?![A-Za-z])", "reduction",
      "CUB device-wide (segmented) reduction, or a kernel given a CUB reduction operator"),
    R("op.moe_finalize", r"(?i)moe\w*::(?:\w+::)*finalize|finalize\w*moe|moe_?finalize", "reduction",
      "MoE finalize: the routing-weighted sum of each token's expert outputs"),
    R("op.index_helper", r"(?i)cub::(?:\w+::)*(?:Device|\w*Sort)|bounds_check|linearize_index|bucketize|offsets_range|"
      r"compute_cuda_kernel|ClassNLLCriterion|_loss|sort_?(?:post|pre)pro|(?<![a-z])fill_(?:reverse_)?ind(?:ex|ic|i$)|(?-i:" + BOOKKEEPING + ")", "other",
      "index/sort/scan helpers, bookkeeping (counts, histograms, TMA descriptors, buffer checks) "
      "and loss kernels: no op class of their own"),
    R("op.select", r"(?i)topk|argmax|argmin|bitonicSort|radixSort|sort_kernel|[a-z0-9]Select(?:Min|Max)|"
      r"(?:block|warp)_?select|"
      r"(?-i:(?<![A-Za-z])sort(?=[A-Z_\d]|$)|(?<=[a-z])Sort(?=[A-Z_\d<(]|$))", "reduction",
      "top-k/argmax/sort: a selection reduction (before gather: gatherTopK is a top-k)"),
    R("op.rope", r"(?i)rotary|(?<![a-z])m?rope(?![a-z])", "pointwise",
      "rotary position embedding (RoPE) is an elementwise rotation, not an embedding lookup"),
    R("op.bias_grad", r"(?i)bias_?grad", "reduction",
      "bias gradient: a sum over the batch and spatial axes"),
    R("op.gather", r"(?i)slice(?!d)|gather|scatter|masked_(?:fill|scatter|select)|[Ss]titch|(?:reshape|concat)_and_cache|kv_?cache|(?:kv|page)_indices|token_ids|(?<!with_)index(?!ed)|embedding|concat|CatArray|cat_copy|to_dense|"
      r"(?:^|_)pad(?:_|$)|PadKernel", "gather_scatter", "indexing, slicing, concatenation, embedding lookup"),
    R("op.convolution", r"(?i)conv(?!ert|ersion)|fprop|dgrad|wgrad|[a-z0-9]cudnn|winograd|_wngd_|fft[123]d|first_layer_fwd|"
      r"im2d?2?col|"
      r"implicit_gemm|flip_filter|linear(?:Row|Column)Filter|(?-i:[Gg]aussian_?[Bb]lur|[Ss]obel|[Ss]charr)",
      "convolution", "convolution kernel (fprop/dgrad/wgrad, implicit GEMM, cuDNN, Winograd, FFT "
      "and its filter flip)"),
    R("op.gemm", r"(?i)gemm|gemv|(?-i:[Mm]atrix_?[Mm]ul(?:tiply)?(?![a-z]))|(?<![a-z])(?:csr|coo|bsr)mv_|spmv(?![a-z])|nvjet|bmm_|matmul|_mm_|TiledMMA|marlin|mul_mat(?!_vec_q)|mul_mat_vec|"
      r"(?<![a-z])fused_moe_kernel", "gemm",
      "matrix multiply (GEMM/GEMV, sparse SpMV; Marlin is a dequantizing GEMM; vLLM/SGLang's Triton "
      "fused_moe_kernel is the grouped expert GEMM)"),
    R("op.reduction", r"(?i)reduce|reduction|SegmentOps|sum_kernel|norm_kernel|cumsum|cumprod|tensor_kernel_scan|scan_(?:innermost|outer)_dim|(?-i:(?:^|::)_?sum(?:_|$))",
      "reduction", "reduction kernel (one named for a sum: sum_rows)"),
    R("op.cupy", CUPY_NAME.pattern, cupy_op,
      "CuPy kernel named by its ufunc: copy = a layout/type copy, NumPy reductions = reduction, "
      "other ufuncs elementwise"),
    R("op.window_stencil", r"window_iterator", window_cannot_tell,
      "a functor applied over a 2-D window (thrust window_iterator): a stencil, not elementwise; "
      "what it computes (a filter, a resampling, a blend) is the functor's, which the name does "
      "not say unless it names dilate/erode, pyrDown or a filter"),
    R("op.torchscript_fused", r"^fused_[a-z_]+$", torchscript_fused,
      "TorchScript fusion group named by its ops: only elementwise ops = pointwise"),
    R("op.pointwise", r"(?i)elementwise|eltwise|pointwise|activation|relu|gelu|silu|sigmoid|tanh|"
      r"dropout|fill|act_and_mul|[Rr]andom_?[Gg]enerator|(?<![A-Za-z])distribution(?![a-z])|philox|"
      r"cub::(?:\w+::)*transform_kernel|(?<![a-z])tri[lu](?![a-z])|(?<![a-z])(?:true_)?divide(?![a-z])|op_tensor_kernel|swiglu|geglu|(?<![a-z])glu(?![a-z])|(?-i:Functor)|adam|scal_kernel|epilogue|op_generic_tensor|triton_poi_|clamp|"
      r"(?<![A-Za-z])[Bb]ias(?:_?add)?_?(?:NCHW|NHWC)?_?[Kk]ernel|scale\w*Tensor|"
      r"(?<![A-Za-z])(?:Add|Sub|Mul|Div)Tensor", "pointwise",
      "elementwise kernel (ATen TensorIterator, TensorRT eltwise/pointwise, activations, optimizers, "
      "random-number fills)"),
]

# --------------------------------------------------------------------------- vocabulary
# The words the classifier prints (docs/KERNEL_CLASSES.md, ../shared/kernels/README.md).
UNITS = frozenset({"tensor_core", "cuda_core", "none", "unknown"})
PRECISION_WORDS = frozenset({"fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "fp4", "int8", "int4",
                             "mixed", "none", "unknown"})
OP_CLASSES = frozenset({"gemm", "convolution", "attention", "reformat", "permutation", "pointwise",
                        "normalization", "reduction", "pooling", "resize", "quantize",
                        "gather_scatter", "memcpy", "memset", "plugin", "communication", "other"})

# --------------------------------------------------------------------------- conflicts
# Pairs of rules whose readings exclude each other. When the first decides and the second also
# reads a different definite value, the field is unknown (classifier._decide), with both reasons.
# Only unit and precision rules: op_class has no unknown (its can't-tell answer is op.default).
CONFLICTS: list[Conflict] = [
    Conflict("unit.ffma", "unit.mma_token",
             "an FFMA (CUDA-core) marker and an MMA instruction token in one name"),
    Conflict("unit.simt", "unit.mma_token",
             "a SIMT (CUDA-core) marker and an MMA instruction token in one name"),
    Conflict("unit.tc_family", "unit.cublas_simt",
             "a Tensor Core family word and a SIMT gemv/small-GEMM family word in one name"),
    Conflict("unit.tc_family", "unit.cudnn_simt_conv",
             "a Tensor Core family word and a SIMT convolution family word in one name"),
    Conflict("prec.legacy_s", "prec.template",
             "the 's' letter of a legacy name says FP32 math, its template arguments another data "
             "type (sgemm<__half, ...>: 16-bit storage, FP32 math, or FP16 data: the name cannot "
             "tell which the label means)"),
    Conflict("prec.legacy_h", "prec.template",
             "the 'h' letter of a legacy name says FP16 math, its template arguments another type"),
]

RULE_BY_ID: dict[str, Rule] = {r.id: r for t in (MEMCPY_RULES, UNIT_RULES, UNIT_FALLBACK_RULES,
                                                 PRECISION_RULES, OP_RULES)
                               for r in t}
CONFLICTS_OF: dict[str, list[Conflict]] = {}
for _c in CONFLICTS:
    CONFLICTS_OF.setdefault(_c.first, []).append(_c)
