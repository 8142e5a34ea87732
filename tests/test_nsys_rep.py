"""`.nsys-rep`/`.qdrep` through a real nsys CLI (CI unpacks one with get_nsys.sh)."""

import os

import pytest

from conftest import NSYS_DIR, REALDATA, need_realdata, nsys_cli
from trtprof.analyze import analyze

pytestmark = pytest.mark.nsys


@pytest.mark.parametrize("rep, sqlite", [
    ("memfusion_report1.nsys-rep", "memfusion_resnet_trt_fp16_rtx3090__nsys2023.1.2_orig.sqlite"),
    ("calculation-bound.qdrep", "trt8_multistream_calculation-bound_gtx1070__nsys2023.4.4_export.sqlite"),
])
def test_report_exports_and_matches_sqlite(rep, sqlite, monkeypatch, tmp_path):
    need_realdata()
    nsys = nsys_cli()
    if not nsys:
        pytest.skip("no nsys CLI")
    monkeypatch.setenv("TRTPROF_NSYS", nsys)
    src = REALDATA / "nsys" / "raw_reports" / rep
    before = sorted(os.listdir(src.parent))
    a = analyze([src])
    b = analyze([NSYS_DIR / sqlite])
    assert sorted(os.listdir(src.parent)) == before      # nothing written beside the report
    assert a["inputs"][0]["kind"] == "nsys-rep"
    assert a["metrics"]["kernel_count"] == b["metrics"]["kernel_count"]
    assert a["metrics"]["gemm_share"] == pytest.approx(b["metrics"]["gemm_share"])
    assert [x["name"] for x in a["layers"]] == [x["name"] for x in b["layers"]]
