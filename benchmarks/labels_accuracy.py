"""Score the classifier against ../shared/kernels/labels.csv and print confusion tables.

    python benchmarks/labels_accuracy.py [--errors]

Scoring compares only definite labels: unit in tensor_core/cuda_core, precision not unknown.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from trtprof.classify.classifier import classify

LABELS = Path(__file__).resolve().parents[1].parent / "shared" / "kernels" / "labels.csv"


def score(rows: list[dict]) -> dict[str, tuple[int, int, Counter]]:
    """field -> (correct, scored, Counter[(label, predicted)])."""
    out = {}
    for field, keep in (("unit", lambda v: v in ("tensor_core", "cuda_core")),
                        ("precision", lambda v: v != "unknown"),
                        ("op_class", lambda v: True)):
        conf: Counter = Counter()
        for r in rows:
            if keep(r[field]):
                conf[(r[field], getattr(classify(r["name"]), field))] += 1
        ok = sum(n for (a, b), n in conf.items() if a == b)
        out[field] = (ok, sum(conf.values()), conf)
    return out


def table(conf: Counter) -> str:
    labels = sorted({a for a, _ in conf})
    preds = sorted({b for _, b in conf})
    w = max(len(x) for x in labels + preds + ["label\\pred"]) + 1
    lines = ["label\\pred".ljust(w) + "".join(p[:9].rjust(10) for p in preds)]
    for a in labels:
        lines.append(a.ljust(w) + "".join(str(conf.get((a, p), "") or ".").rjust(10) for p in preds))
    return "\n".join(lines)


def main() -> int:
    if not LABELS.exists():
        print(f"{LABELS} not found", file=sys.stderr)
        return 2
    rows = list(csv.DictReader(LABELS.open(newline="", encoding="utf-8")))
    for field, (ok, n, conf) in score(rows).items():
        print(f"\n== {field}: {ok}/{n} = {ok / n:.1%}")
        print(table(conf))
    if "--errors" in sys.argv:
        print("\n== disagreements")
        for r in rows:
            kc = classify(r["name"])
            for f in ("unit", "precision", "op_class"):
                if r[f] != getattr(kc, f) and not (f == "unit" and r[f] not in ("tensor_core", "cuda_core")) \
                        and not (f == "precision" and r[f] == "unknown"):
                    print(f"{f}: label={r[f]} got={getattr(kc, f)} [{kc.rules}] {r['name'][:140]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
