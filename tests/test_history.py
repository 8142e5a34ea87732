"""history: runs stored with sqlite-utils, steps between runs, the trend chart."""

from __future__ import annotations

import builtins

import pytest

from compare_helpers import jittered, sample_report
from trtprof.errors import UsageError

pytest.importorskip("sqlite_utils")
from trtprof.ci.history import add_run, list_runs, trend_chart, with_steps  # noqa: E402


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return sample_report("clean_fp16", tmp_path_factory.mktemp("s"))


def test_add_and_show_finds_the_slowdown(clean, tmp_path):
    db = tmp_path / "perf.db"
    for i, scale in enumerate([1.0, 1.01, 1.25, 1.26]):
        rep = jittered(clean, seed=i, cv=0.01, scale=scale)
        add_run(db, rep, commit=f"c{i}", model="resnet", recorded_at=f"2025-01-0{i + 1}T00:00:00")
    add_run(db, clean, commit="x", model="other", recorded_at="2025-01-09T00:00:00")
    runs = list_runs(db, model="resnet")
    assert [r["commit"] for r in runs] == ["c0", "c1", "c2", "c3"]
    assert runs[0]["gpu"] == "NVIDIA A100-SXM4-40GB" and runs[0]["gemm_share"] > 0.9
    steps = with_steps(runs)
    assert [r["commit"] for r in steps if r["worst_step"]] == ["c2"]
    assert steps[2]["step"] == pytest.approx(0.24, abs=0.03)
    assert len(list_runs(db, limit=2)) == 2
    png = trend_chart(steps, tmp_path / "trend.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_db_and_not_a_db(tmp_path):
    with pytest.raises(UsageError, match="no such history database"):
        list_runs(tmp_path / "none.db")
    bad = tmp_path / "bad.db"
    bad.write_text("not sqlite at all, just text " * 20)
    with pytest.raises(UsageError, match="not a history database"):
        list_runs(bad)


def test_missing_sqlite_utils_is_a_usage_error(monkeypatch, tmp_path):
    real = builtins.__import__

    def fake(name, *a, **kw):
        if name == "sqlite_utils":
            raise ImportError(name)
        return real(name, *a, **kw)
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(UsageError, match=r"pip install 'trtprof\[history\]'"):
        add_run(tmp_path / "p.db", {})
