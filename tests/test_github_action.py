"""The GitHub action (action.yml, trtprof.ci.github, trtprof.cli.action_gate) with fake event
payloads and a fake GitHub API on localhost: no network. The workflows of docs/CI.md are the
files in examples/github, linted with actionlint when it is installed (TRTPROF_ACTIONLINT: a
command that takes workflow files, as .ci/run sets up)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from conftest import SAMPLES

yaml = pytest.importorskip("yaml")
ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / "examples" / "github").glob("*.yml"))


class FakeGitHub:
    """Issue comments of one repository, served the way the REST API pages them."""

    def __init__(self, comments=(), pr_head="abc123"):
        self.comments = [dict(c) for c in comments]
        self.pr_head = pr_head
        self.calls: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self):
                return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

            def do_GET(self):
                fake.calls.append(("GET", self.path))
                if self.headers.get("Authorization") != "Bearer t0ken":
                    return self._send(401, {"message": "Bad credentials"})
                m = re.match(r"/repos/o/r/issues/(\d+)/comments\?per_page=100&page=(\d+)", self.path)
                if m:
                    page = int(m.group(2))
                    return self._send(200, fake.comments[(page - 1) * 100:page * 100])
                if re.match(r"/repos/o/r/pulls/\d+$", self.path):
                    return self._send(200, {"head": {"sha": fake.pr_head}})
                self._send(404, {})

            def do_POST(self):
                fake.calls.append(("POST", self.path))
                body = self._body()
                fake.comments.append({"id": 1000 + len(fake.comments), "body": body["body"]})
                self._send(201, fake.comments[-1])

            def do_PATCH(self):
                fake.calls.append(("PATCH", self.path))
                cid = int(self.path.rsplit("/", 1)[1])
                body = self._body()
                for c in fake.comments:
                    if c["id"] == cid:
                        c["body"] = body["body"]
                self._send(200, {})

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.server.shutdown()


@pytest.fixture
def github():
    servers = []

    def make(**kw):
        servers.append(FakeGitHub(**kw))
        return servers[-1]
    yield make
    for s in servers:
        s.close()


def _event(tmp_path, fork=False, workflow_run_sha=None) -> Path:
    if workflow_run_sha:
        ev = {"workflow_run": {"head_sha": workflow_run_sha, "event": "pull_request"}}
    else:
        head = "someone/r" if fork else "o/r"
        ev = {"pull_request": {"number": 7, "head": {"repo": {"full_name": head}},
                               "base": {"repo": {"full_name": "o/r"}}}}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(ev))
    return path


def _comment(tmp_path, api, event, *args, body="<!-- trtprof-gate -->\n### ok\n", token="t0ken"):
    (tmp_path / "comment.md").write_text(body)
    env = {**os.environ, "GITHUB_API_URL": api, "GITHUB_REPOSITORY": "o/r",
           "GITHUB_TOKEN": token, "GITHUB_EVENT_PATH": str(event)}
    return subprocess.run([sys.executable, str(ROOT / "trtprof" / "ci" / "github.py"), "comment",
                           "--body", str(tmp_path / "comment.md"), *args],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)


def test_comment_created_then_updated_in_place(tmp_path, github):
    gh = github(comments=[{"id": i, "body": f"other {i}"} for i in range(150)])
    ev = _event(tmp_path)
    first = _comment(tmp_path, gh.url, ev)
    assert first.returncode == 0, first.stderr
    assert "comment created" in first.stdout
    # the marker is searched on every page of comments (150 > one page of 100)
    assert ("GET", "/repos/o/r/issues/7/comments?per_page=100&page=2") in gh.calls
    second = _comment(tmp_path, gh.url, ev, body="<!-- trtprof-gate -->\n### second\n")
    assert "comment updated" in second.stdout
    ours = [c for c in gh.comments if c["body"].startswith("<!-- trtprof-gate -->")]
    assert len(ours) == 1 and "second" in ours[0]["body"]


def test_fork_pr_defers_to_workflow_run(tmp_path, github):
    gh = github()
    res = _comment(tmp_path, gh.url, _event(tmp_path, fork=True), "--defer-dir", "saved")
    assert res.returncode == 0, res.stderr
    assert not gh.calls, "a fork's read-only token must not be used"
    assert (tmp_path / "saved" / "pr-number").read_text() == "7\n"
    assert (tmp_path / "saved" / "comment.md").read_text().startswith("<!-- trtprof-gate -->")


def test_workflow_run_posts_only_for_the_built_commit(tmp_path, github):
    gh = github(pr_head="abc123")
    (tmp_path / "pr-number").write_text("7\n")
    ok = _comment(tmp_path, gh.url, _event(tmp_path, workflow_run_sha="abc123"),
                  "--pr-file", str(tmp_path / "pr-number"))
    assert ok.returncode == 0, ok.stderr
    assert ("POST", "/repos/o/r/issues/7/comments") in gh.calls
    moved = _comment(tmp_path, gh.url, _event(tmp_path, workflow_run_sha="fff999"),
                     "--pr-file", str(tmp_path / "pr-number"))
    assert moved.returncode == 1 and "not commenting" in moved.stderr
    (tmp_path / "pr-number").write_text("7; rm -rf /\n")
    bad = _comment(tmp_path, gh.url, _event(tmp_path, workflow_run_sha="abc123"),
                   "--pr-file", str(tmp_path / "pr-number"))
    assert bad.returncode == 1 and "not a pull-request number" in bad.stderr


def test_comment_errors_are_one_line(tmp_path, github):
    gh = github()
    denied = _comment(tmp_path, gh.url, _event(tmp_path), token="wrong")
    assert denied.returncode == 1
    assert "HTTP 401" in denied.stderr and "Traceback" not in denied.stderr
    not_ours = _comment(tmp_path, gh.url, _event(tmp_path), body="hello\n")
    assert not_ours.returncode == 1 and "marker" in not_ours.stderr


def _action_gate(tmp_path, baseline: bool):
    from trtprof.analyze import analyze
    from trtprof.reports import RENDERERS
    work = tmp_path / ".trtprof"
    work.mkdir()
    report = analyze([str(SAMPLES / "int8_fallbacks.sqlite")])
    (work / "head.json").write_text(RENDERERS["json"].render(report))
    if baseline:
        (tmp_path / ".trtprof-baseline").mkdir()
        (tmp_path / ".trtprof-baseline" / "baseline.json").write_text(
            RENDERERS["json"].render(analyze([str(SAMPLES / "clean_fp16.sqlite")])))
    out = tmp_path / "github_output"
    env = {**os.environ, "GITHUB_OUTPUT": str(out), "REPORT_URL": "https://example.com/a/1",
           "REQUIRE": "any", "GITHUB_EVENT_NAME": "pull_request"}
    res = subprocess.run([sys.executable, "-m", "trtprof.cli.action_gate"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    return outputs, (work / "comment.md").read_text()


def test_action_gate_with_baseline(tmp_path):
    outputs, body = _action_gate(tmp_path, baseline=True)
    assert body.startswith("<!-- trtprof-gate -->\n")
    assert "[Full report](https://example.com/a/1)" in body
    # the INT8 trace against the clean FP16 one: GEMM share drops, new high findings
    assert outputs == {"verdict": "failed", "exit-code": "1"}


def test_action_gate_without_baseline(tmp_path):
    outputs, body = _action_gate(tmp_path, baseline=False)
    assert outputs == {"verdict": "no baseline", "exit-code": "0"}
    assert body.startswith("<!-- trtprof-gate -->\n> **No baseline yet**")
    assert body.count("<!-- trtprof-") == 1
    assert "#### Findings" in body


def _steps():
    return yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]


def test_action_metadata_is_consistent():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    text = (ROOT / "action.yml").read_text()
    used = set(re.findall(r"inputs\.([a-z-]+)", text))
    assert used <= set(action["inputs"]), used - set(action["inputs"])
    for step in _steps():
        if "run" in step:
            assert step.get("shell") == "bash", step["name"]
            # inputs reach scripts through env, never pasted into the script text
            assert "${{" not in step["run"], step["name"]
            for module in re.findall(r"python -m (trtprof[\w.]+)", step["run"]):
                assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module
    # the gate step cannot fail the job before the comment is posted; the last step decides
    assert _steps()[-1]["name"] == "Fail on a regression"


def test_ci_doc_shows_the_workflow_files():
    doc = (ROOT / "docs" / "CI.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    for wf in WORKFLOWS:
        assert wf.read_text() in blocks, f"docs/CI.md does not show {wf.name} as it is"


def test_workflows_pass_actionlint():
    cmd = os.environ.get("TRTPROF_ACTIONLINT")
    if not cmd:
        pytest.skip("TRTPROF_ACTIONLINT is not set (.ci/run sets it up)")
    res = subprocess.run([*shlex.split(cmd), *map(str, WORKFLOWS)], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
