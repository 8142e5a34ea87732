"""polygraphy inspect model --show layers output."""


import pytest

from trtprof.errors import InputError
from trtprof.parsers.polygraphy_log import parse_polygraphy_log
from trtprof.parsers.trt_text import sniff_text_kind

from conftest import REALDATA

REAL = REALDATA / "trt" / "trt10.16_polygraphy_inspect_engine_show_layers_mnist.log"


@pytest.fixture
def poly():
    if not REAL.exists():
        pytest.skip("real data absent")
    return parse_polygraphy_log(REAL)


def test_layers(poly):
    L = poly.layers
    assert len(L) == 10 and poly.trt_version == "10.16.2.5" and poly.polygraphy_version == "0.49.26"
    conv = L.iloc[0]
    assert conv["name"] == "node_conv2d + node_relu" and conv["layer_type"] == "CaskConvolution"
    assert conv["tactic_id"] == 0x5B8BF1B8028629D9 and conv["precision"] == "fp32"
    gemm = L.iloc[5]
    assert gemm["tactic_id"] is None and gemm["tactic_name"].startswith("sm80_xmma_gemm_f32f32")
    assert L.iloc[4]["tactic_name"] == "" and L.iloc[4]["precision"] == "unknown"
    out = L.iloc[9]["outputs"][0]
    assert out["dtype"] == "int64" and out["dims"] == [-1]
    assert sniff_text_kind(REAL.read_bytes()[:4096]) == "polygraphy"


def test_not_polygraphy(tmp_path):
    p = tmp_path / "x.log"
    p.write_text("hello\n")
    with pytest.raises(InputError):
        parse_polygraphy_log(p)
