"""The GitHub side of the trtprof action (``action.yml``): post or update the pull-request
comment, found by its marker, or hand it to a ``workflow_run`` job when the PR comes from a fork.

Standard library only, so the action needs nothing beyond trtprof itself. Every address comes
from the environment GitHub sets (``GITHUB_API_URL``, ``GITHUB_REPOSITORY``,
``GITHUB_EVENT_PATH``), which is also how the tests point it at a local fake server.

    python -m trtprof.ci.github comment --body comment.md [--pr N] [--defer-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

# GitHub refuses comment bodies over 65,536 characters.
MAX_BODY = 65_000
MARKER = re.compile(r"^<!-- trtprof-[a-z]+ -->")


class ActionError(Exception):
    """A one-line reason the step failed."""


class GitHub:
    """The few REST calls the comment needs."""

    def __init__(self, api: str, repo: str, token: str):
        self.api, self.repo, self.token = api.rstrip("/"), repo, token

    def call(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.api}/repos/{self.repo}{path}", data=data,
                                     method=method)
        req.add_header("Accept", "application/vnd.github+json")
        req.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            hint = (" (a pull request from a fork gets a read-only token: post from a "
                    "workflow_run job, see docs/CI.md)" if err.code in (401, 403) else "")
            raise ActionError(f"GitHub API {method} {path}: HTTP {err.code}{hint}") from None
        except urllib.error.URLError as err:
            raise ActionError(f"GitHub API {method} {path}: {err.reason}") from None

    def comments(self, pr: int) -> list[dict]:
        out: list[dict] = []
        page = 1
        while True:
            batch = self.call("GET", f"/issues/{pr}/comments?per_page=100&page={page}") or []
            out += batch
            if len(batch) < 100:
                return out
            page += 1


def event() -> dict:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    return json.loads(Path(path).read_text(encoding="utf-8"))


def pr_of(ev: dict) -> tuple[int | None, bool]:
    """(pull-request number, from a fork?) of a pull_request event; (None, False) otherwise."""
    pr = ev.get("pull_request")
    if not pr:
        return None, False
    head = ((pr.get("head") or {}).get("repo") or {}).get("full_name")
    base = ((pr.get("base") or {}).get("repo") or {}).get("full_name")
    return int(pr["number"]), bool(head and base and head != base)


def read_body(path: str) -> str:
    try:
        body = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ActionError(f"{path}: {err.strerror or err}") from None
    if not MARKER.match(body):
        raise ActionError(f"{path}: not a trtprof comment (no <!-- trtprof-... --> marker "
                          "on its first line)")
    if len(body) > MAX_BODY:
        body = body[:MAX_BODY] + "\n\n(cut: the comment was longer than GitHub allows; see " \
                                 "the full report)\n"
    return body


def upsert(gh: GitHub, pr: int, body: str) -> str:
    """Edit the comment that starts with the body's marker, or create one; 'updated'/'created'."""
    marker = MARKER.match(body).group(0)  # type: ignore[union-attr]  # read_body checked it
    for c in gh.comments(pr):
        if (c.get("body") or "").startswith(marker):
            gh.call("PATCH", f"/issues/comments/{c['id']}", {"body": body})
            return "updated"
    gh.call("POST", f"/issues/{pr}/comments", {"body": body})
    return "created"


def check_pr_head(gh: GitHub, pr: int, ev: dict) -> None:
    """In a workflow_run job the PR number comes from the fork's artifact: believe it only when
    that PR's head is the commit the triggering run built."""
    sha = (ev.get("workflow_run") or {}).get("head_sha")
    if not sha:
        return
    head = ((gh.call("GET", f"/pulls/{pr}") or {}).get("head") or {}).get("sha")
    if head != sha:
        raise ActionError(f"PR #{pr}'s head is {head}, not {sha} that the run built: "
                          "not commenting")


def comment(args: argparse.Namespace) -> str:
    body = read_body(args.body)
    ev = event()
    pr, fork = pr_of(ev)
    if args.pr is not None:
        pr, fork = args.pr, False
    if pr is None:
        return "no pull request in this event: no comment"
    if fork and args.defer_dir:
        out = Path(args.defer_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "comment.md").write_text(body, encoding="utf-8")
        (out / "pr-number").write_text(f"{pr}\n", encoding="utf-8")
        return f"PR #{pr} comes from a fork: comment saved in {out} for the workflow_run job"
    token = os.environ.get("GITHUB_TOKEN") or ""
    repo = os.environ.get("GITHUB_REPOSITORY") or ""
    if not token or not repo:
        raise ActionError("GITHUB_TOKEN and GITHUB_REPOSITORY must be set")
    gh = GitHub(os.environ.get("GITHUB_API_URL", "https://api.github.com"), repo, token)
    if args.pr is not None:
        check_pr_head(gh, pr, ev)
    return f"PR #{pr}: comment {upsert(gh, pr, body)}"


def read_pr_number(path: str) -> int:
    """The number a fork's run saved: digits only (it is untrusted input)."""
    text = Path(path).read_text(encoding="utf-8").strip()
    if not text.isdigit():
        raise ActionError(f"{path}: not a pull-request number")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trtprof.ci.github")
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("comment", help="post or update the PR comment")
    c.add_argument("--body", required=True, help="markdown from trtprof (gate or analyze)")
    group = c.add_mutually_exclusive_group()
    group.add_argument("--pr", type=int, help="PR number (workflow_run jobs)")
    group.add_argument("--pr-file", help="file holding the PR number (a fork run's artifact)")
    c.add_argument("--defer-dir", help="for fork PRs: save the comment here instead of posting")
    args = parser.parse_args(argv)
    try:
        if args.pr_file:
            args.pr = read_pr_number(args.pr_file)
        print(comment(args))
    except (ActionError, OSError, ValueError) as err:
        print(f"trtprof action: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
