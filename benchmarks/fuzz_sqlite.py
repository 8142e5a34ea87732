"""Seeded fuzzing of corrupt Nsight Systems SQLite exports, checked against SQLite itself.

    python benchmarks/fuzz_sqlite.py [--n 3000] [--seed 0] [--corpus FILE_OR_DIR ...]
                                     [--bound-s 60] [--keep DIR]

Each mutant is a bundled or real export with 1-3 byte-level damages (random bytes, a page's
cell count, an interior page's child numbers (0, itself, its parent, past the end), varints in a
leaf cell (payload size, rowid, record header, serial types), truncation, a page-type byte, the
freelist fields, the header's page size/encoding). ``trtprof analyze MUTANT --format json`` runs
in a forked child (trtprof is imported once, in the parent) under a wall-clock bound, and its
outcome is checked against what Python's sqlite3 reads from the same bytes:

- exit 0 only when trtprof's kernel count and total kernel time (window + excluded) equal
  SQLite's ``COUNT(*)`` and ``SUM(end - start)`` of CUPTI_ACTIVITY_KIND_KERNEL ("equal"); exit 0
  where they differ, or where SQLite cannot read those rows, is a "DISAGREE";
- exit 2 with one line ``trtprof: error: <the file>: ...`` ("refused"); any other stderr is a
  "BAD-MESSAGE";
- any other exit code (3: an internal error) is a "CRASH"; over the bound, a "HANG".

The summary line counts each outcome, and how many mutants SQLite's ``PRAGMA integrity_check``
calls damaged. Exit status 1 when any CRASH, HANG, DISAGREE or BAD-MESSAGE occurred.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KERNELS = "CUPTI_ACTIVITY_KIND_KERNEL"
BAD = ("CRASH", "HANG", "DISAGREE", "BAD-MESSAGE", "BAD-OUTPUT")
_BTREE = (2, 5, 10, 13)             # index interior, table interior, index leaf, table leaf


def default_corpus() -> list[Path]:
    shared = Path(os.environ.get("TRTPROF_SHARED", REPO.parent / "shared"))
    real = Path(os.environ.get("TRTPROF_REALDATA", shared / "realdata")) / "nsys"
    small = [p for p in sorted(real.glob("*.sqlite")) if p.stat().st_size < 3_000_000]
    return sorted((REPO / "sample_traces").glob("*.sqlite")) + small


class Sample:
    """One export's bytes and where its b-tree pages are (from the undamaged file)."""

    def __init__(self, path: Path):
        self.path = path
        self.data = path.read_bytes()
        size = int.from_bytes(self.data[16:18], "big")
        self.psize = 65536 if size == 1 else size
        self.npages = len(self.data) // self.psize
        self.btree = [p for p in range(1, self.npages + 1) if self.kind(self.data, p) in _BTREE]
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        roots = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                            (KERNELS,)).fetchall()
        con.close()
        self.kernel_pages = self.tree(roots[0][0]) if roots else []

    def header_at(self, page: int) -> int:
        return (page - 1) * self.psize + (100 if page == 1 else 0)

    def kind(self, data, page: int) -> int:
        return data[self.header_at(page)]

    def cells(self, data, page: int) -> list[int]:
        """File offsets of the page's cells (empty on a page that makes no sense)."""
        at = self.header_at(page)
        n = int.from_bytes(data[at + 3:at + 5], "big")
        first = at + (12 if data[at] in (2, 5) else 8)
        base = (page - 1) * self.psize
        ptrs = [int.from_bytes(data[first + 2 * i:first + 2 * i + 2], "big") for i in range(n)]
        return [base + p for p in ptrs if 0 < p < self.psize - 4]

    def tree(self, root: int) -> list[tuple[int, int | None]]:
        """(page, parent) of every page of the table b-tree at ``root``."""
        out, todo, seen = [], [(root, None)], set()
        while todo:
            page, parent = todo.pop()
            if page in seen or not 1 <= page <= self.npages:
                continue
            seen.add(page)
            out.append((page, parent))
            if self.kind(self.data, page) == 5:
                at = self.header_at(page)
                kids = [int.from_bytes(self.data[c:c + 4], "big")
                        for c in self.cells(self.data, page)]
                kids.append(int.from_bytes(self.data[at + 8:at + 12], "big"))
                todo.extend((k, page) for k in kids)
        return out


def _page(s: Sample, rnd: random.Random) -> tuple[int, int | None]:
    """A b-tree page, half the time one of the kernel table's (what the answer depends on)."""
    if s.kernel_pages and rnd.random() < 0.5:
        return rnd.choice(s.kernel_pages)
    return rnd.choice(s.btree or [1]), None


def mutate(s: Sample, data: bytearray, rnd: random.Random) -> str:
    """One damage to ``data`` (a copy of the sample's bytes); returns what it did."""
    if len(data) < len(s.data):
        return "(truncated already)"
    op = rnd.choice(("bytes", "cells", "child", "varint", "truncate", "type", "freelist",
                     "self", "header"))
    page, parent = _page(s, rnd)
    at = s.header_at(page)
    if op == "bytes":
        base = (page - 1) * s.psize
        for _ in range(rnd.randint(1, 16)):
            data[base + rnd.randrange(s.psize)] = rnd.randrange(256)
    elif op == "cells":
        n = int.from_bytes(data[at + 3:at + 5], "big")
        new = rnd.choice((0, 1, n - 1, n + 1, n * 2, 0xFFFF, rnd.randrange(0x10000)))
        data[at + 3:at + 5] = max(0, min(new, 0xFFFF)).to_bytes(2, "big")
    elif op in ("child", "self"):
        interior = [p for p, _ in s.kernel_pages if s.kind(data, p) == 5] or \
                   [p for p in s.btree if s.kind(data, p) in (2, 5)]
        if not interior:
            return mutate(s, data, rnd)
        page = rnd.choice(interior)
        at = s.header_at(page)
        parents = dict(s.kernel_pages)
        value = page if op == "self" else rnd.choice(
            (0, 1, page, parents.get(page) or 1, s.npages, s.npages + 1, 2**32 - 1,
             rnd.randrange(1, s.npages + 1)))
        slots = [c for c in s.cells(data, page)] + [at + 8]
        slot = rnd.choice(slots)
        data[slot:slot + 4] = value.to_bytes(4, "big")
        return f"{op} page {page} -> {value}"
    elif op == "varint":
        cells = s.cells(data, page)
        if not cells:
            return mutate(s, data, rnd)
        cell = rnd.choice(cells) + rnd.choice((0, 1, 2, 3, 4, 5, 6, 8))
        data[cell] = rnd.choice((0x00, 0x7F, 0x80, 0xFF, rnd.randrange(256)))
    elif op == "truncate":
        cut = rnd.choice((rnd.randrange(len(data)),
                          rnd.randrange(1, s.npages + 1) * s.psize - rnd.choice((0, 1, 100))))
        del data[max(cut, 1):]
        return f"truncate at {cut}"
    elif op == "type":
        data[at] = rnd.choice((0, 1, 2, 5, 10, 13, 0xFF))
    elif op == "freelist":
        field = rnd.choice((32, 36))
        data[field:field + 4] = rnd.choice((0, 1, page, s.npages + 5, 2**32 - 1)).to_bytes(4, "big")
        return f"freelist field {field}"
    else:   # header: page size, reserved bytes, text encoding, page count
        field = rnd.choice((16, 20, 28, 56))
        width = 2 if field == 16 else 1 if field == 20 else 4
        data[field:field + width] = rnd.randrange(256 ** width).to_bytes(width, "big")
        return f"header field {field}"
    return f"{op} page {page}"


def sqlite_reading(path: Path) -> dict:
    """What SQLite reads from ``path``: integrity, and the kernels' count and total time."""
    out: dict = {"integrity": "unreadable", "kernels": None}
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        con.text_factory = lambda b: b.decode("utf-8", "replace")
        try:
            out["integrity"] = str(con.execute("PRAGMA integrity_check(1)").fetchone()[0])
        except (sqlite3.Error, ValueError, OverflowError) as err:
            out["integrity"] = f"error: {err}"
        try:
            n, total = con.execute(f"SELECT COUNT(*), TOTAL(end - start) FROM {KERNELS}"
                                   ).fetchone()
            out["kernels"] = (int(n), int(total))
        except (sqlite3.Error, ValueError, OverflowError) as err:
            out["error"] = str(err)
        con.close()
    except sqlite3.Error as err:
        out["error"] = str(err)
    return out


def run_trtprof(path: Path, tmp: Path, bound_s: float) -> tuple[int | None, str, str]:
    """(exit code or None on timeout, stdout, stderr) of ``trtprof analyze`` in a fork."""
    from trtprof.cli import entry
    out, err = tmp / "stdout", tmp / "stderr"
    pid = os.fork()
    if pid == 0:                      # the child: trtprof's own entry point, then _exit
        try:
            os.setpgid(0, 0)
            for fd, name in ((1, out), (2, err)):
                f = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(f, fd)
            sys.argv = ["trtprof", "analyze", str(path), "--format", "json", "--no-progress"]
            entry()
        finally:
            os._exit(99)
    deadline = time.monotonic() + bound_s
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            code = None
            break
        time.sleep(0.01)
    return code, out.read_text(errors="replace"), err.read_text(errors="replace")


def judge(code: int | None, stdout: str, stderr: str, path: Path, truth: dict) -> str:
    if code is None:
        return "HANG"
    if code == 2:
        lines = stderr.strip().splitlines()
        ok = len(lines) == 1 and lines[0].startswith(f"trtprof: error: {path}")
        if not ok:
            return "BAD-MESSAGE"
        # a refusal is never wrong, but count those where SQLite still reads the kernels
        return "refused (SQLite reads the kernels)" if truth["kernels"] else "refused"
    if code != 0:
        return "CRASH"
    try:
        report = json.loads(stdout)
        m, w = report["metrics"], report["window"]
        got = (m["kernel_count"] + w["excluded_kernels"],
               m["kernel_time_ns"] + w["excluded_kernel_time_ns"])
    except (ValueError, KeyError, TypeError):
        return "BAD-OUTPUT" if truth["kernels"] else "DISAGREE"
    want = truth["kernels"] or (0, 0)
    # no kernel table: SQLite's query fails on "no such table", trtprof reads 0 kernels
    if truth["kernels"] is None and "no such table" not in truth.get("error", ""):
        return "DISAGREE"
    return "equal" if got == want else "DISAGREE"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", nargs="*", type=Path, help="exports or folders of them "
                    "(default: sample_traces and the real exports under 3 MB)")
    ap.add_argument("--bound-s", type=float, default=60.0)
    ap.add_argument("--keep", type=Path, help="where to keep the mutants with a bad outcome")
    args = ap.parse_args(argv)
    files = [p for c in args.corpus for p in ([c] if c.is_file() else sorted(c.glob("*.sqlite")))
             ] if args.corpus else default_corpus()
    if not files:
        print("no SQLite exports found", file=sys.stderr)
        return 2
    # imported once, before the forks (pandas included): every mutant runs the same code
    import trtprof.cli  # noqa: F401
    import trtprof.parsers.nsys.export  # noqa: F401
    import trtprof.pipeline  # noqa: F401
    samples = [Sample(p) for p in files]
    rnd = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    damaged = 0
    bad: list[str] = []
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="trtprof-fuzz-") as tmpdir:
        tmp = Path(tmpdir)
        for i in range(args.n):
            s = rnd.choice(samples)
            data = bytearray(s.data)
            what = [mutate(s, data, rnd) for _ in range(rnd.choice((1, 1, 2, 3)))]
            path = tmp / f"m{i}.sqlite"
            path.write_bytes(bytes(data))
            truth = sqlite_reading(path)
            damaged += truth["integrity"] != "ok"
            code, stdout, stderr = run_trtprof(path, tmp, args.bound_s)
            outcome = judge(code, stdout, stderr, path, truth)
            outcomes[outcome] += 1
            if outcome in BAD:
                line = (f"{outcome} #{i} {s.path.name}: {'; '.join(what)}; exit {code}; "
                        f"sqlite {truth}; {stderr.strip()[-300:]}")
                bad.append(line)
                print(line, flush=True)
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    path.rename(args.keep / f"fuzz-{args.seed}-{i}.sqlite")
            if path.exists():
                path.unlink()
            if (i + 1) % 250 == 0:
                print(f"  {i + 1} mutants, {time.monotonic() - t0:.0f} s: "
                      + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()), flush=True)
    print(f"{args.n} corrupt exports from {len(samples)} files (seed {args.seed}, "
          f"{time.monotonic() - t0:.0f} s): "
          + ", ".join(f"{k} {v}" for k, v in outcomes.most_common())
          + f"; integrity_check not ok: {damaged}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
