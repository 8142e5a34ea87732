"""Rules count what happened during the inference loop and say so: setup before the first
inference is not the loop (issue: right answers on unseen files, class 4)."""

from __future__ import annotations

import json
import sqlite3

from conftest import NSYS_DIR, need_realdata
from trtprof.testing import synth


def _add_sync_copy(path, at_ns: int, nbytes: int = 8 << 20) -> None:
    """A blocking cudaMemcpy (device to host, 1 ms) at ``at_ns``, as the runtime and CUPTI
    record it: a runtime API row and a memcpy row sharing a correlation id."""
    con = sqlite3.connect(path)
    name_id = con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM StringIds").fetchone()[0]
    con.execute("INSERT INTO StringIds (id, value) VALUES (?, 'cudaMemcpy_v3020')", (name_id,))
    tid, corr = con.execute("SELECT globalTid, MAX(correlationId) + 1000 FROM "
                            "CUPTI_ACTIVITY_KIND_RUNTIME").fetchone()
    con.execute("INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME (start, end, eventClass, globalTid, "
                "correlationId, nameId, returnValue) VALUES (?, ?, 1, ?, ?, ?, 0)",
                (at_ns, at_ns + 1_100_000, tid, corr, name_id))
    row = con.execute("SELECT deviceId, contextId, streamId, globalPid FROM "
                      "CUPTI_ACTIVITY_KIND_MEMCPY LIMIT 1").fetchone()
    con.execute("INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY (start, end, deviceId, contextId, "
                "streamId, correlationId, globalPid, bytes, copyKind, srcKind, dstKind) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 2, 3, 0)",
                (at_ns + 50_000, at_ns + 1_050_000, *row[:3], corr, row[3], nbytes))
    con.commit()
    con.close()


def _first_inference(path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    starts = [r[0] for r in con.execute(
        "SELECT e.start FROM NVTX_EVENTS e JOIN StringIds s ON s.id = e.textId "
        "WHERE s.value LIKE 'ExecutionContext::%' ORDER BY e.start")]
    con.close()
    return starts[0], starts[1]


def _findings(run_cli, path) -> dict:
    code, out, _ = run_cli("analyze", path, "--format", "json")
    assert code == 0
    return {f["kind"]: f for f in json.loads(out)["findings"]}


def test_sync_copy_before_the_first_inference_is_setup(tmp_path, run_cli):
    path = tmp_path / "t.sqlite"
    synth.write_trace(synth.clean_fp16(), path)
    first, second = _first_inference(path)
    _add_sync_copy(path, first - 5_700_000_000)       # 5.7 s before the loop: setup
    assert "sync_memcpy" not in _findings(run_cli, path)
    _add_sync_copy(path, (first + second) // 2)       # inside the loop
    f = _findings(run_cli, path)["sync_memcpy"]
    assert f["title"] == "1 synchronous memcpy calls"
    assert "basis: the inference loop; not counted: 1 calls before the first inference " \
           "(setup/teardown)" in f["evidence"]


def test_real_setup_copy_is_not_a_loop_finding(run_cli):
    """The DtoH-bound capture's only cudaMemcpy ran 84 ms before its first inference."""
    need_realdata()
    f = _findings(run_cli, NSYS_DIR / "trt8_multistream_DtoH-bound_gtx1070__nsys2023.4.4_export.sqlite")
    assert "sync_memcpy" not in f
    assert f["pageable_memcpy"]["evidence"][-1].startswith("basis: the inference loop")
