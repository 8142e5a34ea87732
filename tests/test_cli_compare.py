"""compare / gate / history through the CLI: exit codes, formats, the PR comment."""

from __future__ import annotations

import json

import pytest

from compare_helpers import jittered, sample_report
from trtprof.reports.compare_markdown import MARKER, code


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    d = tmp_path_factory.mktemp("reports")
    clean = sample_report("clean_fp16", d)
    int8 = sample_report("int8_fallbacks", d)
    paths = {}
    for name, rep in (("clean", clean), ("int8", int8),
                      ("clean_run2", jittered(clean, seed=7, cv=0.02, iterations=60)),
                      ("clean_run1", jittered(clean, seed=8, cv=0.02, iterations=60))):
        p = d / f"{name}.json"
        p.write_text(json.dumps(rep))
        paths[name] = p
    return paths


def test_compare_formats_never_fail(run_cli, saved):
    for fmt in ("text", "json", "markdown"):
        code_, out, _err = run_cli("compare", saved["clean"], saved["int8"], "--format", fmt)
        assert code_ == 0
    data = json.loads(run_cli("compare", saved["clean"], saved["int8"], "--format", "json")[1])
    assert {"headline", "layers", "findings", "precision_changes", "noise"} <= set(data)


def test_gate_clean_to_int8_comment(run_cli, saved, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)            # no trtprof.toml here: built-in thresholds
    rc, out, _ = run_cli("gate", saved["clean"], saved["int8"], "--format", "markdown")
    assert rc == 1
    assert out.splitlines()[0] == MARKER
    assert "gate failed" in out and "GEMM share drop" in out and "❌" in out
    assert "New reformat layers" in out
    assert code("Reformatting CopyNode for Input Tensor 0 to /softmax/Softmax") in out
    assert "fp32" in out           # the fallback layers' precision change


def test_gate_self_and_jitter_pass(run_cli, saved, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("gate", saved["clean"], saved["clean"])[0] == 0
    rc, out, _ = run_cli("gate", saved["clean_run1"], saved["clean_run2"])
    assert rc == 0, out
    assert out.startswith("trtprof gate: PASSED")


def test_gate_output_file_and_config(run_cli, saved, tmp_path):
    cfg = tmp_path / "trtprof.toml"
    cfg.write_text("[gate]\nmax_gemm_share_drop = 0.5\nmax_tensor_core_share_drop = 1.0\n"
                   "max_reformat_share_increase = 1.0\nmax_latency_regression = 1.0\n"
                   "fail_on_new_findings = \"none\"\n")
    out = tmp_path / "comment.md"
    rc, stdout, _ = run_cli("gate", saved["clean"], saved["int8"], "--config", cfg,
                            "--format", "markdown", "--output", out)
    assert rc == 0 and stdout == "" and out.read_text().startswith(MARKER)


@pytest.mark.parametrize("text, needle", [
    ("[gate]\nmax_latency = 0.1\n", "unknown key gate.max_latency"),
    ("[gate\n", "invalid TOML"),
])
def test_gate_config_errors_exit_2(run_cli, saved, tmp_path, text, needle):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    rc, out, err = run_cli("gate", saved["clean"], saved["clean"], "--config", cfg)
    assert rc == 2 and needle in err and str(cfg) in err and "Traceback" not in err


def test_missing_input_exit_2(run_cli, saved, tmp_path):
    rc, _out, err = run_cli("compare", tmp_path / "nope.json", saved["clean"])
    assert rc == 2 and "nope.json" in err


def test_markdown_neutralises_names():
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("a|b", table=True) == "`a\\|b`" and code("a|b") == "`a|b`"
    assert code("a\nb") == "`a b`"
    from trtprof.ci.compare import compare_reports
    from trtprof.ci.gate import evaluate_gate
    from trtprof.reports.compare_markdown import render_gate
    evil = "x`` <!-- trtprof-gate --> | [link](http://e) @someone"
    f = {"kind": "reformat", "severity": "high", "title": evil, "layers": [evil]}
    comp = compare_reports({"findings": []}, {"findings": [f]})
    md = render_gate(comp, evaluate_gate(comp))
    assert md.count(MARKER) == 1 and md.startswith(MARKER)
    assert "\\[link\\]" in md                      # the title's link syntax is escaped
    assert "``" + "` x" not in md and code(evil, 90) in md   # the layer name as one code span
    assert "@someone" not in md.replace(code(evil, 90), "")  # no mention outside code spans
    assert "\n" not in code(evil) and md.count("\n| ") >= 3


def test_history_cli(run_cli, saved, tmp_path):
    pytest.importorskip("sqlite_utils")
    db = tmp_path / "perf.db"
    assert run_cli("history", "add", saved["clean"], "--db", db, "--commit", "abc",
                   "--model", "resnet")[0] == 0
    assert run_cli("history", "add", saved["int8"], "--db", db, "--commit", "def",
                   "--model", "resnet")[0] == 0
    rc, out, _ = run_cli("history", "show", "--db", db, "--chart", tmp_path / "t.png")
    assert rc == 0 and "abc" in out and "def" in out and (tmp_path / "t.png").exists()
    rc, _out, err = run_cli("history", "show", "--db", tmp_path / "none.db")
    assert rc == 2 and "none.db" in err


def test_every_command_has_help(run_cli):
    for args in (["compare"], ["gate"], ["history"], ["history", "add"], ["history", "show"]):
        rc, out, _ = run_cli(*args, "--help")
        assert rc == 0 and "Example" in out or args == ["history"]
