"""Held-out corpus of real public TensorRT artefacts (see tests/heldout/README.md).

The files live outside the repository, under $TRTPROF_HELDOUT/files (default /work/heldout).
Every (file, fact) pair in tests/heldout/manifest.json is one test, so the results count facts.
A missing corpus or file is a clean skip.  A fact whose report field does not exist yet is an
xfail ("not reported"); a field that exists with the wrong value is a failure.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "heldout" / "manifest.json"
ROOT = Path(os.environ.get("TRTPROF_HELDOUT", "/work/heldout"))
FILES = ROOT / "files"
REL_TOL = 0.005          # 0.5 % for numbers read from the artefact
KERNEL_TOL = 0.01        # 1 % for profile totals compared in ns

ENTRIES = json.loads(MANIFEST.read_text(encoding="utf-8")) if MANIFEST.is_file() else []


class NotReported(Exception):
    """The report has no field for this fact (yet)."""


def _need(value, what):
    if value is None:
        raise NotReported(what)
    return value


def _perf(report):
    perf = report.get("performance")
    if not perf:
        raise NotReported("report['performance']")
    return perf


def _perf_median_ms(block):
    def get(report):
        b = _perf(report).get(block)
        if not b or b.get("median_ns") is None:
            raise NotReported(f"report['performance']['{block}']['median_ns']")
        return b["median_ns"] / 1e6
    return get


def _warnings(report):
    return [w.get("kind") for w in (_perf(report).get("warnings") or [])]


def _layer_names(report):
    return [layer.get("name") for layer in report.get("layers") or []]


def _trt_version(report):
    versions = [i.get("version") for i in report.get("inputs") or [] if i.get("version")]
    return _need(versions[0] if versions else None, "report['inputs'][i]['version']")


def _profile_layers(report):
    return _need((report.get("metrics") or {}).get("layer_count"), "report['metrics']['layer_count']")


def _myelin_layers(report):
    names = _layer_names(report)
    if not names:
        raise NotReported("report['layers']")
    return sum(1 for n in names if n and "{ForeignNode[" in n and not n.startswith("Reformatting"))


def _optimization_profiles(report):
    import re
    ks = {int(m.group(1)) for n in _layer_names(report) if n
          for m in [re.search(r"\[profile (\d+)\]\s*$", n)] if m}
    if not ks:
        raise NotReported("no '[profile k]' layer names in report['layers']")
    return max(ks) + 1


def _int8_calibration(report):
    build = report.get("build") or {}
    if build.get("int8_calibration"):
        return build["int8_calibration"]
    raise NotReported("report['build']['int8_calibration'] is unknown")


# fact kind -> function(report) -> value
ACCESSORS = {
    "trt_version": _trt_version,
    "gpu_name": lambda r: _need((r.get("gpu") or {}).get("name"), "report['gpu']['name']"),
    "throughput_qps": lambda r: _need(_perf(r).get("throughput_qps"), "report['performance']['throughput_qps']"),
    "latency_median_ms": _perf_median_ms("latency"),
    "gpu_compute_median_ms": _perf_median_ms("gpu_compute"),
    "enqueue_median_ms": _perf_median_ms("enqueue"),
    "h2d_median_ms": _perf_median_ms("h2d"),
    "d2h_median_ms": _perf_median_ms("d2h"),
    "perf_summaries": lambda r: _need(_perf(r).get("summaries"), "report['performance']['summaries']"),
    "trtexec_warning": _warnings,
    "profile_iterations": lambda r: _need((r.get("window") or {}).get("iterations"), "report['window']['iterations']"),
    "profile_layers": _profile_layers,
    "profile_total_ms": lambda r: _need((r.get("metrics") or {}).get("kernel_time_ns"), "report['metrics']['kernel_time_ns']") / 1e6,
    "engine_layers": lambda r: _need((r.get("metrics") or {}).get("layer_count"), "report['metrics']['layer_count']"),
    "optimization_profiles": _optimization_profiles,
    "int8_calibration": _int8_calibration,
    "myelin_layers": _myelin_layers,
    "has_layer": _layer_names,
}


def _matches(kind, expected, got):
    if kind == "trtexec_warning":
        return expected in got
    if kind == "has_layer":
        return expected in got
    if kind == "gpu_name":
        return isinstance(got, str) and expected in got
    if kind == "trt_version":
        g = str(got)
        return g == expected or g.startswith(expected + ".")
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):
        return got == expected
    if not isinstance(got, (int, float)):
        return False
    tol = KERNEL_TOL if kind == "profile_total_ms" else REL_TOL
    if expected == 0:
        return abs(got) < 1e-9
    return math.isclose(got, expected, rel_tol=tol)


def _path(entry) -> Path:
    return FILES / entry["file"]


def _skip_if_absent(entry):
    if not FILES.is_dir():
        pytest.skip(f"held-out corpus absent ({FILES}); set TRTPROF_HELDOUT")
    if not _path(entry).is_file():
        pytest.skip(f"{entry['file']} is absent")


@lru_cache(maxsize=None)
def _run(file_name: str):
    proc = subprocess.run([sys.executable, "-m", "trtprof", "analyze", str(FILES / file_name),
                           "--format", "json", "--no-progress"],
                          capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout, proc.stderr


def _check_run(entry):
    rc, out, err = _run(entry["file"])
    expect = entry.get("expect", "ok")
    if rc == 0:
        assert expect in ("ok", "ok-or-reject"), f"expected a rejection, got exit 0"
        return json.loads(out)
    err_lines = [line for line in err.strip().splitlines() if line.strip()]
    if rc == 2 and expect in ("reject", "ok-or-reject"):
        assert len(err_lines) == 1, f"rejection is not one line: {err_lines[-5:]}"
        return None
    pytest.fail(f"trtprof exit {rc} (expect={expect}): {' | '.join(err_lines[-3:])[:600]}")


def _ids(items):
    return [i[0] for i in items]


FILE_CASES = [(e["id"], e) for e in ENTRIES]
FACT_CASES = [(f"{e['split']}::{e['id']}::{f['fact']}#{k}", e, f)
              for e in ENTRIES for k, f in enumerate(e["facts"])]


@pytest.mark.parametrize("entry", [c[1] for c in FILE_CASES], ids=_ids(FILE_CASES))
def test_heldout_file_sha256(entry):
    _skip_if_absent(entry)
    data = _path(entry).read_bytes()
    assert len(data) == entry["bytes"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]


@pytest.mark.parametrize("entry", [c[1] for c in FILE_CASES], ids=_ids(FILE_CASES))
def test_heldout_file_runs(entry):
    _skip_if_absent(entry)
    _check_run(entry)


@pytest.mark.parametrize("entry,fact", [(c[1], c[2]) for c in FACT_CASES], ids=_ids(FACT_CASES))
def test_heldout_fact(entry, fact):
    _skip_if_absent(entry)
    report = _check_run(entry)
    if report is None:
        if entry.get("expect") == "ok-or-reject":
            pytest.xfail("rejected, which the manifest allows: the fact cannot be checked")
        pytest.fail("file was rejected, so the fact cannot be checked")
    kind = fact["fact"]
    assert kind in ACCESSORS, f"unknown fact kind {kind}"
    try:
        got = ACCESSORS[kind](report)
    except NotReported as e:
        pytest.xfail(f"not reported: {e}")
    if fact.get("known_gap"):
        # a gap we know of and said so: it must stay visible, and flag when it closes
        assert not _matches(kind, fact["value"], got), "known_gap now works: remove it"
        pytest.xfail(f"known gap: {fact['known_gap']}")
    assert _matches(kind, fact["value"], got), (
        f"{kind}: expected {fact['value']!r}, got {got if kind != 'has_layer' else str(got)[:300]!r}")
