"""Every real TensorRT file (logs, layer/profile JSON, TREx metadata, polygraphy output) goes
through the whole `trtprof analyze` pipeline, rules included, into valid JSON."""

import json

import pytest

from conftest import REALDATA
from trtprof.analyze import analyze

FILES = sorted(p for d in ("trt", "trex") for p in (REALDATA / d).glob("*")
               if p.is_file() and p.name != "PROVENANCE.md") if REALDATA.is_dir() else []


@pytest.mark.parametrize("path", FILES, ids=[p.name[:60] for p in FILES])
def test_real_trt_file_analyzes(path):
    report = analyze([path])
    text = json.dumps(report, allow_nan=False)      # no NaN may reach the report
    assert report["inputs"][0]["path"] == str(path)
    for f in report["findings"]:
        assert all(isinstance(n, str) and n for n in f["layers"]), f["kind"]
    assert "NaN" not in text
