#!/usr/bin/env bash
# Capture every workload of capture.py under Nsight Systems, export SQLite,
# compress it, and write CAPTURE_NOTES.md with the versions and commands used.
#
#   bash sample_traces/capture/run_all.sh [OUTDIR] [workload ...]
#
# OUTDIR defaults to sample_traces/h100. Workloads default to all of them.
# Environment: NSYS (nsys binary), PYTHON (python with torch), ITERS (profiled
# iterations, default 8), WARMUP (default 5), WORKDIR (scratch, default
# /tmp/trtprof_capture), KEEP_REP=1 to also keep the .nsys-rep next to the
# .sqlite.xz (off: the reports are larger and trtprof reads SQLite).
# If sample_traces/capture/.libs/lib exists (libdw.so.1 and friends, see
# README.md) it is put on LD_LIBRARY_PATH for nsys.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTDIR=${1:-$HERE/../h100}
[ $# -gt 0 ] && shift
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORKDIR=${WORKDIR:-/tmp/trtprof_capture}
mkdir -p "$WORKDIR"
PYTHON=${PYTHON:-python3}
ITERS=${ITERS:-8}
WARMUP=${WARMUP:-5}
NSYS_DEFAULT=/opt/nvidia/nsight-compute/2025.3.1/host/target-linux-x64/nsys
if [ -z "${NSYS:-}" ]; then
  if command -v nsys >/dev/null 2>&1; then NSYS=$(command -v nsys); else NSYS=$NSYS_DEFAULT; fi
fi
if [ -d "$HERE/.libs/lib" ]; then
  export LD_LIBRARY_PATH="$HERE/.libs/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # libdw needs libbz2.so.1.0; carried as a fallback only (system copy preferred)
  if [ -d "$HERE/.libs/extra" ] && ! ldconfig -p 2>/dev/null | grep -q 'libbz2.so.1.0 '; then
    export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$HERE/.libs/extra"
  fi
fi

ALL="cnn_fp16_channels_last cnn_fp32 eager_unfused_bn transformer_block cuda_graph_node cuda_graph_graph memcpy_pageable_vs_pinned"
WORKLOADS=${*:-$ALL}

ENVTXT=$WORKDIR/environment.txt
CMDS=$WORKDIR/commands.txt
: >"$CMDS"

echo "== environment" | tee "$ENVTXT"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(uname -srm)"
  echo "os: $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-?}")"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)"
  echo "nsys_path: $NSYS"
  echo "nsys_version: $("$NSYS" --version 2>&1 | tr '\n' ' ')"
  echo "nvcc: $(nvcc --version 2>/dev/null | grep -i release | sed 's/^ *//')"
  echo "LD_LIBRARY_PATH: ${LD_LIBRARY_PATH:-}"
  echo "--- nsys profile --help (trace option)"
  "$NSYS" profile --help 2>&1 | grep -A14 -E '^[[:space:]]*-t, --trace=' | head -16
  echo "--- nvidia-smi --query-gpu"
  nvidia-smi --query-gpu=name,driver_version,memory.total,vbios_version,compute_cap,pci.bus_id,clocks.max.sm,power.limit --format=csv 2>&1
  echo "--- nvidia-smi (header)"
  nvidia-smi 2>&1 | head -12
  echo "--- python libraries"
  "$PYTHON" - <<'EOF' 2>&1
import ctypes, importlib.metadata as md, sys
print("python:", sys.version.split()[0], sys.executable)
import torch
print("torch:", torch.__version__, "cuda:", torch.version.cuda, "cudnn:", torch.backends.cudnn.version())
print("gpu:", torch.cuda.get_device_name(), "capability:", torch.cuda.get_device_capability(),
      "SMs:", torch.cuda.get_device_properties(0).multi_processor_count)
try:
    import torchvision; print("torchvision:", torchvision.__version__)
except Exception as e: print("torchvision: not importable:", e)
try:
    import nvtx; print("nvtx (python package):", getattr(nvtx, "__version__", "?"), nvtx.__file__)
except Exception as e: print("nvtx (python package): not importable (torch.cuda.nvtx used):", e)
for p in ["nvidia-cublas", "nvidia-cublas-cu12", "nvidia-cudnn-cu13", "nvidia-cudnn-cu12",
          "nvidia-cuda-runtime", "nvidia-cuda-runtime-cu12", "nvidia-cuda-cupti", "nvidia-nvtx",
          "triton", "numpy"]:
    try: print("pip %s: %s" % (p, md.version(p)))
    except md.PackageNotFoundError: pass
a = torch.randn(64, 64, device="cuda"); (a @ a).sum().item()
libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "libcublasLt" in l or "libcudnn.so" in l})
for l in libs:
    print("loaded:", l)
    if "libcublasLt" in l:
        try: print("cublasLtGetVersion:", ctypes.CDLL(l).cublasLtGetVersion())
        except Exception as e: print("cublasLtGetVersion failed:", e)
try:
    import tensorrt; print("tensorrt:", tensorrt.__version__)
except Exception as e: print("tensorrt: NOT available (%s: %s)" % (type(e).__name__, e))
EOF
  echo "trtexec: $(command -v trtexec || echo 'not found')"
} 2>&1 | tee -a "$ENVTXT"

echo "== nsys libraries (missing ones are fatal for the import/export step)"
for f in "$(dirname "$NSYS")"/* "$(dirname "$(readlink -f "$NSYS")")"/../host-linux-x64/*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  miss=$(ldd "$f" 2>/dev/null | grep 'not found' | tr -s ' \t' ' ')
  [ -n "$miss" ] && echo "  $(basename "$f"):$miss"
done
TRACE=cuda,nvtx,cublas,cudnn
NSYS_HELP=$("$NSYS" profile --help 2>&1)   # no pipe into grep -q: with pipefail, SIGPIPE would fail it
if ! grep -q "'cudnn'" <<<"$NSYS_HELP"; then
  echo "!! this nsys does not list cudnn tracing; using cuda,nvtx,cublas"
  TRACE=cuda,nvtx,cublas
  export TRACE_NOTE="\`$NSYS profile --help\` lists no \`cudnn\` trace option, so cuDNN API tracing was dropped: \`-t cuda,nvtx,cublas\`. cuDNN kernels are still in the kernel table."
fi

COMMON=(profile -t "$TRACE" -s none --cpuctxsw=none --capture-range=cudaProfilerApi
        --capture-range-end=stop --export=sqlite -f true)

ok=0
for w in $WORKLOADS; do
  extra=()
  case $w in
    cuda_graph_node) extra=(--cuda-graph-trace=node) ;;
    cuda_graph_graph) extra=(--cuda-graph-trace=graph) ;;
  esac
  rm -f "$WORKDIR/$w".*
  cmd=("$NSYS" "${COMMON[@]}" "${extra[@]}" -o "$WORKDIR/$w"
       "$PYTHON" "$HERE/capture.py" --workload "$w" --iters "$ITERS" --warmup "$WARMUP"
       --meta-out "$WORKDIR/$w.meta.json")
  echo "== $w"
  # record the command with repo-relative / generic paths
  echo "nsys ${COMMON[*]} ${extra[*]} -o $w python3 sample_traces/capture/capture.py --workload $w --iters $ITERS --warmup $WARMUP" >>"$CMDS"
  t0=$(date +%s)
  timeout "${WL_TIMEOUT:-150}" "${cmd[@]}" 2>&1 | tee "$WORKDIR/$w.log" | grep -v '^\s*$' | tail -25
  rc=${PIPESTATUS[0]}
  echo "   rc=$rc in $(( $(date +%s) - t0 )) s"
  if [ ! -s "$WORKDIR/$w.sqlite" ] && [ -s "$WORKDIR/$w.nsys-rep" ]; then
    echo "   no .sqlite: exporting the .nsys-rep"
    "$NSYS" export --type sqlite -f true -o "$WORKDIR/$w.sqlite" "$WORKDIR/$w.nsys-rep" 2>&1 | tail -5
  fi
  if [ ! -s "$WORKDIR/$w.sqlite" ]; then
    echo "!! $w: no sqlite produced"; ls -la "$WORKDIR" | grep "$w" || true
    if [ $ok -eq 0 ]; then echo "!! first workload failed: stopping"; break; fi
    continue
  fi
  "$PYTHON" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('vacuum'); c.close()" "$WORKDIR/$w.sqlite"
  "$PYTHON" "$HERE/capture.py" --summarize "$WORKDIR/$w.sqlite" >"$WORKDIR/$w.summary.json"
  xz -9e -T0 -c "$WORKDIR/$w.sqlite" >"$OUTDIR/$w.sqlite.xz"
  [ "${KEEP_REP:-0}" = 1 ] && [ -s "$WORKDIR/$w.nsys-rep" ] && cp "$WORKDIR/$w.nsys-rep" "$OUTDIR/"
  echo "   sqlite $(stat -c %s "$WORKDIR/$w.sqlite") B -> xz $(stat -c %s "$OUTDIR/$w.sqlite.xz") B"
  ok=$((ok + 1))
done

echo "== notes"
"$PYTHON" - "$OUTDIR" "$WORKDIR" "$ENVTXT" "$CMDS" "$NSYS" $WORKLOADS <<'EOF'
import json, os, sys
outdir, workdir, envtxt, cmds, nsys = sys.argv[1:6]
workloads = sys.argv[6:]
L = []
L.append("# Real H100 captures: notes\n")
L.append("Captured by `sample_traces/capture/run_all.sh` (workloads in `capture.py`). Each trace is an "
         "Nsight Systems SQLite export, compressed with `xz -9e`; decompress with `xz -dk FILE.sqlite.xz`.\n")
L.append("**TensorRT was not available on the capture machine**: these are PyTorch (cuDNN/cuBLAS/flash-attention) "
         "inference traces, not TensorRT engine traces. There are no `TensorRT`-domain NVTX ranges; module and "
         "iteration ranges are in the default NVTX domain. Weights are random (no downloads).\n")
L.append("Only the profiled iterations are in each trace: warm-up runs before `cudaProfilerStart` "
         "(`--capture-range=cudaProfilerApi`). CPU sampling and context switches are off (`-s none --cpuctxsw=none`).\n")
if os.environ.get("TRACE_NOTE"):
    L.append(os.environ["TRACE_NOTE"] + "\n")
L.append("## Environment\n\n```\n" + open(envtxt).read().strip() + "\n```\n")
L.append("## Commands\n\nRun from the repository root (LD_LIBRARY_PATH holding libdw.so.1 for nsys, see "
         "`sample_traces/capture/README.md`); `nsys` is `%s`.\n\n```\n%s\n```\n" % (nsys, open(cmds).read().strip()))
L.append("## Traces\n")
L.append("| file | xz bytes | sqlite bytes | kernels (distinct) | memcpy | NVTX | graph node events | kernels w/ graphNodeId |")
L.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
details = []
combined = {}
for w in workloads:
    sj = os.path.join(workdir, w + ".summary.json")
    if not os.path.exists(sj):
        L.append("| %s | FAILED (see capture log) | | | | | | |" % w)
        continue
    s = json.load(open(sj))[0]
    t = s["tables_present"]
    xzb = os.path.getsize(os.path.join(outdir, w + ".sqlite.xz"))
    sqb = os.path.getsize(os.path.join(workdir, w + ".sqlite"))
    L.append("| `%s.sqlite.xz` | %d | %d | %s (%s) | %s | %s | %s | %s |" % (
        w, xzb, sqb, t.get("CUPTI_ACTIVITY_KIND_KERNEL"), s.get("kernels_distinct"),
        t.get("CUPTI_ACTIVITY_KIND_MEMCPY"), t.get("NVTX_EVENTS"), t.get("CUDA_GRAPH_NODE_EVENTS"),
        s.get("kernels_with_graphNodeId")))
    meta = {}
    mp = os.path.join(workdir, w + ".meta.json")
    if os.path.exists(mp):
        meta = json.load(open(mp))
    combined[w] = {"meta": meta, "summary": s, "xz_bytes": xzb, "sqlite_bytes": sqb}
    d = ["### %s\n" % w]
    for k in ("model", "batch", "seq", "dtype", "memory_format", "sdpa_backend_per_block", "sizes_MB",
              "iterations", "warmup", "nvtx_api", "allow_tf32(matmul,cudnn)"):
        if k in meta:
            d.append("- %s: %s" % (k, meta[k]))
    d.append("- tables: " + ", ".join("%s=%s" % (k, v) for k, v in t.items() if v is not None))
    if s.get("nvtx_by_type_domain"):
        d.append("- NVTX eventType/domainId counts: %s; `iteration N` ranges: %s" % (
            ", ".join("%s/%s: %s" % (r["eventType"], r["domainId"], r["count"]) for r in s["nvtx_by_type_domain"]),
            s.get("nvtx_iteration_ranges")))
    if s.get("memcpy_by_kind"):
        d.append("- memcpy (copyKind, srcKind, dstKind: count, bytes): " + "; ".join(
            "%s,%s,%s: %s, %s" % (r["copyKind"], r["srcKind"], r["dstKind"], r["count"], r["bytes"])
            for r in s["memcpy_by_kind"]))
    if s.get("export_meta"):
        em = s["export_meta"]
        d.append("- export: " + ", ".join("%s=%s" % (k, em[k]) for k in sorted(em) if "VERSION" in k.upper()))
    if s.get("top_kernels"):
        d.append("\n| top kernels by total time | count | total us |\n| --- | --- | --- |")
        for k in s["top_kernels"]:
            d.append("| `%s` | %s | %s |" % (k["name"].replace("|", "\\|"), k["count"], k["total_us"]))
    details.append("\n".join(d) + "\n")
L.append("")
L.extend(details)
json.dump(combined, open(os.path.join(outdir, "traces_summary.json"), "w"), indent=1, sort_keys=True)
open(os.path.join(outdir, "CAPTURE_NOTES.md"), "w").write("\n".join(L) + "\n")
print("wrote", os.path.join(outdir, "CAPTURE_NOTES.md"))
EOF
ls -la "$OUTDIR"
echo "== done: $ok workload(s) captured"
[ $ok -gt 0 ]
