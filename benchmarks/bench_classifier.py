"""Time classifying 1,000+ unique kernel names (labels.csv names with mutated tiles, plus
synthetic families when labels.csv is absent). Prints names/s. Not a test.

    python benchmarks/bench_classifier.py
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

from trtprof.classify.classifier import classify, classify_names

LABELS = Path(__file__).resolve().parents[1].parent / "shared" / "kernels" / "labels.csv"


def names(n: int = 2000) -> list[str]:
    base = []
    if LABELS.exists():
        base = [r["name"] for r in csv.DictReader(LABELS.open(newline="", encoding="utf-8"))]
    base += ["sm80_xmma_gemm_f16f16_f16f32_f32_nn_n_tilesize64x128x32_stage5_warpsize2x2x1_tensor16x8x16",
             "ampere_h16816cudnn_128x64_ldg8_relu_exp_small_nhwc_tn_v1", "__myl_AddMulCast_0x1"]
    out: list[str] = []
    i = 0
    while len(out) < n:
        for b in base:
            # Mutate every number so each name is new to the lru_cache.
            out.append(re.sub(r"\d+", lambda m: str(int(m.group()) + i), b, count=3) + f"_{i}")
        i += 1
    return list(dict.fromkeys(out))[:n]


def main() -> None:
    ns = names()
    classify.cache_clear()
    t = time.perf_counter()
    classify_names(ns)
    dt = time.perf_counter() - t
    print(f"{len(ns)} unique names in {dt:.3f} s = {len(ns) / dt:,.0f} names/s")


if __name__ == "__main__":
    main()
