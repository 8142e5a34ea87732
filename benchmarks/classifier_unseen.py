"""Measure trtprof's kernel classifier on tests/kernels_unseen/names.csv (names not in the
shared labels). Prints, per split (dev / heldout): accuracy of unit (rows labelled
tensor_core/cuda_core), precision (rows with a definite precision), op_class (all rows);
accuracy among answered rows; committed wrong answers per field (answer not 'unknown' and != label; an op_class `other` from the
`op.default` fallback is the classifier's documented can't-tell answer, so it counts as unknown, as
in unseen_names.md); and the 30 most common wrong (label, answer) pairs with an example name.
Rows whose `evidence` column is filled (batch 4 on) say which fields their labeller took from the
source's context rather than the name ('name' = none); for them a second line per field scores
only the rows whose label the name alone decides.
Run: python benchmarks/classifier_unseen.py [NAMES.csv] [--blind]
--blind prints only the counts for held-out splits, so that measuring them shows no names to
write rules from.
"""
from __future__ import annotations

import collections
import csv
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from trtprof.classify.classifier import classify_names  # noqa: E402

DATA = ROOT / "tests" / "kernels_unseen" / "names.csv"
FIELDS = ("unit", "precision", "op_class")
INDEFINITE_PREC = {"unknown"}
SPLIT_ORDER = ["dev", "heldout", "dev2", "heldout2", "dev3", "heldout3", "dev4", "heldout4", "dev5", "heldout5"]


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--blind"]
    blind = "--blind" in sys.argv[1:]
    data = pathlib.Path(args[0]) if args else DATA
    rows = list(csv.DictReader(data.open(newline="")))
    pred = classify_names([r["name"] for r in rows])
    splits = sorted({r["split"] for r in rows}, key=SPLIT_ORDER.index)
    groups = [(s, [r for r in rows if r["split"] == s]) for s in splits]
    held = [r for r in rows if r["split"].startswith("heldout")]
    if len({r["split"] for r in held}) > 1:
        groups.append(("heldout-all", held))   # every held-out batch together: the target
    for split, part in groups:
        print(f"=== {split}: {len(part)} names, {len({r['source'] for r in part})} source files/threads")
        wrong_pairs = collections.Counter()
        example = {}
        wrong_total = 0
        for field in FIELDS:
            if field == "unit":
                scored = [r for r in part if r["unit"] in ("tensor_core", "cuda_core")]
            elif field == "precision":
                scored = [r for r in part if r["precision"] not in INDEFINITE_PREC]
            else:
                scored = part
            ok = committed_wrong = abstain = 0
            name_rows = [r for r in scored if r.get("evidence") and field not in r["evidence"].split(",")]
            name_ok = sum(pred.loc[r["name"], field] == r[field] for r in name_rows)
            for r in scored:
                ans = pred.loc[r["name"], field]
                cant_tell = ans == "unknown" or (
                    field == "op_class" and "op_class=op.default" in pred.loc[r["name"], "rule"])
                if ans == r[field]:
                    ok += 1
                elif cant_tell:
                    abstain += 1
                else:
                    committed_wrong += 1
                    key = (field, r[field], ans)
                    wrong_pairs[key] += 1
                    example.setdefault(key, r["name"])
            n = len(scored)
            acc = ok / n if n else float("nan")
            answered = ok + committed_wrong
            print(f"  {field:9s} accuracy {acc:6.1%} ({ok}/{n})  answered-unknown {abstain}  "
                  f"committed-wrong {committed_wrong}  right when answered "
                  f"{ok / answered if answered else float('nan'):6.1%}")
            if name_rows:
                print(f"  {'':9s} on the {len(name_rows)} rows whose {field} label the name alone decides: "
                      f"{name_ok / len(name_rows):6.1%} ({name_ok}/{len(name_rows)})")
            wrong_total += committed_wrong
        print(f"  committed wrong, all fields: {wrong_total} in {len(part)} names "
              f"(1 per {len(part) / wrong_total:.0f})" if wrong_total else
              f"  committed wrong, all fields: 0 in {len(part)} names")
        if blind and split.startswith("heldout"):
            print()
            continue
        print("  most common wrong (field: label -> answer), count, example:")
        for (field, lab, ans), c in wrong_pairs.most_common(30):
            ex = example[(field, lab, ans)]
            ex = ex if len(ex) <= 110 else ex[:107] + "..."
            print(f"    {field}: {lab} -> {ans}  x{c}  e.g. {ex}")
        print()


if __name__ == "__main__":
    main()
