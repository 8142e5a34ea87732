"""Shared test fixtures: where the real corpora are, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the checkout, or wherever $TRTPROF_SHARED / $TRTPROF_REALDATA point
SHARED = Path(os.environ.get("TRTPROF_SHARED", REPO.parent / "shared"))
REALDATA = Path(os.environ.get("TRTPROF_REALDATA", SHARED / "realdata"))
NSYS_DIR = REALDATA / "nsys"
SAMPLES = REPO / "sample_traces"


def real_nsys_exports() -> list[Path]:
    return sorted(NSYS_DIR.glob("*.sqlite")) if NSYS_DIR.is_dir() else []


def need_realdata() -> None:
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is absent (a user's checkout has none)")


def nsys_cli() -> str | None:
    """A real nsys for goldens: $TRTPROF_NSYS, nsys on PATH, or one unpacked by get_nsys.sh."""
    env = os.environ.get("TRTPROF_NSYS")
    if env and Path(env).is_file():
        return env
    found = shutil.which("nsys")
    if found:
        return found
    cached = Path("/tmp/trtprof-nsys/root/usr/lib/x86_64-linux-gnu/nsight-systems/"
                  "target-linux-x64/nsys")
    return str(cached) if cached.is_file() else None


@pytest.fixture
def run_cli():
    """Run the CLI in-process: returns (exit_code, stdout, stderr)."""
    from click.testing import CliRunner

    from trtprof.cli import main

    def _run(*args):
        res = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
        return res.exit_code, res.stdout, res.stderr
    return _run


def run_subprocess(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["trtprof", *map(str, args)], capture_output=True, text=True, **kw)
