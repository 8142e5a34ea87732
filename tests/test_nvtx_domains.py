"""Layers come from TensorRT's own NVTX ranges: other domains' ranges nested inside a layer
(Myelin's ``myelin-exec:myelinGraphExecute``, application ranges) are not layers (issue: right
answers on unseen files, class 3)."""

from __future__ import annotations

import json
import sqlite3

from trtprof.testing import synth

MYELIN_DOMAIN = 7


def _nest_foreign_ranges(path, domain: str, name: str, event_type: int) -> int:
    """Put a range of ``domain`` inside every TensorRT layer range (1 ns in from each side, so
    the layer's launches lie inside it), as Myelin does at run time. Returns how many."""
    con = sqlite3.connect(path)
    tid = con.execute("SELECT globalTid FROM NVTX_EVENTS WHERE eventType = 75").fetchone()[0]
    con.execute("INSERT INTO NVTX_EVENTS (start, end, eventType, text, globalTid, domainId) "
                "VALUES (0, NULL, 75, ?, ?, ?)", (domain, tid, MYELIN_DOMAIN))
    rows = con.execute(
        "SELECT e.start, e.end, e.globalTid FROM NVTX_EVENTS e LEFT JOIN StringIds s "
        "ON s.id = e.textId WHERE e.eventType = 59 AND COALESCE(e.text, s.value) NOT LIKE "
        "'ExecutionContext::%'").fetchall()
    con.executemany("INSERT INTO NVTX_EVENTS (start, end, eventType, text, globalTid, domainId) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(s + 1, e - 1, event_type, name, t, MYELIN_DOMAIN) for s, e, t in rows])
    con.commit()
    con.close()
    return len(rows)


def _analyze(run_cli, path) -> dict:
    code, out, _ = run_cli("analyze", path, "--format", "json")
    assert code == 0
    return json.loads(out)


def test_nested_myelin_ranges_do_not_steal_layer_time(tmp_path, run_cli):
    plain, nested = tmp_path / "plain.sqlite", tmp_path / "nested.sqlite"
    synth.write_trace(synth.clean_fp16(), plain)
    synth.write_trace(synth.clean_fp16(), nested)
    assert _nest_foreign_ranges(nested, "myelin-exec", "myelinGraphExecute", 60) > 0
    want, got = _analyze(run_cli, plain), _analyze(run_cli, nested)
    key = lambda r: [(la["name"], la["time_ns"], la["kernel_count"]) for la in r["layers"]]  # noqa: E731
    assert key(got) == key(want)
    assert "myelinGraphExecute" not in {la["name"] for la in got["layers"]}
    assert got["metrics"]["kernel_time_ns"] == want["metrics"]["kernel_time_ns"]
    assert any("myelin-exec:myelinGraphExecute" in n and "enclosing TensorRT layer" in n
               for n in got["notes"])
    assert not any("other NVTX domains" in n for n in want["notes"])


def test_application_ranges_inside_layers_are_not_layers(tmp_path, run_cli):
    path = tmp_path / "app.sqlite"
    synth.write_trace(synth.clean_fp16(), path)
    _nest_foreign_ranges(path, "my_app", "postprocess helper", 59)
    names = {la["name"] for la in _analyze(run_cli, path)["layers"]}
    assert "postprocess helper" not in names and len(names) > 5


def test_without_tensorrt_ranges_any_range_names_layers(tmp_path, run_cli):
    # no TensorRT domain at all: application ranges are all there is, and they name the layers
    path = tmp_path / "default.sqlite"
    sc = synth.clean_fp16()
    sc.tensorrt_domain = False
    synth.write_trace(sc, path)
    report = _analyze(run_cli, path)
    assert report["layers"] and not any("other NVTX domains" in n for n in report["notes"])
