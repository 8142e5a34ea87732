"""Seeded mutation fuzzing of the text and JSON inputs (trtexec logs, layer/profile JSON, TREx
metadata): every mutant must give a report or a clean InputError/UsageError (exit 2), never
another exception (exit 3), within a time bound.

    python benchmarks/fuzz_inputs.py [--n 3000] [--seed 0] [--corpus DIR ...]

Mutations: JSON values replaced by values of another type (the commonest crash: a field of the
wrong type), keys dropped, arrays emptied or nested, numbers made huge/negative/NaN-like
strings; text lines dropped, duplicated, truncated, digits changed, bytes flipped.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ODD = [None, True, 0, -1, 1e308, "", "x", [], {}, [1, "a"], {"a": 1}, 2**70, "NaN"]


def _walk(obj, rnd: random.Random, p: float):
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            r = rnd.random()
            if r < p / 4:
                continue                                  # drop the key
            out[k] = rnd.choice(ODD) if r < p else _walk(v, rnd, p)
        return out
    if isinstance(obj, list):
        if rnd.random() < p / 4:
            return [] if rnd.random() < 0.5 else [obj[:1]]
        return [rnd.choice(ODD) if rnd.random() < p else _walk(v, rnd, p) for v in obj]
    return obj


def mutate_json(text: str, rnd: random.Random) -> str:
    try:
        obj = json.loads(text)
    except ValueError:
        return mutate_text(text, rnd)
    return json.dumps(_walk(obj, rnd, rnd.choice((0.01, 0.05, 0.2))))


def mutate_text(text: str, rnd: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(rnd.randint(1, 8)):
        if not lines:
            break
        i = rnd.randrange(len(lines))
        op = rnd.randrange(5)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            lines[i] = lines[i][: rnd.randrange(len(lines[i]) + 1)]
        elif op == 3:
            lines[i] = "".join(str(rnd.randrange(10)) if c.isdigit() and rnd.random() < 0.3
                               else c for c in lines[i])
        else:
            b = bytearray(lines[i].encode("utf-8", "replace"))
            if b:
                b[rnd.randrange(len(b))] = rnd.randrange(256)
            lines[i] = b.decode("utf-8", "replace")
    return "".join(lines)


def run_one(path: Path) -> str:
    from trtprof.analyze import analyze
    from trtprof.errors import TrtprofError
    from trtprof.settings import Options
    try:
        analyze([str(path)], Options(), lambda *_a, **_k: None)
        return "ok"
    except TrtprofError:
        return "clean error"
    except Exception:                  # noqa: BLE001 - what the fuzzer looks for
        return "CRASH " + traceback.format_exc().strip().splitlines()[-1][:160]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", nargs="*", default=["../shared/realdata/trt",
                                                    "../shared/realdata/trex",
                                                    "sample_traces"])
    ap.add_argument("--bound-s", type=float, default=20.0)
    args = ap.parse_args(argv)
    seeds = [p for d in args.corpus for p in sorted(Path(d).glob("*"))
             if p.is_file() and p.suffix in (".json", ".log", ".txt")]
    if not seeds:
        print("no seed files found", file=sys.stderr)
        return 2
    rnd = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    crashes: dict[str, str] = {}
    slow = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.n):
            seed = rnd.choice(seeds)
            text = seed.read_text(encoding="utf-8", errors="replace")
            mutant = mutate_json(text, rnd) if seed.suffix == ".json" else mutate_text(text, rnd)
            path = Path(tmp) / f"m{i}{seed.suffix}"
            path.write_text(mutant, encoding="utf-8")
            t0 = time.perf_counter()
            result = run_one(path)
            if time.perf_counter() - t0 > args.bound_s:
                slow += 1
            kind = result.split(" ")[0]
            outcomes[kind] += 1
            if kind == "CRASH":
                crashes.setdefault(result, f"{seed.name} -> {path.name}")
                path.rename(Path(tmp).parent / f"trtprof-crash-{args.seed}-{i}{seed.suffix}")
            else:
                path.unlink()
    print(f"{args.n} mutants of {len(seeds)} seed files (seed {args.seed}): "
          + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()) + f", over {args.bound_s:g} s: {slow}")
    for msg, where in crashes.items():
        print(f"  {msg}   [{where}]")
    return 1 if outcomes["CRASH"] or slow else 0


if __name__ == "__main__":
    sys.exit(main())
