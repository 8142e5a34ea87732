"""The Itanium demangler (trtprof.classify.demangle) against c++filt's spelling.

The expected strings were printed by GNU c++filt (llvm-cxxfilt where GNU's is too old for
``DF16b``) for symbols of an invented C++ file compiled with g++, plus a few hand-made ones; the
last test compares with c++filt itself on every complete mangled name of the corpora when
c++filt and the corpora are present."""
from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from trtprof.classify.classifier import classify, normalize
from trtprof.classify.demangle import demangle
from conftest import REALDATA, SHARED

CASES = [
    ('_Z10arr_kernelIfLm256EEvSt5arrayIT_XT0_EEPFS1_S1_iERKS1_PKPS1_',
     'void arr_kernel<float, 256ul>(std::array<float, 256ul>, float (*)(float, int), float const&, float* const*)'),
    ('_Z10neg_kernelIfEv3TagILin5EET_S2_',
     'void neg_kernel<float>(Tag<-5>, float, float)'),
    ('_Z10vec_kernelPDv4_fi',
     'vec_kernel(float __vector(4)*, int)'),
    ('_Z11pack_kernelIJifPdEEvDpT_',
     'void pack_kernel<int, float, double*>(int, float, double*)'),
    ('_Z12scale_kernelI13__nv_bfloat16S0_Li8ELb0EEvPKT_PT0_flPKi',
     'void scale_kernel<__nv_bfloat16, __nv_bfloat16, 8, false>(__nv_bfloat16 const*, __nv_bfloat16*, float, long, int const*)'),
    ('_Z12scale_kernelI6__halffLi4ELb1EEvPKT_PT0_flPKi',
     'void scale_kernel<__half, float, 4, true>(__half const*, float*, float, long, int const*)'),
    ('_Z12scale_kernelIDF16_aLi2ELb0EEvPKT_PT0_flPKi',
     'void scale_kernel<_Float16, signed char, 2, false>(_Float16 const*, signed char*, float, long, int const*)'),
    ('_Z5plainiPfPKdmb',
     'plain(int, float*, double const*, unsigned long, bool)'),
    ('_Z9tt_kernelIf3TagEvT0_ILi3EET_',
     'void tt_kernel<float, Tag>(Tag<3>, float)'),
    ('_ZN12_GLOBAL__N_16anon_kEPfi',
     '(anonymous namespace)::anon_k(float*, int)'),
    ('_ZN2at6native18elementwise_kernelILi128ELi4EZNS0_6launchIdEEvRNS0_18TensorIteratorBaseET_EUldE_EEviT1_',
     'void at::native::elementwise_kernel<128, 4, at::native::launch<double>(at::native::TensorIteratorBase&, double)::{lambda(double)#1}>(int, at::native::launch<double>(at::native::TensorIteratorBase&, double)::{lambda(double)#1})'),
    ('_ZN2at6native18elementwise_kernelILi128ELi4EZNS0_6launchIfEEvRNS0_18TensorIteratorBaseET_EUlfE_EEviT1_',
     'void at::native::elementwise_kernel<128, 4, at::native::launch<float>(at::native::TensorIteratorBase&, float)::{lambda(float)#1}>(int, at::native::launch<float>(at::native::TensorIteratorBase&, float)::{lambda(float)#1})'),
    ('_ZN2at6native18elementwise_kernelILi64ELi2EZNS0_6launchIdEEvRNS0_18TensorIteratorBaseET_EUliE0_EEviT1_',
     'void at::native::elementwise_kernel<64, 2, at::native::launch<double>(at::native::TensorIteratorBase&, double)::{lambda(int)#2}>(int, at::native::launch<double>(at::native::TensorIteratorBase&, double)::{lambda(int)#2})'),
    ('_ZN2at6native18elementwise_kernelILi64ELi2EZNS0_6launchIfEEvRNS0_18TensorIteratorBaseET_EUliE0_EEviT1_',
     'void at::native::elementwise_kernel<64, 2, at::native::launch<float>(at::native::TensorIteratorBase&, float)::{lambda(int)#2}>(int, at::native::launch<float>(at::native::TensorIteratorBase&, float)::{lambda(int)#2})'),
    ('_ZN2at6native6launchIdEEvRNS0_18TensorIteratorBaseET_',
     'void at::native::launch<double>(at::native::TensorIteratorBase&, double)'),
    ('_ZN2at6native6launchIfEEvRNS0_18TensorIteratorBaseET_',
     'void at::native::launch<float>(at::native::TensorIteratorBase&, float)'),
    ('_ZN7cutlass6launchINS_4gemm9GemmShapeILi128ELi128ELi32EEEEEvNS_6KernelIT_E6ParamsEPS5_',
     'void cutlass::launch<cutlass::gemm::GemmShape<128, 128, 32> >(cutlass::Kernel<cutlass::gemm::GemmShape<128, 128, 32> >::Params, cutlass::gemm::GemmShape<128, 128, 32>*)'),
    ('_ZZN2at6native6launchIdEEvRNS0_18TensorIteratorBaseET_ENKUldE_clEd',
     'at::native::launch<double>(at::native::TensorIteratorBase&, double)::{lambda(double)#1}::operator()(double) const'),
    ('_ZZN2at6native6launchIdEEvRNS0_18TensorIteratorBaseET_ENKUliE0_clEi',
     'at::native::launch<double>(at::native::TensorIteratorBase&, double)::{lambda(int)#2}::operator()(int) const'),
    ('_ZZN2at6native6launchIfEEvRNS0_18TensorIteratorBaseET_ENKUlfE_clEf',
     'at::native::launch<float>(at::native::TensorIteratorBase&, float)::{lambda(float)#1}::operator()(float) const'),
    ('_ZZN2at6native6launchIfEEvRNS0_18TensorIteratorBaseET_ENKUliE0_clEi',
     'at::native::launch<float>(at::native::TensorIteratorBase&, float)::{lambda(int)#2}::operator()(int) const'),
    ('_Z1kIZ1hIfEvT_EUlvE_EvS1_',
     'void k<h<float>(float)::{lambda()#1}>(h<float>(float)::{lambda()#1})'),
    ('_Z1fIZ1gvEUlvE10_EvT_',
     'void f<g()::{lambda()#12}>(g()::{lambda()#12})'),
    ('_Z11rmsnorm_fwdIDF16bEvPT_S1_i',
     'void rmsnorm_fwd<std::bfloat16_t>(std::bfloat16_t*, std::bfloat16_t*, int)'),
    ('_Z13gemv2N_kernelIii6float2S0_S0_S0_Li128ELi8ELi4ELi4ELi1ELb0E16cublasGemvParamsI30cublasGemvTensorStridedBatchedIKS0_ES4_S2_IS0_ES0_EEvT11_',
     'void gemv2N_kernel<int, int, float2, float2, float2, float2, 128, 8, 4, 4, 1, false, cublasGemvParams<cublasGemvTensorStridedBatched<float2 const>, cublasGemvTensorStridedBatched<float2 const>, cublasGemvTensorStridedBatched<float2>, float2> >(cublasGemvParams<cublasGemvTensorStridedBatched<float2 const>, cublasGemvTensorStridedBatched<float2 const>, cublasGemvTensorStridedBatched<float2>, float2>)'),
]


@pytest.mark.parametrize("mangled,expected", CASES)
def test_demangle_matches_cxxfilt(mangled, expected):
    assert demangle(mangled) == expected


@pytest.mark.parametrize("bad", [
    "_ZN7cutlass13device_kernelINS_4gemm6kernel13GemmUniversalIN4cute5tupl",   # truncated
    "_Z3fooIiEvT0_",          # template parameter beyond the arguments
    "_Z3fooS_",               # substitution with nothing to substitute
    "_Z", "_Z3fo", "notmangled",
])
def test_demangle_gives_up_rather_than_guess(bad):
    assert demangle(bad) is None


def test_mangled_names_read_like_demangled_ones():
    # The rules see the same text for a mangled name as for what a profiler prints demangled.
    mangled = "_Z12scale_kernelI13__nv_bfloat16S0_Li8ELb0EEvPKT_PT0_flPKi"
    assert normalize(mangled) == normalize(demangle(mangled))
    assert classify(mangled).precision == "bf16"
    assert classify("_Z5plainiPfPKdmb").unit == "cuda_core"        # plain parameters
    # a truncated name still reads its identifiers (the light fallback)
    assert "GemmUniversal" in normalize("_ZN7cutlass13device_kernelINS_4gemm6kernel13GemmUniversalIN4cute5tupl...")


def _corpus_mangled() -> list[str]:
    names = set()
    paths = [SHARED / "kernels" / "labels.csv", Path(__file__).parent / "kernels_unseen" / "names.csv"]
    for p in paths:
        if p.exists():
            with p.open(newline="", encoding="utf-8") as f:
                names.update(r["name"] for r in csv.DictReader(f) if r["name"].startswith("_Z"))
    for f in sorted((REALDATA / "nsys").glob("*.sqlite")):
        con = sqlite3.connect(f"file:{f}?mode=ro", uri=True)
        try:
            names.update(v for (v,) in con.execute(
                "SELECT value FROM StringIds WHERE value LIKE '\\_Z%' ESCAPE '\\'"))
        finally:
            con.close()
    return sorted(names)


@pytest.mark.skipif(shutil.which("c++filt") is None, reason="c++filt not installed")
def test_demangle_agrees_with_cxxfilt_on_real_names():
    names = _corpus_mangled()
    if len(names) < 10:
        pytest.skip("corpora with mangled names not available")
    tools = [t for t in ("c++filt", "llvm-cxxfilt") if shutil.which(t)]
    checked = 0
    for n in names:
        mine = demangle(n)
        refs = {subprocess.run([t], input=n, capture_output=True, text=True).stdout.strip() for t in tools}
        refs.discard(n)                      # a tool that could not read it prints it back
        if mine is None or not refs:
            continue                          # truncated names: neither reads them whole
        assert mine in refs, n
        checked += 1
    assert checked >= 10
