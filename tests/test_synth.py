"""Tests for the synthetic nsys-schema trace generator and the committed sample traces."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from trtprof.testing import synth

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_traces"
from conftest import REALDATA

REAL = REALDATA / "nsys"
REAL_2025 = REAL / "trtexec_vgg16_fp32_rtx3080__nsys2025.3.2_export.sqlite"
NAMES = ["clean_fp16", "int8_fallbacks", "facenet_transpose"]


def _ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f"PRAGMA table_info({table})")]


def _tables(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _pid(gid: int) -> int:
    return (gid >> 24) & 0xFFFFFF


def _attribute(con: sqlite3.Connection) -> dict[str, list[int]]:
    """Innermost-range attribution, done independently of the generator: {layer: [count, ns]}."""
    names = dict(con.execute("SELECT id, value FROM StringIds"))
    ranges = [(s, e, tid, text if text is not None else names[tid_])
              for s, e, tid, text, tid_ in con.execute(
                  "SELECT start, end, globalTid, text, textId FROM NVTX_EVENTS WHERE eventType = 59")]
    api = {(c, _pid(t)): (s, e, t) for s, e, t, c in con.execute(
        "SELECT start, end, globalTid, correlationId FROM CUPTI_ACTIVITY_KIND_RUNTIME")}
    out: dict[str, list[int]] = {}
    for ks, ke, corr, gpid in con.execute(
            "SELECT start, end, correlationId, globalPid FROM CUPTI_ACTIVITY_KIND_KERNEL"):
        s, e, tid = api[(corr, _pid(gpid))]
        inner = [r for r in ranges if r[2] == tid and r[0] <= s and e <= r[1]]
        if inner:
            name = max(inner, key=lambda r: r[0])[3]
            acc = out.setdefault(name, [0, 0])
            acc[0] += 1
            acc[1] += ke - ks
    return out


@pytest.mark.parametrize("name", NAMES)
def test_sample_has_nsys_tables(name: str) -> None:
    con = _ro(SAMPLES / f"{name}.sqlite")
    tables = _tables(con)
    for t in ("StringIds", "META_DATA_EXPORT", "TARGET_INFO_GPU", "CUPTI_ACTIVITY_KIND_KERNEL",
              "CUPTI_ACTIVITY_KIND_RUNTIME", "CUPTI_ACTIVITY_KIND_MEMCPY", "NVTX_EVENTS"):
        assert t in tables
    meta = dict(con.execute("SELECT name, value FROM META_DATA_EXPORT"))
    assert meta["EXPORT_SCHEMA_VERSION"] == "3.20.3"
    assert (SAMPLES / f"{name}.sqlite").stat().st_size < 1_000_000


@pytest.mark.skipif(not REAL_2025.exists(), reason="shared real nsys exports not available")
def test_schema_matches_real_export(tmp_path: Path) -> None:
    ours = sqlite3.connect(":memory:")
    ours.executescript(synth.SCHEMA_PATH.read_text())
    real = _ro(REAL_2025)
    for table in _tables(ours):
        assert _columns(ours, table) == _columns(real, table), table
    # the ENUM rows were taken verbatim
    for table in ("ENUM_CUDA_MEMCPY_OPER", "ENUM_CUDA_MEM_KIND", "ENUM_NSYS_EVENT_TYPE"):
        q = f"SELECT * FROM {table} ORDER BY id"
        assert ours.execute(q).fetchall() == real.execute(q).fetchall()


@pytest.mark.parametrize("name", NAMES)
def test_invariants(name: str) -> None:
    con = _ro(SAMPLES / f"{name}.sqlite")
    api = {}
    for s, e, t, c, cls, nid in con.execute(
            "SELECT start, end, globalTid, correlationId, eventClass, nameId FROM CUPTI_ACTIVITY_KIND_RUNTIME"):
        assert (c, _pid(t)) not in api, "correlationId must be unique per process"
        api[(c, _pid(t))] = (s, e, cls)
    names = dict(con.execute("SELECT id, value FROM StringIds"))
    for ks, corr, gpid, d, sh in con.execute(
            "SELECT start, correlationId, globalPid, demangledName, shortName FROM CUPTI_ACTIVITY_KIND_KERNEL"):
        s, e, cls = api[(corr, _pid(gpid))]  # every kernel joins to its launch
        assert ks >= e, "kernels start after their launch call"
        assert d in names and sh in names
    for s, e, t, c in con.execute("SELECT start, end, globalPid, correlationId FROM CUPTI_ACTIVITY_KIND_MEMCPY"):
        assert (c, _pid(t)) in api and s < e
    rows = con.execute("SELECT start, end, globalTid, color FROM NVTX_EVENTS WHERE eventType = 59").fetchall()
    enq = [r for r in rows if r[3] == 4291979550]
    assert enq
    for s, e, t, color in rows:
        if color != 4291979550:
            assert any(es <= s and e <= ee and et == t for es, ee, et, _ in enq)
    # the TensorRT domain is declared and used
    (dom,) = con.execute("SELECT domainId FROM NVTX_EVENTS WHERE eventType = 75 AND text = 'TensorRT'").fetchone()
    assert {r[0] for r in con.execute("SELECT DISTINCT domainId FROM NVTX_EVENTS")} == {dom}
    classes = {r[0] for r in con.execute("SELECT DISTINCT eventClass FROM CUPTI_ACTIVITY_KIND_RUNTIME")}
    assert classes == {0, 1}  # both runtime and driver launches occur


@pytest.mark.parametrize("name", NAMES)
def test_samples_up_to_date(name: str, tmp_path: Path) -> None:
    facts = synth.write_trace(synth.SCENARIOS[name](), tmp_path / "x.sqlite", seed=0)
    committed = json.loads((SAMPLES / f"{name}.expected.json").read_text())
    assert facts == committed, "regenerate sample_traces (see sample_traces/README.md)"
    if name == "int8_fallbacks":
        layers = json.loads((SAMPLES / "int8_fallbacks.layers.json").read_text())
        assert layers == synth.layer_json(synth.int8_fallbacks())


@pytest.mark.parametrize("name", NAMES)
def test_committed_sample_matches_its_facts(name: str) -> None:
    facts = json.loads((SAMPLES / f"{name}.expected.json").read_text())
    con = _ro(SAMPLES / f"{name}.sqlite")
    got = _attribute(con)
    for layer in facts["layers"]:
        if layer["kernel_count"]:
            assert got[layer["name"]] == [layer["kernel_count"], layer["kernel_time_ns"]], layer["name"]
        else:
            assert layer["name"] not in got
    (n,) = con.execute("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL").fetchone()
    assert n == facts["kernel_count_total"]
    assert sum(c for c, _ in got.values()) == facts["kernel_count_in_window"]


def test_scenario_shapes() -> None:
    f = json.loads((SAMPLES / "int8_fallbacks.expected.json").read_text())
    assert f["excluded_kernels"] == 6 and f["gemm_share_by_name_hint"] < 0.9
    assert "/softmax/Softmax" in f["fallback_layers"] and f["memcpys"]["HtoD"]["pageable"] > 0
    c = json.loads((SAMPLES / "clean_fp16.expected.json").read_text())
    assert c["gemm_share_by_name_hint"] > 0.95 and not c["reformat_layers"] and not c["fallback_layers"]
    assert all(v["pageable"] == 0 for v in c["memcpys"].values())
    t = json.loads((SAMPLES / "facenet_transpose.expected.json").read_text())
    assert sum(v["count"] for k, v in t["kernels_in_window"].items() if "permutationKernelPLC3" in k) == 60


def test_determinism_and_seed(tmp_path: Path) -> None:
    sc = synth.facenet_transpose(iterations=3)
    a = synth.write_trace(sc, tmp_path / "a.sqlite", seed=7)
    b = synth.write_trace(sc, tmp_path / "b.sqlite", seed=7)
    c = synth.write_trace(sc, tmp_path / "c.sqlite", seed=8)
    assert a == b and a["kernel_time_ns_in_window"] != c["kernel_time_ns_in_window"]
    q = "SELECT * FROM CUPTI_ACTIVITY_KIND_KERNEL ORDER BY start"
    assert _ro(tmp_path / "a.sqlite").execute(q).fetchall() == _ro(tmp_path / "b.sqlite").execute(q).fetchall()


def test_threads_streams_and_no_nvtx(tmp_path: Path) -> None:
    sc = synth.generic(3_000, threads=2, streams=3)
    facts = synth.write_trace(sc, tmp_path / "mt.sqlite", chunk_ops=5_000)  # several chunks
    con = _ro(tmp_path / "mt.sqlite")
    assert con.execute("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL").fetchone()[0] == facts["kernel_count_total"]
    assert con.execute("SELECT count(DISTINCT globalTid) FROM NVTX_EVENTS WHERE eventType = 59").fetchone()[0] == 2
    assert con.execute("SELECT count(DISTINCT streamId) FROM CUPTI_ACTIVITY_KIND_KERNEL").fetchone()[0] == 4  # + setup
    sc = synth.clean_fp16(iterations=2)
    sc.nvtx = False
    facts = synth.write_trace(sc, tmp_path / "plain.sqlite")
    assert "NVTX_EVENTS" not in _tables(_ro(tmp_path / "plain.sqlite"))  # lazily created tables
    assert facts["window_kind"] == "all" and facts["excluded_kernels"] == 0


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "cli.sqlite"
    assert synth.main(["--scenario", "clean_fp16", "--iterations", "2", "--out", str(out)]) == 0
    assert _ro(out).execute("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL").fetchone()[0] == 2 * 23
