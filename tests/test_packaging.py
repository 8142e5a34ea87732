"""Everything ships inside the trtprof namespace: nothing generic reaches
site-packages. Built for real with `python -m build` (slow: once per run)."""

import subprocess
import sys
import zipfile

import pytest

from conftest import REPO


@pytest.mark.slow
def test_wheel_top_level_is_only_trtprof(tmp_path):
    res = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                          "--outdir", str(tmp_path), str(REPO)], capture_output=True, text=True)
    if res.returncode != 0 and "No module named build" in res.stderr:
        pytest.skip("the 'build' package is not installed")
    assert res.returncode == 0, res.stderr[-2000:]
    wheel = next(tmp_path.glob("trtprof-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"trtprof"}
    # every source module and data file of the tree ships, under the trtprof namespace
    want = {f"trtprof/{p.relative_to(REPO / 'trtprof')}" for p in (REPO / "trtprof").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert want - set(names) == set()
    # the licence pyproject names ships with it
    licence = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")
               or n.endswith(".dist-info/LICENSE")]
    assert licence and b"Apache License" in zipfile.ZipFile(wheel).read(licence[0])


def test_lazy_optional_imports():
    """`trtprof --help` and a trace analysis must not import matplotlib, tensorrt or polygraphy."""
    code = ("import sys, trtprof.cli, trtprof.analyze, trtprof.pipeline;"
            "bad = [m for m in ('matplotlib', 'tensorrt', 'polygraphy', 'sqlite_utils')"
            " if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
