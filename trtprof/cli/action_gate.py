"""The gate step of the GitHub action (``action.yml``): gate ``.trtprof/head.json`` against the
restored baseline, write the PR comment to ``.trtprof/comment.md``, and give the step outputs
``verdict`` and ``exit-code``. Without a baseline (the default branch has not saved one yet,
or its cache expired) the comment is the analysis alone, under the gate's marker, so the PR
keeps one comment whichever way a run goes.

Settings come from the environment the action sets: ``CONFIG``, ``REQUIRE`` (space-separated),
``REPORT_URL``; paths are relative to the workspace.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from trtprof.errors import TrtprofError

WORK = Path(".trtprof")
BASELINE = Path(".trtprof-baseline/baseline.json")


def no_baseline_comment(head: Path, report_url: str | None, event: str | None) -> str:
    from trtprof.reports import compare_markdown, markdown
    report = json.loads(head.read_text(encoding="utf-8"))
    body = markdown.render(report, report_url=report_url)
    lines = body.split("\n")
    if event == "pull_request":
        note = ("> **No baseline yet**: the default branch has not saved a trtprof report (or "
                "it expired), so nothing was gated. The analysis of this run follows.")
    else:
        note = ("> Not a pull request: nothing to gate. On the default branch this report "
                "becomes the baseline.")
    return "\n".join([compare_markdown.MARKER, note, "", *lines[1:]])


def gate(env: dict[str, str]) -> tuple[str, int, str]:
    """(verdict, exit code, comment markdown)."""
    report_url = env.get("REPORT_URL") or None
    head = WORK / "head.json"
    if not BASELINE.is_file():
        return "no baseline", 0, no_baseline_comment(head, report_url,
                                                     env.get("GITHUB_EVENT_NAME"))
    from trtprof.cli.compare import run_gate
    from trtprof.reports.compare_markdown import render_gate
    comparison, result = run_gate(str(BASELINE), str(head), env.get("CONFIG") or None,
                                  (env.get("REQUIRE") or "").split())
    return result.verdict, result.exit_code, render_gate(comparison, result,
                                                         report_url=report_url)


def main() -> int:
    env = dict(os.environ)
    try:
        verdict, code, body = gate(env)
    except TrtprofError as err:
        print(f"trtprof: error: {err}", file=sys.stderr)
        verdict, code = "error", err.exit_code
        from trtprof.reports.compare_markdown import MARKER
        body = f"{MARKER}\n### ⚠️ trtprof gate could not run\n\nSee the job log: exit {code}.\n"
    WORK.mkdir(exist_ok=True)
    (WORK / "comment.md").write_text(body, encoding="utf-8")
    out = env.get("GITHUB_OUTPUT")
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(f"verdict={verdict}\nexit-code={code}\n")
    print(f"trtprof gate: {verdict} (exit {code})")
    return 0    # the action's last step fails the job, after the comment is posted


if __name__ == "__main__":
    sys.exit(main())
