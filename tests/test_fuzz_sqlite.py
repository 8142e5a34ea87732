"""Seeded corrupt-SQLite fuzzing (a fast subset; the long run is
``benchmarks/fuzz_sqlite.py --n 3000``): every damaged export gives SQLite's numbers or a
one-line refusal, never a crash, a hang or a different answer."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO, real_nsys_exports

FUZZER = REPO / "benchmarks" / "fuzz_sqlite.py"


def _fuzz(*args: str) -> subprocess.CompletedProcess:
    # a subprocess: the fuzzer forks per mutant, which a threaded pytest process must not do
    return subprocess.run([sys.executable, str(FUZZER), *args], capture_output=True, text=True,
                          timeout=300)


def test_corrupt_bundled_samples():
    res = _fuzz("--n", "60", "--seed", "11", "--bound-s", "30",
                "--corpus", str(REPO / "sample_traces"))
    assert res.returncode == 0, res.stdout + res.stderr
    summary = res.stdout.strip().splitlines()[-1]
    assert summary.startswith("60 corrupt exports") and "equal" in summary, summary


def test_corrupt_small_real_export():
    small = [p for p in real_nsys_exports() if p.stat().st_size < 1_000_000]
    if not small:
        pytest.skip("../shared/realdata is absent")
    res = _fuzz("--n", "30", "--seed", "12", "--bound-s", "30", "--corpus", str(small[0]))
    assert res.returncode == 0, res.stdout + res.stderr
