"""mypy is clean on the package. The tree is what a regular install ships (no remapped folders;
test_packaging checks the wheel holds exactly it), so checking the tree checks the install."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO


def test_mypy_clean():
    pytest.importorskip("mypy")
    res = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "trtprof"],
                         cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
