"""End-to-end goldens: the whole report for the bundled samples, a few facts for each real file
in ../shared/realdata. Numbers compare with a relative tolerance of 1e-9 (float sums may differ
in the last bits between numpy builds); everything else exactly. Regenerate with
``python tests/golden/make_goldens.py`` and review the diff: a change here is a behaviour change.
"""

from __future__ import annotations

import json
import math

import pytest

from golden.make_goldens import HERE, facts, real_cases, run, sample_cases


def _same(a, b, where="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: only in {'golden' if k in a else 'now'}"
               for k in set(a) ^ set(b)]
        for k in set(a) & set(b):
            out += _same(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items in the golden, {len(b)} now"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _same(x, y, f"{where}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
                math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            return []
    return [] if a == b else [f"{where}: golden {a!r}, now {b!r}"]


@pytest.mark.parametrize("name", sorted(sample_cases()))
def test_sample_report_matches_golden(name):
    golden = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
    diffs = _same(golden, json.loads(json.dumps(run(sample_cases()[name]))))
    assert not diffs, "\n".join(sorted(diffs)[:20])


def test_real_files_match_golden_facts():
    cases = real_cases()
    if not cases:
        pytest.skip("../shared/realdata is absent (a user's checkout has none)")
    golden = json.loads((HERE / "realdata_facts.json").read_text(encoding="utf-8"))
    assert set(golden) == set(cases), "the corpus changed: regenerate the goldens"
    diffs = []
    for name, paths in cases.items():
        diffs += _same(golden[name], json.loads(json.dumps(facts(run(paths)))), name)
    assert not diffs, "\n".join(sorted(diffs)[:30])
