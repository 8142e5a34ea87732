"""Analysis throughput at scale, side by side with `nsys stats` and the raw read floor.

Run by hand (not in CI), on an otherwise idle machine:

    python benchmarks/bench_analyze.py --sizes 10000 100000 1000000 5000000

For each size it generates a trace in the real nsys schema (trtprof.testing.synth, 2 threads, 4 streams,
one NVTX range per layer plus the enqueue range, one launch API call per kernel; NVTX names as
registered strings (textId) as TensorRT writes them, or inline text with --nvtx-names text),
then measures:
  - `trtprof analyze FILE --format json` wall time and peak RSS (GNU time), kernels/s: the
    median of --runs runs (this VM's timings vary by 10-20% from run to run);
  - `nsys stats -r nvtx_gpu_proj_sum` and `-r cuda_gpu_kern_sum` on a private copy of the file
    (nsys from ../shared/tools/get_nsys.sh or $TRTPROF_NSYS);
  - the floor: reading the columns trtprof needs, with Python's sqlite3 (fetchall) and with
    the sqlite3 CLI (output to /dev/null).
Results go to benchmarks/out/results.json and are printed as a markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

# The columns trtprof reads (see trtprof/parsers/nsys/export.py).
FLOOR_QUERIES = [
    "SELECT start, end, deviceId, streamId, globalPid, correlationId, demangledName, shortName, "
    "graphNodeId FROM CUPTI_ACTIVITY_KIND_KERNEL",
    "SELECT start, end, globalTid, correlationId, nameId FROM CUPTI_ACTIVITY_KIND_RUNTIME",
    "SELECT start, end, globalTid, domainId, text, textId FROM NVTX_EVENTS "
    "WHERE eventType IN (59, 60, 70, 71) AND end IS NOT NULL",
]


def timed(cmd: list[str], **kw) -> dict:
    """Wall seconds and peak RSS (MB) of a command, through GNU time."""
    gnu_time = shutil.which("time") or "/usr/bin/time"
    full = [gnu_time, "-f", "%e %M", *cmd] if Path(gnu_time).exists() else cmd
    t0 = time.perf_counter()
    kw.setdefault("stdout", subprocess.PIPE)
    res = subprocess.run(full, stderr=subprocess.PIPE, text=True, **kw)
    wall = time.perf_counter() - t0
    rss = None
    if full is not cmd:
        last = res.stderr.strip().splitlines()[-1].split()
        try:
            wall, rss = float(last[0]), int(last[1]) / 1024
        except (ValueError, IndexError):
            pass
    return {"seconds": round(wall, 3), "peak_rss_mb": round(rss, 1) if rss else None,
            "ok": res.returncode == 0, "stderr": res.stderr[-300:] if res.returncode else ""}


def floor_python(path: Path) -> float:
    con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    t0 = time.perf_counter()
    for q in FLOOR_QUERIES:
        con.execute(q).fetchall()
    return round(time.perf_counter() - t0, 3)


def floor_cli(path: Path) -> float | None:
    exe = shutil.which("sqlite3")
    if not exe:
        return None
    t0 = time.perf_counter()
    for q in FLOOR_QUERIES:
        subprocess.run([exe, "-readonly", str(path), q], stdout=subprocess.DEVNULL, check=True)
    return round(time.perf_counter() - t0, 3)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def ram_gb() -> float | None:
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        return round(kb / 2**20, 1)
    except (OSError, ValueError, IndexError):
        return None


def find_nsys() -> str | None:
    env = os.environ.get("TRTPROF_NSYS")
    if env and Path(env).is_file():
        return env
    script = HERE.parent.parent / "shared" / "tools" / "get_nsys.sh"
    if script.exists():
        res = subprocess.run(["bash", str(script)], capture_output=True, text=True)
        if res.returncode == 0 and res.stdout.strip():
            return res.stdout.strip().splitlines()[-1]
    return shutil.which("nsys")


def nsys_stats(nsys: str, path: Path, report: str) -> dict:
    copy = OUT / f"nsys_copy_{path.name}"
    shutil.copy(path, copy)          # nsys may add tables to the file it reads
    try:
        return timed([nsys, "stats", "-q", "-r", report, "-f", "csv", "-o",
                      str(OUT / f"{path.stem}_{report}"), "--force-overwrite", "true",
                      str(copy)])
    finally:
        copy.unlink(missing_ok=True)


def ensure_trace(kernels: int, nvtx_names: str) -> Path:
    path = OUT / f"bench_{kernels}_{nvtx_names}.sqlite"
    if not path.exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "trtprof.testing.synth", "--kernels", str(kernels),
                        "--threads", "2", "--streams", "4", "--nvtx-names", nvtx_names,
                        "--out", str(path)], check=True)
        print(f"generated {path.name} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


def row_counts(path: Path) -> dict:
    con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("CUPTI_ACTIVITY_KIND_KERNEL", "CUPTI_ACTIVITY_KIND_RUNTIME", "NVTX_EVENTS")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--no-nsys", action="store_true", help="skip the nsys stats comparison")
    ap.add_argument("--nvtx-names", choices=("textId", "text"), default="textId",
                    help="NVTX names as registered strings (TensorRT) or inline text")
    ap.add_argument("--runs", type=int, default=3, help="trtprof runs per size (median kept)")
    ap.add_argument("--nsys-max", type=int, default=1_000_000,
                    help="largest size to run nsys stats on (it is slow)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    nsys = None if args.no_nsys else find_nsys()
    trtprof = shutil.which("trtprof") or "trtprof"
    results = []
    for n in args.sizes:
        path = ensure_trace(n, args.nvtx_names)
        counts = row_counts(path)
        r = {"kernels": counts["CUPTI_ACTIVITY_KIND_KERNEL"], "rows": counts,
             "file_mb": round(path.stat().st_size / 1e6, 1)}
        r["floor_python_s"] = min(floor_python(path) for _ in range(args.runs))
        r["floor_cli_s"] = min(floor_cli(path) or 0 for _ in range(args.runs)) or None
        runs = sorted((timed([trtprof, "analyze", str(path), "--format", "json",
                              "--save", str(OUT / f"report_{n}.json")],
                             stdout=subprocess.DEVNULL) for _ in range(args.runs)),
                      key=lambda x: x["seconds"])
        r["trtprof"] = runs[len(runs) // 2]
        r["trtprof_all_s"] = [x["seconds"] for x in runs]
        r["kernels_per_s"] = int(r["kernels"] / r["trtprof"]["seconds"])
        if nsys and n <= args.nsys_max:
            r["nsys_gpu_proj"] = nsys_stats(nsys, path, "nvtx_gpu_proj_sum")
            r["nsys_kern_sum"] = nsys_stats(nsys, path, "cuda_gpu_kern_sum")
        results.append(r)
        print(json.dumps(r), file=sys.stderr)
    import numpy
    import pandas
    machine = {"python": platform.python_version(), "numpy": numpy.__version__,
               "pandas": pandas.__version__, "sqlite": sqlite3.sqlite_version,
               "cpus": os.cpu_count(), "cpu": cpu_model(), "ram_gb": ram_gb(),
               "platform": platform.platform(), "nsys": nsys}
    (OUT / "results.json").write_text(json.dumps({"machine": machine, "results": results},
                                                 indent=2))
    machine["nvtx_names"] = args.nvtx_names
    print(json.dumps(machine))
    print("| kernels | file | trtprof analyze | peak RSS | kernels/s | floor (py / cli) | "
          "nsys nvtx_gpu_proj_sum | nsys cuda_gpu_kern_sum | trtprof / proj | "
          "time growth per 10x |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    prev = None
    for r in results:
        t = r["trtprof"]
        proj = r.get("nsys_gpu_proj", {}).get("seconds")
        kern = r.get("nsys_kern_sum", {}).get("seconds")
        ratio = f"{t['seconds'] / proj:.1%}" if proj else "-"
        # Time growth normalised to a 10x size step (1.0 x 10 = linear).
        growth = "-"
        if prev is not None and r["kernels"] > prev["kernels"]:
            k = math.log10(r["kernels"] / prev["kernels"])
            growth = f"{(t['seconds'] / prev['trtprof']['seconds']) ** (1 / k):.1f}x"
        prev = r
        spread = f" ({min(r['trtprof_all_s'])}-{max(r['trtprof_all_s'])})"
        print(f"| {r['kernels']:,} | {r['file_mb']} MB | {t['seconds']} s{spread} | "
              f"{t['peak_rss_mb']} MB"
              f" | {r['kernels_per_s']:,} | {r['floor_python_s']} s / {r['floor_cli_s']} s"
              f" | {proj or '-'} s | {kern or '-'} s | {ratio} | {growth} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
