"""The terminal report fits the width it is given (issue: fits the ecosystem)."""

from __future__ import annotations

import pytest

from conftest import SAMPLES


@pytest.mark.parametrize("width", [60, 80, 120, 200])
def test_text_fits_its_width(run_cli, width):
    code, out, _ = run_cli("analyze", SAMPLES / "int8_fallbacks.sqlite", "--no-progress",
                           "--width", width)
    assert code == 0
    lines = out.splitlines()
    assert max(len(ln) for ln in lines) <= width
    # the narrow layout keeps what is at stake, under the finding's title
    assert any("per inference" in ln for ln in lines)
    if width >= 100:
        assert "at stake" in lines[lines.index(next(ln for ln in lines if "Findings" in ln)) + 1]
    else:
        assert any(ln.strip().startswith("at stake: ") for ln in lines)


def test_columns_env_sets_the_width(tmp_path, monkeypatch, run_cli):
    monkeypatch.setenv("COLUMNS", "72")
    code, out, _ = run_cli("analyze", SAMPLES / "clean_fp16.sqlite", "--no-progress")
    assert code == 0 and max(len(ln) for ln in out.splitlines()) <= 72
