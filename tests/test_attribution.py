"""NVTX projection primitives on hand-made ranges (the grammar of containment, not a corpus)."""

import numpy as np
import pandas as pd
import pytest

from trtprof.analysis.attribution import NONE, innermost, top_level


def ranges(rows):
    df = pd.DataFrame(rows, columns=["tid", "start", "end", "name"])
    df["_neg"] = -df["end"]
    return df.sort_values(["tid", "start", "_neg"], ignore_index=True).drop(columns="_neg")


def q(r, tid, start, end):
    return innermost(r, np.array(tid), np.array(start), np.array(end))


def test_innermost_nested_push_pop():
    r = ranges([(1, 0, 100, "enqueue"), (1, 10, 20, "conv"), (1, 30, 60, "block"),
                (1, 35, 40, "relu")])
    names = r["name"].to_numpy()
    got = q(r, [1, 1, 1, 1, 1], [12, 36, 45, 70, 150], [13, 37, 46, 71, 151])
    assert [names[i] if i != NONE else None for i in got] == [
        "conv", "relu", "block", "enqueue", None]


def test_launch_must_lie_entirely_inside():
    r = ranges([(1, 0, 100, "enqueue"), (1, 10, 20, "conv")])
    # starts inside conv, ends after it: only the outer range contains the call
    assert r["name"][q(r, [1], [15], [25])[0]] == "enqueue"


def test_other_thread_is_not_attributed():
    r = ranges([(1, 0, 100, "enqueue")])
    assert q(r, [2], [10], [11])[0] == NONE


def test_overlapping_start_end_ranges_pick_latest_start():
    # start/end ranges may cross; the innermost is the latest-starting one that contains the call
    r = ranges([(1, 0, 50, "a"), (1, 5, 100, "b"), (1, 60, 70, "c")])
    names = r["name"].to_numpy()
    got = q(r, [1, 1, 1], [10, 65, 80], [11, 66, 81])
    assert list(names[got]) == ["b", "c", "b"]


def test_many_ranges_match_brute_force():
    rng = np.random.default_rng(1)
    rows = []
    for t in (1, 2):
        for _ in range(300):
            s = int(rng.integers(0, 10_000))
            rows.append((t, s, s + int(rng.integers(1, 800)), "r"))
    r = ranges(rows)
    qt = rng.integers(1, 3, 500)
    qs = rng.integers(0, 10_000, 500)
    qe = qs + rng.integers(0, 50, 500)
    got = innermost(r, qt, qs, qe)
    tid, st, en = r["tid"].to_numpy(), r["start"].to_numpy(), r["end"].to_numpy()
    for i in range(500):
        ok = np.flatnonzero((tid == qt[i]) & (st <= qs[i]) & (en >= qe[i]))
        want = ok[-1] if len(ok) else NONE   # sorted by start: the last is the latest start
        assert got[i] == want or st[got[i]] == st[want]


@pytest.mark.parametrize("rounds", [0, 1, 2, 48])
def test_walk_and_exact_fallback_agree_with_brute_force(monkeypatch, rounds):
    # Few rounds force the sparse-table fallback (for the pointer jumping or for the query walk):
    # every path must give the brute-force answer on nested, crossing and equal-start ranges.
    import trtprof.analysis.attribution as attribution
    monkeypatch.setattr(attribution, "_MAX_ROUNDS", rounds)
    rng = np.random.default_rng(rounds + 7)
    for _ in range(60):
        n, m = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        starts = rng.integers(0, 100, n)
        rows = [(int(t), int(s), int(s + rng.integers(0, 60)), "r")
                for t, s in zip(rng.integers(0, 3, n), starts)]
        r = ranges(rows)
        qt, qs = rng.integers(-1, 3, m), rng.integers(0, 130, m)
        qe = qs + rng.integers(0, 12, m)
        got = innermost(r, qt, qs, qe)
        tid, st, en = r["tid"].to_numpy(), r["start"].to_numpy(), r["end"].to_numpy()
        for i in range(m):
            ok = np.flatnonzero((tid == qt[i]) & (st <= qs[i]) & (en >= qe[i]))
            assert got[i] == (ok[-1] if len(ok) and qt[i] != NONE else NONE)


def test_top_level_drops_nested_execution_ranges():
    r = ranges([(1, 0, 100, "execute"), (1, 5, 90, "enqueue"), (1, 200, 300, "execute"),
                (2, 50, 60, "enqueue")])
    assert list(r["name"][top_level(r)]) == ["execute", "execute", "enqueue"]


def test_many_threads_match_brute_force():
    # More threads than the per-thread comparison pass handles: the sorted grouping must agree.
    rng = np.random.default_rng(11)
    rows = [(int(t), int(s), int(s + rng.integers(1, 300)), "r")
            for t in range(40) for s in rng.integers(0, 2_000, 20)]
    r = ranges(rows)
    qt, qs = rng.integers(-1, 45, 3000), rng.integers(0, 2_000, 3000)
    qe = qs + rng.integers(0, 20, 3000)
    got = innermost(r, qt, qs, qe)
    tid, st, en = r["tid"].to_numpy(), r["start"].to_numpy(), r["end"].to_numpy()
    for i in range(3000):
        ok = np.flatnonzero((tid == qt[i]) & (st <= qs[i]) & (en >= qe[i]))
        assert got[i] == (ok[-1] if len(ok) else NONE)


def test_busy_time_is_the_union_of_intervals_per_group():
    # GPU busy time: overlapping ops count once, gaps not at all, per iteration (group).
    from trtprof.analysis.window import _union_length
    rng = np.random.default_rng(3)
    for trial in range(200):
        n = int(rng.integers(1, 40))
        s = rng.integers(0, 100, n)
        e = s + rng.integers(0, 30, n)
        g = rng.integers(0, 4, n) * 7
        if trial % 2:   # sorted by start, as ops arrive, and unsorted
            o = np.argsort(s, kind="stable")
            s, e, g = s[o], e[o], g[o]
        got = _union_length(s, e, g)
        assert list(got.index) == sorted(set(g.tolist()))
        for k in got.index:
            covered = np.zeros(200, dtype=bool)
            for a, b in zip(s[g == k], e[g == k]):
                covered[a:b] = True
            assert got[k] == covered.sum()


def test_busy_time_with_timestamps_too_far_apart_to_lift():
    # Ends spanning 2^61 ns in four groups cannot be lifted into one int64 running maximum:
    # the per-group path must give the same unions.
    from trtprof.analysis.window import _union_length
    far = 1 << 61
    s = np.array([0, 5, far, 0, far, far + 3, 10, far], dtype=np.int64)
    e = np.array([10, 20, far + 10, 4, far + 5, far + 9, 12, far + 1], dtype=np.int64)
    g = np.array([0, 0, 0, 1, 1, 1, 2, 3])
    got = _union_length(s, e, g)
    assert got.to_dict() == {0: 30, 1: 4 + 9, 2: 2, 3: 1}
