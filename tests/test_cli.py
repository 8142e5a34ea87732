"""CLI surface: commands, formats, saved reports, compressed traces, entry points."""

import json
import re
import lzma
import subprocess
import sys

import pytest

from conftest import NSYS_DIR, need_realdata

MF = "memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite"


def test_every_command_has_help(run_cli):
    from trtprof.cli import main
    for name in main.commands:
        code, out, _ = run_cli(name, "--help")
        assert code == 0 and "Usage:" in out


def test_python_dash_m():
    res = subprocess.run([sys.executable, "-m", "trtprof", "--version"], capture_output=True,
                         text=True)
    assert res.returncode == 0 and "trtprof" in res.stdout


def test_json_save_and_rerender(run_cli, tmp_path):
    need_realdata()
    saved = tmp_path / "r.json"
    code, out, _ = run_cli("analyze", NSYS_DIR / MF, "--format", "json", "--save", saved)
    assert code == 0
    report = json.loads(out)
    for key in ("schema_version", "tool", "inputs", "gpu", "window", "metrics", "layers",
                "kernels", "findings"):
        assert key in report
    assert report["inputs"][0]["kind"] == "nsys-sqlite"
    assert json.loads(saved.read_text()) == report
    code, out2, _ = run_cli("analyze", saved, "--format", "json")
    assert code == 0 and json.loads(out2)["metrics"] == report["metrics"]


def test_text_output_fits_100_columns(run_cli):
    need_realdata()
    code, out, _ = run_cli("analyze", NSYS_DIR / MF, "--top", "5")
    assert code == 0
    assert "GEMM share" in out and "Top 5 layers" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "\x1b[" not in out          # plain when not a terminal


def test_compressed_trace(run_cli, tmp_path):
    need_realdata()
    xz = tmp_path / "t.sqlite.xz"
    xz.write_bytes(lzma.compress((NSYS_DIR / MF).read_bytes()))
    code, out, _ = run_cli("analyze", xz, "--format", "json")
    assert code == 0 and json.loads(out)["metrics"]["kernel_count"] == 36


def test_bad_threshold_option(run_cli):
    need_realdata()
    code, _, err = run_cli("analyze", NSYS_DIR / MF, "--threshold", "nonsense")
    assert code == 2 and "RULE.NAME=VALUE" in err


def test_config_unknown_key(tmp_path):
    from trtprof.config import load_config
    from trtprof.errors import UsageError
    cfg = tmp_path / "trtprof.toml"
    cfg.write_text("[analyze]\ngemm_targt = 0.8\n")
    with pytest.raises(UsageError, match="gemm_targt"):
        load_config(cfg)
    cfg.write_text("[analyze\n")
    with pytest.raises(UsageError, match="invalid TOML"):
        load_config(cfg)


def test_progress_line_shows_during_one_long_step_and_not_for_quick_runs():
    # Reading a big export is a single step: the line must appear while it lasts, from a timer,
    # and never for a run that ends before the delay.
    import time

    from trtprof.cli.analyze import Progress
    slow = Progress(enabled=False)
    slow.enabled, slow.DELAY_S = True, 0.05   # as on a terminal
    slow("reading kernels")
    assert slow.status is None
    time.sleep(0.5)
    assert slow.status is not None
    slow.close()
    quick = Progress(enabled=False)
    quick.enabled, quick.DELAY_S = True, 0.5
    quick("reading kernels")
    quick.close()
    time.sleep(0.7)
    assert quick.status is None


def test_progress_line_shows_how_far_a_metered_step_has_got():
    import time

    from trtprof.cli.analyze import Progress
    from trtprof.parsers.nsys.export import Step
    done = [0.42]
    line = Progress(enabled=False)
    line.enabled, line.DELAY_S, line.REFRESH_S = True, 0.0, 0.05
    line(Step("reading kernels", lambda: done[0]))
    time.sleep(0.3)
    assert line._text() == "reading kernels: 42%"
    done[0] = 0.3                                   # a table found late: never shown going back
    assert line._text() == "reading kernels: 42%"
    done[0] = 0.9
    assert line._text() == "reading kernels: 90%"
    line("attributing GPU work to layers")          # a plain step: no percentage
    assert line._text() == "attributing GPU work to layers"
    line.close()


def test_reading_an_export_reports_its_page_reads(tmp_path):
    from conftest import SAMPLES
    from trtprof.parsers.nsys.export import read_nsys_sqlite
    steps = []
    read_nsys_sqlite(SAMPLES / "int8_fallbacks.sqlite", progress=steps.append)
    metered = [s for s in steps if getattr(s, "fraction", None) is not None]
    assert len(metered) == 1 and metered[0].startswith("reading kernels")
    assert metered[0].fraction() == 1.0            # every leaf page of the big tables read


SAMPLE = __import__("conftest").REPO / "sample_traces" / "clean_fp16.sqlite"


def test_output_file_format_from_its_extension(run_cli, tmp_path):
    code, out, _ = run_cli("analyze", SAMPLE, "-o", tmp_path / "r.md")
    assert code == 0 and out == ""
    md = (tmp_path / "r.md").read_text()
    assert md.startswith("<!-- trtprof-report -->") and "### trtprof report" in md
    code, _, _ = run_cli("analyze", SAMPLE, "-o", tmp_path / "r.json")
    assert code == 0 and json.loads((tmp_path / "r.json").read_text())["schema_version"] >= 2
    # --format wins over the extension
    code, _, _ = run_cli("analyze", SAMPLE, "--format", "json", "-o", tmp_path / "r.txt")
    assert code == 0 and json.loads((tmp_path / "r.txt").read_text())["findings"] is not None
    code, _, _ = run_cli("analyze", SAMPLE, "-o", tmp_path / "r.txt")
    assert code == 0 and "GEMM share" in (tmp_path / "r.txt").read_text()


def test_output_file_with_an_unknown_extension_is_a_usage_error(run_cli, tmp_path):
    code, _, err = run_cli("analyze", SAMPLE, "-o", tmp_path / "r.xyz")
    assert code == 2 and "r.xyz" in err and "--format" in err
    assert not (tmp_path / "r.xyz").exists()


def test_missing_extra_is_named_before_the_analysis(run_cli, tmp_path, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("sqlite_utils", "matplotlib")
                        else real(name, *a))
    import trtprof.analyze
    monkeypatch.setattr(trtprof.analyze, "analyze",
                        lambda *a, **k: pytest.fail("analysis ran before the extra check"))
    code, _, err = run_cli("history", "add", SAMPLE, "--db", tmp_path / "h.db")
    assert code == 2 and "trtprof[history]" in err
    assert not (tmp_path / "h.db").exists()


def test_html_needs_no_extra(run_cli, tmp_path, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    code, _, err = run_cli("analyze", SAMPLE, "-o", tmp_path / "r.html")
    assert code == 0, err
    assert "<figure>" in (tmp_path / "r.html").read_text()




def test_progress_on_a_terminal_stderr_even_when_json_goes_to_a_pipe(tmp_path):
    """stderr a terminal, stdout a pipe (``--format json > file``): the line shows from the
    first half second; the JSON on stdout stays clean. A 200k-kernel trace, so the run lasts
    well over half a second on any machine."""
    import os
    import pty
    import subprocess
    import sys

    from trtprof.testing import synth
    trace = tmp_path / "big.sqlite"
    synth.write_trace(synth.generic(200_000), trace)
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "trtprof", "analyze", str(trace),
                             "--format", "json"],
                            stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out, _ = proc.communicate(timeout=120)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0
    # a status line (which step it shows depends on the machine's speed), and no JSON there
    assert re.search(rb"reading|classifying|attributing|analys", seen), seen[:300]
    assert b'"findings"' not in seen
    assert json.loads(out)["findings"] is not None
