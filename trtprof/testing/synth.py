"""Synthetic TensorRT traces written in the real Nsight Systems SQLite schema.

The DDL comes verbatim from a real nsys 2025.3.2 export (``nsys_schema.sql``); only the
events are made up.  The event model follows real TensorRT traces (see shared FORMATS.md §1):

* per inference an NVTX push/pop range ``ExecutionContext::enqueue`` in the "TensorRT" domain
  on the host thread, one child range per engine layer;
* inside each layer range the launch API rows (``cuLaunchKernel`` / ``cudaLaunchKernel_v7000``)
  whose kernels run later, back to back on the stream;
* input/output copies (``cudaMemcpyAsync_v3020``) before/after the enqueue range, then an
  event record + event synchronize (as trtexec does);
* optional "pre kernels" before the first enqueue, outside any range (builder/tactic timing).

Large traces are generated iteration-chunk by iteration-chunk with numpy and written with
``executemany``, so millions of kernels fit in bounded memory.

Timing model (simplifications, on purpose): each host thread synchronises at the end of every
iteration, so an iteration's GPU work starts on an idle stream; different streams never slow
each other down (the GPU is treated as having room for every concurrent kernel).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

SCHEMA_PATH = Path(__file__).with_name("nsys_schema.sql")

# Copy kinds and memory kinds, as in ENUM_CUDA_MEMCPY_OPER / ENUM_CUDA_MEM_KIND.
HTOD, DTOH, DTOD = 1, 2, 8
PAGEABLE, PINNED, DEVICE = 0, 1, 2
_COPY_KIND_NAME = {HTOD: "HtoD", DTOH: "DtoH", DTOD: "DtoD"}
# Bytes per ns (= GB/s) for the copy-duration model.
_BANDWIDTH = {(HTOD, PINNED): 24.0, (HTOD, PAGEABLE): 9.0, (DTOH, PINNED): 24.0,
              (DTOH, PAGEABLE): 8.0, (DTOD, DEVICE): 600.0}

# NVTX colours seen on TensorRT ranges in real traces (ARGB).
_ENQUEUE_COLOR, _LAYER_COLOR = 4291979550, 4294956800
_TRT_DOMAIN_ID = 1
_SETUP_STREAM = 7  # legacy/default-like stream used for setup and builder work
_FIRST_STREAM = 13  # TensorRT/trtexec streams in real traces have ids like 13..19


@dataclass
class Memcpy:
    """An async copy launched inside a layer range (e.g. an Identity layer doing a DtoD copy)."""

    copy_kind: int = DTOD
    bytes: int = 1 << 20


@dataclass
class Layer:
    """One engine layer: its NVTX range name and the kernels it launches, in order."""

    name: str
    kernels: list[tuple[str, int]]  # (demangled kernel name, duration ns)
    memcpys: list[Memcpy] = field(default_factory=list)
    # Engine-JSON metadata (optional): used for the layer JSON and the expected facts.
    layer_type: str = ""
    precision: str = ""  # "Int8", "Half", "Float": the layer's compute precision
    tactic: str = ""


@dataclass
class Scenario:
    """A whole capture: GPU, engine layers, how many inferences and how they are run."""

    name: str
    gpu_name: str
    compute_capability: tuple[int, int]
    sm_count: int
    layers: list[Layer]
    iterations: int = 10
    host_gap_ns: int = 20_000  # host time between the end of one inference and the next
    h2d_bytes: int = 602_112
    d2h_bytes: int = 4_000
    pageable: bool = False  # host buffers of the input/output copies
    threads: int = 1
    streams: int = 1  # must be >= threads; each thread round-robins over its own streams
    tensorrt_domain: bool = True  # False: same ranges in the default NVTX domain (0)
    nvtx: bool = True  # False: no NVTX at all (analysis must fall back to all kernels)
    nvtx_names: str = "textId"  # "textId" (registered strings), "text", or "mixed"
    enqueue_range: str = "ExecutionContext::enqueue"
    pre_kernels: list[tuple[str, int]] = field(default_factory=list)
    engine_precision: str = "Half"  # what the engine was built for ("Int8", "Half", "Float")
    jitter: float = 0.03  # relative sd of kernel durations
    pid: int = 4242
    vm_id: int = 1  # real exports set vmId 1 in bits 48+ of every global id
    t0_ns: int = 1_000_000_000
    process_name: str = "trtexec"
    command: tuple[str, ...] = ("trtexec", "--loadEngine=model.engine")


# ----------------------------------------------------------------------------------------
# Kernel-name helpers

def short_name(demangled: str) -> str:
    """The base function name nsys stores as shortName ("void ns::f<...>(...)" -> "f")."""
    s = demangled[5:] if demangled.startswith("void ") else demangled
    depth, cut = 0, len(s)
    for i, ch in enumerate(s):  # first '<' or '(' at template depth 0
        if ch in "<(" and depth == 0:
            cut = i
            break
    return s[:cut].rsplit("::", 1)[-1]


# Mangled names for the templated kernels used by the named scenarios (extern "C"-style
# kernels such as xmma/cask ones have mangled == demangled in real exports).
_MANGLED: dict[str, str] = {}


def _launch_api(demangled: str) -> tuple[str, int]:
    """(API name, eventClass): templated runtime kernels go through the runtime API."""
    if demangled.startswith("void "):
        return "cudaLaunchKernel_v7000", 0
    return "cuLaunchKernel", 1


def _launch_shape(name: str) -> tuple[int, ...]:
    """Deterministic, plausible (regs, gridX, gridY, gridZ, blockX, blockY, blockZ, smem static, dyn)."""
    h = zlib.crc32(name.encode())
    if "xmma" in name or "gemm" in name or "scudnn" in name:
        return (126 + h % 64, 1 + h % 4, 49 * (1 + h % 8), 1, 128 if h & 1 else 256, 1, 1,
                0, (48 + 16 * (h % 4)) * 1024)
    return (16 + h % 24, 64 * (1 + h % 196), 1, 1, 128 if h & 1 else 256, 1, 1, 0, 0)


_GEMM_HINT = re.compile(r"gemm|scudnn|conv", re.IGNORECASE)


def _is_gemm_hint(name: str) -> bool:
    """The generator's own intent (GEMM/convolution) for the names it uses, for facts only."""
    return bool(_GEMM_HINT.search(name))


# ----------------------------------------------------------------------------------------
# Writer

def _global_tid(vm: int, pid: int, tid: int) -> int:
    return (vm << 48) | (pid << 24) | tid


class _Strings:
    """StringIds interning."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def __call__(self, s: str) -> int:
        if s not in self.ids:
            self.ids[s] = len(self.ids) + 1
        return self.ids[s]


@dataclass
class _Op:
    """One API call in the per-iteration template (GPU op or API-only)."""

    api: str
    event_class: int
    layer: int  # index into scenario.layers, -1 outside layer ranges
    kind: str  # "kernel", "memcpy"
    name: str = ""  # kernel name
    dur: int = 0  # GPU duration ns (base)
    copy_kind: int = 0
    bytes: int = 0
    src_kind: int = 0
    dst_kind: int = 0


def _copy_dur(kind: int, host_kind: int, nbytes: int) -> int:
    return int(1_300 + nbytes / _BANDWIDTH[(kind, host_kind)])


def _body_ops(sc: Scenario) -> list[_Op]:
    """GPU-op API calls of one inference, in host order, H2D first (outside the ranges)."""
    host_kind = PAGEABLE if sc.pageable else PINNED
    ops: list[_Op] = []
    if sc.h2d_bytes:
        ops.append(_Op("cudaMemcpyAsync_v3020", 0, -1, "memcpy", dur=_copy_dur(HTOD, host_kind, sc.h2d_bytes),
                       copy_kind=HTOD, bytes=sc.h2d_bytes, src_kind=host_kind, dst_kind=DEVICE))
    for li, layer in enumerate(sc.layers):
        for kname, dur in layer.kernels:
            api, cls = _launch_api(kname)
            ops.append(_Op(api, cls, li, "kernel", name=kname, dur=int(dur)))
        for m in layer.memcpys:
            ops.append(_Op("cudaMemcpyAsync_v3020", 0, li, "memcpy", dur=_copy_dur(DTOD, DEVICE, m.bytes),
                           copy_kind=m.copy_kind, bytes=m.bytes, src_kind=DEVICE, dst_kind=DEVICE))
    return ops


_KERNEL_COLS = ("start", "end", "deviceId", "contextId", "streamId", "correlationId", "globalPid",
                "demangledName", "shortName", "mangledName", "launchType", "cacheConfig",
                "registersPerThread", "gridX", "gridY", "gridZ", "blockX", "blockY", "blockZ",
                "staticSharedMemory", "dynamicSharedMemory", "localMemoryPerThread",
                "localMemoryTotal", "gridId", "sharedMemoryExecuted", "sharedMemoryLimitConfig")
_RUNTIME_COLS = ("start", "end", "eventClass", "globalTid", "correlationId", "nameId", "returnValue")
_MEMCPY_COLS = ("start", "end", "deviceId", "contextId", "streamId", "correlationId", "globalPid",
                "bytes", "copyKind", "srcKind", "dstKind", "srcDeviceId", "srcContextId",
                "dstDeviceId", "dstContextId", "copyCount")
_MEMSET_COLS = ("start", "end", "deviceId", "contextId", "streamId", "correlationId", "globalPid",
                "value", "bytes", "memKind")
_SYNC_COLS = ("start", "end", "deviceId", "contextId", "streamId", "correlationId", "globalPid",
              "syncType", "eventId")
_NVTX_COLS = ("start", "end", "eventType", "color", "text", "globalTid", "textId", "domainId")


def _insert(con: sqlite3.Connection, table: str, cols: tuple[str, ...], rows: Iterable[tuple]) -> None:
    con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)


def _rows(*cols) -> Iterable[tuple]:
    """Zip numpy columns / scalars into row tuples of plain Python values."""
    n = next(len(c) for c in cols if isinstance(c, np.ndarray))
    lists = [c.tolist() if isinstance(c, np.ndarray) else [c] * n for c in cols]
    return zip(*lists)


def write_trace(scenario: Scenario, path: str | Path, *, seed: int = 0,
                chunk_ops: int = 250_000) -> dict:
    """Write `scenario` as an nsys-schema SQLite file at `path`; return the expected facts.

    Facts count GPU work over the whole file; "window" means launched inside the TensorRT
    enqueue ranges (all iterations), and per-layer numbers use innermost-range attribution.
    """
    # Names reused below: a correlation id, then a column index; a duration, then an array.
    c: Any
    dur: Any
    sc = scenario
    if sc.streams < sc.threads:
        raise ValueError("streams must be >= threads (each thread owns its streams)")
    if sc.nvtx_names not in ("textId", "text", "mixed"):
        raise ValueError("nvtx_names must be textId, text or mixed")
    path = Path(path)
    if path.exists():
        path.unlink()
    rng = np.random.default_rng(seed)
    strings = _Strings()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.executescript(SCHEMA_PATH.read_text())

    vm, pid = sc.vm_id, sc.pid
    gpid = _global_tid(vm, pid, 0)
    tids = [_global_tid(vm, pid, pid + t) for t in range(sc.threads)]  # main thread tid == pid

    # ---- kernel name table (every distinct name gets demangled/short/mangled ids + shape)
    kinfo: dict[str, tuple] = {}

    def kernel_ids(name: str) -> tuple:
        if name not in kinfo:
            d = strings(name)
            s = strings(short_name(name))
            mangled = _MANGLED.get(name)
            m = strings(mangled) if mangled else (d if not name.startswith("void ") else None)
            kinfo[name] = (d, s, m) + _launch_shape(name)
        return kinfo[name]

    api_id = {a: strings(a) for a in ("cuLaunchKernel", "cudaLaunchKernel_v7000", "cudaMemcpyAsync_v3020",
                                      "cudaMemsetAsync_v3020", "cudaEventRecord_v3020",
                                      "cudaEventSynchronize_v3020")}
    grid_id = [1000]
    corr = [500]  # correlation ids are unique per process; start past CUDA init calls

    def next_corr(n: int) -> np.ndarray:
        ids = np.arange(corr[0], corr[0] + n, dtype=np.int64)
        corr[0] += n
        return ids

    out_kernel_count = 0
    out_kernel_time = 0
    out_kernel_names: dict[str, list[int]] = {}
    memcpy_facts: dict[str, dict[str, int]] = {}

    def add_memcpy_fact(kind: int, src: int, dst: int, nbytes: int, count: int, in_window: bool) -> None:
        f = memcpy_facts.setdefault(_COPY_KIND_NAME[kind], {"count": 0, "bytes": 0, "pageable": 0, "in_window": 0})
        f["count"] += count
        f["bytes"] += nbytes * count
        f["pageable"] += count if PAGEABLE in (src, dst) else 0
        f["in_window"] += count if in_window else 0

    # ---- setup phase on thread 0: memsets, weight upload, builder/tactic-timing kernels
    t = sc.t0_ns
    setup_api, setup_kern, setup_cpy, setup_set = [], [], [], []
    gpu_free = t
    for nbytes in (1 << 20, 4 << 20):
        c = int(next_corr(1)[0])
        setup_api.append((t, t + 3_000, 0, tids[0], c, api_id["cudaMemsetAsync_v3020"], 0))
        gs = max(t + 5_000, gpu_free)
        gpu_free = gs + 1_000 + nbytes // 400
        setup_set.append((gs, gpu_free, 0, 1, _SETUP_STREAM, c, gpid, 0, nbytes, DEVICE))
        t += 8_000
    wbytes = 25_000_000
    c = int(next_corr(1)[0])
    host_kind = PAGEABLE if sc.pageable else PINNED  # the app uses one kind of host buffer
    wdur = _copy_dur(HTOD, host_kind, wbytes)
    gs = max(t + 2_000, gpu_free)
    gpu_free = gs + wdur
    setup_api.append((t, gpu_free + 3_000, 0, tids[0], c, api_id["cudaMemcpyAsync_v3020"], 0))
    setup_cpy.append((gs, gpu_free, 0, 1, _SETUP_STREAM, c, gpid, wbytes, HTOD, host_kind, DEVICE, 0, 1, 0, 1, 1))
    add_memcpy_fact(HTOD, host_kind, DEVICE, wbytes, 1, False)
    t = gpu_free + 10_000
    for kname, dur in sc.pre_kernels:
        api, cls = _launch_api(kname)
        c = int(next_corr(1)[0])
        setup_api.append((t, t + 4_000, cls, tids[0], c, api_id[api], 0))
        gs = max(t + 6_000, gpu_free)
        gpu_free = gs + int(dur)
        ki = kernel_ids(kname)
        grid_id[0] += 1
        setup_kern.append((gs, gpu_free, 0, 1, _SETUP_STREAM, c, gpid, *ki[:3], 0, 0, *ki[3:],
                           0, 113_639_424, grid_id[0], ki[11] if ki[11] else 0, 0))
        out_kernel_count += 1
        out_kernel_time += int(dur)
        acc = out_kernel_names.setdefault(kname, [0, 0])
        acc[0] += 1
        acc[1] += int(dur)
        t += 5_000
    _insert(con, "CUPTI_ACTIVITY_KIND_RUNTIME", _RUNTIME_COLS, setup_api)
    _insert(con, "CUPTI_ACTIVITY_KIND_KERNEL", _KERNEL_COLS, setup_kern)
    _insert(con, "CUPTI_ACTIVITY_KIND_MEMCPY", _MEMCPY_COLS, setup_cpy)
    _insert(con, "CUPTI_ACTIVITY_KIND_MEMSET", _MEMSET_COLS, setup_set)
    iter_t0 = max(t, gpu_free) + 1_000_000

    # ---- NVTX domain + names
    domain = _TRT_DOMAIN_ID if sc.tensorrt_domain else 0
    nvtx_rows: list[tuple] = []
    if sc.nvtx and sc.tensorrt_domain:
        # the domain is created at library load, well before the first range (may be < 0)
        nvtx_rows.append((sc.t0_ns - 5_000_000, None, 75, None, "TensorRT", tids[0], None, domain))

    def nvtx_name(s: str, idx: int) -> tuple[str | None, int | None]:
        use_id = sc.nvtx_names == "textId" or (sc.nvtx_names == "mixed" and idx % 2 == 0)
        return (None, strings(s)) if use_id else (s, None)

    enq_text, enq_tid = nvtx_name(sc.enqueue_range, 0)
    layer_names = [nvtx_name(layer.name, i + 1) for i, layer in enumerate(sc.layers)]
    if nvtx_rows:
        _insert(con, "NVTX_EVENTS", _NVTX_COLS, nvtx_rows)

    # ---- per-iteration template: host slots (gap / api / mark) and GPU ops
    ops = _body_ops(sc)
    n_ops = len(ops)
    op_kinfo = [kernel_ids(o.name) if o.kind == "kernel" else None for o in ops]
    slot_base: list[int] = []
    slot_jit: list[int] = []
    op_slot: list[int] = []
    marks: dict[str, int] = {}

    def slot(base: int, jit: int) -> int:
        slot_base.append(base)
        slot_jit.append(jit)
        return len(slot_base) - 1

    def mark(key: str) -> None:
        marks[key] = slot(0, 0)

    host_kind = PAGEABLE if sc.pageable else PINNED
    oi = 0
    if sc.h2d_bytes:
        # a pageable async copy blocks the host until the data is staged and sent
        op_slot.append(slot(ops[0].dur + 4_000 if sc.pageable else 4_500, 1_500))
        oi = 1
    slot(1_500, 800)
    mark("enq0")
    for li, layer in enumerate(sc.layers):
        slot(300, 200)
        mark(f"l0_{li}")
        while oi < n_ops and ops[oi].layer == li:
            slot(600, 900)
            op_slot.append(slot(2_800 if ops[oi].event_class == 1 else 3_600, 1_500))
            oi += 1
        slot(250, 150)
        mark(f"l1_{li}")
    slot(400, 300)
    mark("enq1")
    slot(1_200, 600)
    mark("tail")
    base = np.asarray(slot_base, dtype=np.int64)
    jit = np.asarray(slot_jit, dtype=np.int64)
    op_slot_a = np.asarray(op_slot, dtype=np.int64)
    gpu_base = np.asarray([o.dur for o in ops], dtype=np.int64)
    # pageable H2D starts on the GPU while its API call is still running
    ready_from_start = np.zeros(n_ops, dtype=bool)
    if sc.h2d_bytes and sc.pageable:
        ready_from_start[0] = True
    is_kernel = np.asarray([o.kind == "kernel" for o in ops])
    op_layer = np.asarray([o.layer for o in ops], dtype=np.int64)
    d2h_dur = _copy_dur(DTOH, host_kind, sc.d2h_bytes) if sc.d2h_bytes else 0

    # per-thread streams and clocks
    thread_streams = [[_FIRST_STREAM + s for s in range(sc.streams) if s % sc.threads == th]
                      for th in range(sc.threads)]
    clock = np.asarray([iter_t0 + 7_000 * th for th in range(sc.threads)], dtype=np.int64)
    per_thread_done = [0] * sc.threads

    op_time_sum = np.zeros(n_ops, dtype=np.int64)
    span_total = 0
    n_api_iter = n_ops + (1 if sc.d2h_bytes else 0) + 2  # + D2H, event record, event sync
    chunk = max(1, chunk_ops // max(1, n_api_iter))
    done = 0
    while done < sc.iterations:
        n = min(chunk, sc.iterations - done)
        it = np.arange(done, done + n)
        thread = it % sc.threads
        # host slot durations and boundaries (relative to the iteration start)
        dur = base + rng.integers(0, jit + 1, size=(n, len(base)))
        bounds = np.zeros((n, len(base) + 1), dtype=np.int64)
        np.cumsum(dur, axis=1, out=bounds[:, 1:])
        api_s = bounds[:, op_slot_a]
        api_e = bounds[:, op_slot_a + 1]
        # GPU: start = max(ready, previous end) on the stream -> cumulative max trick
        g = np.broadcast_to(gpu_base, (n, n_ops)).copy()
        if sc.jitter and n_ops:  # kernels vary run to run; copies are bandwidth-bound and steady
            f = (1.0 + sc.jitter * rng.standard_normal((n, n_ops))).clip(0.5, 1.5)
            g = np.where(is_kernel, np.maximum((g * f).astype(np.int64), 1), g)
        lat = rng.integers(1_000, 3_000, size=(n, n_ops))
        ready = np.where(ready_from_start, api_s + 1_500, api_e + lat)
        excl = np.cumsum(g, axis=1) - g
        g_s = excl + np.maximum.accumulate(ready - excl, axis=1) if n_ops else g
        g_e = g_s + g
        if sc.h2d_bytes and sc.pageable:  # blocking copy returns after the GPU finished it
            api_e[:, 0] = np.maximum(api_e[:, 0], g_e[:, 0] + 2_000)
        # tail: D2H, event record, event synchronize
        tail = bounds[:, marks["tail"]]
        last_end = g_e[:, -1] if n_ops else tail
        if sc.d2h_bytes:
            d_api_s = tail
            d_gs = np.maximum(d_api_s + (1_500 if sc.pageable else 5_500), last_end)
            d_ge = d_gs + d2h_dur
            d_api_e = d_ge + 2_000 if sc.pageable else d_api_s + 4_200
            gpu_end = d_ge
        else:
            d_api_e = tail
            gpu_end = last_end
        rec_s = d_api_e + 800
        rec_e = rec_s + 2_000
        syn_s = rec_e + 600
        syn_e = np.maximum(syn_s + 1_000, gpu_end + 1_500)
        span = syn_e + sc.host_gap_ns + rng.integers(0, 2_000, size=n)
        # absolute iteration start per thread (each thread runs its iterations back to back)
        T = np.empty(n, dtype=np.int64)
        for th in range(sc.threads):
            idx = np.nonzero(thread == th)[0]
            if len(idx) == 0:
                continue
            cs = np.cumsum(span[idx])
            T[idx] = clock[th] + cs - span[idx]
            clock[th] += cs[-1]
        span_total += int(span.sum())
        stream = np.empty(n, dtype=np.int64)
        for th in range(sc.threads):
            idx = np.nonzero(thread == th)[0]
            k = np.arange(per_thread_done[th], per_thread_done[th] + len(idx))
            per_thread_done[th] += len(idx)
            stream[idx] = np.asarray(thread_streams[th])[k % len(thread_streams[th])]
        gtid = np.asarray(tids, dtype=np.int64)[thread]
        Tc = T[:, None]
        cids = next_corr(n * n_api_iter).reshape(n, n_api_iter)

        # runtime rows: body ops, then D2H, record, sync
        ev_cls = np.asarray([o.event_class for o in ops], dtype=np.int64)
        name_ids = np.asarray([api_id[o.api] for o in ops], dtype=np.int64)
        r_start = [api_s + Tc]
        r_end = [api_e + Tc]
        r_cls = [np.broadcast_to(ev_cls, (n, n_ops))]
        r_name = [np.broadcast_to(name_ids, (n, n_ops))]
        extra = []
        if sc.d2h_bytes:
            extra.append((d_api_s, d_api_e, api_id["cudaMemcpyAsync_v3020"]))
        extra += [(rec_s, rec_e, api_id["cudaEventRecord_v3020"]), (syn_s, syn_e, api_id["cudaEventSynchronize_v3020"])]
        for s_, e_, nid in extra:
            r_start.append((s_ + T)[:, None])
            r_end.append((e_ + T)[:, None])
            r_cls.append(np.zeros((n, 1), np.int64))
            r_name.append(np.full((n, 1), nid, np.int64))
        R = [np.concatenate(x, axis=1).ravel() for x in (r_start, r_end, r_cls, r_name)]
        _insert(con, "CUPTI_ACTIVITY_KIND_RUNTIME", _RUNTIME_COLS,
                _rows(R[0], R[1], R[2], np.repeat(gtid, n_api_iter), cids.ravel(), R[3], 0))

        # kernel rows
        kcols = np.nonzero(is_kernel)[0]
        if len(kcols):
            info = np.asarray([op_kinfo[c] for c in kcols], dtype=object)
            nk = len(kcols)
            tile = lambda j: np.tile(np.asarray([(-1 if v is None else v) for v in info[:, j]], np.int64), n)
            gids = np.arange(grid_id[0] + 1, grid_id[0] + 1 + n * nk, dtype=np.int64)
            grid_id[0] += n * nk
            cols = [(g_s[:, kcols] + Tc).ravel(), (g_e[:, kcols] + Tc).ravel(), 0, 1,
                    np.repeat(stream, nk), cids[:, kcols].ravel(), gpid, tile(0), tile(1), np.tile(info[:, 2], n),
                    0, 0] + [tile(j) for j in range(3, 10)] + [tile(10), tile(11), 0, 113_639_424, gids,
                                                                 np.maximum(tile(11), 0), 0]
            _insert(con, "CUPTI_ACTIVITY_KIND_KERNEL", _KERNEL_COLS, _rows_obj(cols))

        # memcpy rows
        ccols = np.nonzero(~is_kernel)[0]
        cpy_parts: list[tuple[Any, ...]] = []
        for c in ccols:
            o = ops[c]
            cpy_parts.append((g_s[:, c] + T, g_e[:, c] + T, cids[:, c], o.bytes, o.copy_kind, o.src_kind, o.dst_kind))
        if sc.d2h_bytes:
            cpy_parts.append((d_gs + T, d_ge + T, cids[:, n_ops], sc.d2h_bytes, DTOH, DEVICE, host_kind))
        for s_, e_, c_, b, k, sk, dk in cpy_parts:
            _insert(con, "CUPTI_ACTIVITY_KIND_MEMCPY", _MEMCPY_COLS,
                    _rows(s_, e_, 0, 1, stream, c_, gpid, b, k, sk, dk, 0, 1, 0, 1, 1))
        for c in ccols:
            o = ops[c]
            add_memcpy_fact(o.copy_kind, o.src_kind, o.dst_kind, o.bytes, n, o.layer >= 0)
        if sc.d2h_bytes:
            add_memcpy_fact(DTOH, DEVICE, host_kind, sc.d2h_bytes, n, False)

        # event synchronisation rows (syncType 1 = event sync)
        _insert(con, "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION", _SYNC_COLS,
                _rows(syn_s + T, syn_e + T, 0, 1, stream, cids[:, -1], gpid, 1, 4 + thread))

        # NVTX ranges: enqueue + one per layer
        if sc.nvtx:
            starts = [bounds[:, marks["enq0"]]] + [bounds[:, marks[f"l0_{li}"]] for li in range(len(sc.layers))]
            ends = [bounds[:, marks["enq1"]]] + [bounds[:, marks[f"l1_{li}"]] for li in range(len(sc.layers))]
            names = [(enq_text, enq_tid)] + layer_names
            colors = [_ENQUEUE_COLOR] + [_LAYER_COLOR] * len(sc.layers)
            nr = len(names)
            S = (np.stack(starts, axis=1) + Tc).ravel()
            E = (np.stack(ends, axis=1) + Tc).ravel()
            texts = [nm[0] for nm in names] * n
            tids_ = [nm[1] for nm in names] * n
            _insert(con, "NVTX_EVENTS", _NVTX_COLS,
                    zip(S.tolist(), E.tolist(), [59] * (n * nr), colors * n, texts,
                        np.repeat(gtid, nr).tolist(), tids_, [domain] * (n * nr)))

        op_time_sum += g.sum(axis=0)
        done += n

    # ---- descriptive tables
    _write_metadata(con, sc, seed, strings, tids, gpid)
    con.executemany("INSERT INTO StringIds (id, value) VALUES (?, ?)", ((i, s) for s, i in strings.ids.items()))
    for table in ("CUPTI_ACTIVITY_KIND_MEMSET", "CUPTI_ACTIVITY_KIND_MEMCPY", "CUPTI_ACTIVITY_KIND_SYNCHRONIZATION",
                  "NVTX_EVENTS", "CUPTI_ACTIVITY_KIND_KERNEL"):
        # nsys creates tables lazily: no rows, no table
        if con.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None:
            con.execute(f"DROP TABLE {table}")
    con.commit()
    if sc.iterations * n_ops < 200_000:
        con.execute("VACUUM")
    con.close()
    return _facts(sc, seed, ops, op_time_sum, out_kernel_names, memcpy_facts, is_kernel, op_layer)


def _rows_obj(cols: list) -> Iterable[tuple]:
    """Like _rows, but lets object columns (with None) through unchanged."""
    n = next(len(c) for c in cols if isinstance(c, np.ndarray))
    lists = [c.tolist() if isinstance(c, np.ndarray) else (c if isinstance(c, list) else [c] * n) for c in cols]
    return zip(*lists)


def _write_metadata(con: sqlite3.Connection, sc: Scenario, seed: int, strings: _Strings,
                    tids: list[int], gpid: int) -> None:
    """Export/capture metadata, GPU, process and thread tables."""
    export = [("EXPORT_PRODUCT_NAME", "NVIDIA Nsight Systems"), ("EXPORT_PRODUCT_VERSION", "2025.3.2.0"),
              ("EXPORT_PRODUCT_DATE", "2025.3"), ("EXPORT_SCHEMA_VERSION", "3.20.3"),
              ("EXPORT_SCHEMA_VERSION_MAJOR", "3"), ("EXPORT_SCHEMA_VERSION_MINOR", "20"),
              ("EXPORT_SCHEMA_VERSION_MICRO", "3"), ("EXPORT_PLATFORM", "linux-desktop"), ("EXPORT_ARCH", "x64"),
              ("EXPORT_PARAM_INPUT_FILE", f"synthetic:{sc.name}"),
              ("EXPORT_PARAM_OUTPUT_FILE", f"{sc.name}.sqlite"), ("EXPORT_PARAM_LAZY", "true"),
              ("EXPORT_PARAM_TIME_NORMALIZE", "false")]
    con.executemany("INSERT INTO META_DATA_EXPORT VALUES (?, ?)", export)
    capture = [("TRTPROF_SYNTHETIC", f"trtprof.testing.synth scenario={sc.name} seed={seed}"),
               ("CAPTURE_EVENT_TYPE", "NvtxEvents"), ("CAPTURE_EVENT_TYPE", "Cuda"),
               ("PROCESS_0:COMMAND", sc.command[0])]
    capture += [(f"PROCESS_0:ARGUMENT_{i}", a) for i, a in enumerate(sc.command[1:])]
    con.executemany("INSERT INTO META_DATA_CAPTURE VALUES (?, ?)", capture)
    major, minor = sc.compute_capability
    con.execute("INSERT INTO TARGET_INFO_GPU (vmId, id, name, busLocation, isDiscrete, smCount, cuDevice, "
                "threadsPerWarp, computeMajor, computeMinor, smMajor, smMinor, chipName) "
                "VALUES (?, 0, ?, '0000:01:00.0', 1, ?, 0, 32, ?, ?, ?, ?, ?)",
                (sc.vm_id << 48, sc.gpu_name, sc.sm_count, major, minor, major, minor, _chip(major, minor)))
    con.execute("INSERT INTO TARGET_INFO_CUDA_DEVICE VALUES (0, 0, ?)", (sc.pid,))
    con.execute("INSERT INTO PROCESSES VALUES (?, ?, ?)", (gpid, sc.pid, sc.process_name))
    nid = strings(sc.process_name)
    con.executemany("INSERT INTO ThreadNames VALUES (?, 20, ?)", ((nid, t) for t in tids))


def _chip(major: int, minor: int) -> str:
    return {(8, 0): "GA100", (8, 6): "GA102", (8, 9): "AD102", (7, 5): "TU104", (9, 0): "GH100"}.get((major, minor), "")


def _facts(sc: Scenario, seed: int, ops: list[_Op], op_time_sum: np.ndarray, pre: dict[str, list[int]],
           memcpy_facts: dict, is_kernel: np.ndarray, op_layer: np.ndarray) -> dict:
    """The expected-facts dict (JSON-serialisable) that tests and the README quote.

    With NVTX, the window is the GPU work launched inside layer ranges (pre kernels excluded);
    without NVTX it is every kernel.
    """
    it = sc.iterations
    in_window = (op_layer >= 0) if sc.nvtx else np.ones(len(ops), bool)
    layers = []
    for li, layer in enumerate(sc.layers):
        k = is_kernel & (op_layer == li)
        m = ~is_kernel & (op_layer == li)
        layers.append({"name": layer.name, "kernel_count": int(k.sum()) * it,
                       "kernel_time_ns": int(op_time_sum[k].sum()),
                       "memcpy_count": int(m.sum()) * it, "memcpy_time_ns": int(op_time_sum[m].sum())})
    kernels: dict[str, dict[str, int]] = {}
    for i, o in enumerate(ops):
        if o.kind == "kernel" and in_window[i]:
            d = kernels.setdefault(o.name, {"count": 0, "time_ns": 0})
            d["count"] += it
            d["time_ns"] += int(op_time_sum[i])
    win_k = is_kernel & in_window
    k_time = int(op_time_sum[win_k].sum())
    gemm_time = sum(int(op_time_sum[i]) for i in np.nonzero(win_k)[0] if _is_gemm_hint(ops[i].name))
    n_pre = sum(c for c, _ in pre.values())
    if not sc.nvtx:  # no ranges: the pre kernels are part of the window
        for name, (c, tns) in pre.items():
            d = kernels.setdefault(name, {"count": 0, "time_ns": 0})
            d["count"] += c
            d["time_ns"] += tns
            k_time += tns
            gemm_time += tns if _is_gemm_hint(name) else 0
    n_win = int(win_k.sum()) * it + (0 if sc.nvtx else n_pre)
    n_total = int(is_kernel.sum()) * it + n_pre
    reformat = [la.name for la in sc.layers if la.name.startswith("Reformatting CopyNode")]
    fallback = [la.name for la in sc.layers if la.precision and la.precision != sc.engine_precision
                and la.name not in reformat]
    window_kind = "tensorrt" if (sc.nvtx and sc.tensorrt_domain) else ("nvtx" if sc.nvtx else "all")
    return {
        "scenario": sc.name, "seed": seed, "synthetic": True,
        "gpu": {"name": sc.gpu_name, "compute_capability": f"{sc.compute_capability[0]}.{sc.compute_capability[1]}",
                "sm_count": sc.sm_count},
        "iterations": it, "threads": sc.threads, "streams": sc.streams,
        "window_kind": window_kind, "enqueue_range": sc.enqueue_range,
        "kernel_count_total": n_total,
        "kernel_count_in_window": n_win,
        "excluded_kernels": n_total - n_win,
        "kernel_time_ns_in_window": k_time,
        "gemm_time_ns_by_name_hint": gemm_time,
        "gemm_share_by_name_hint": round(gemm_time / k_time, 4) if k_time else None,
        "nvtx_ranges": (it * (1 + len(sc.layers))) if sc.nvtx else 0,
        "nvtx_names": sc.nvtx_names, "tensorrt_domain": sc.tensorrt_domain,
        "layers": layers,
        "layers_without_gpu_work": [la.name for la in sc.layers if not la.kernels and not la.memcpys],
        "reformat_layers": reformat,
        "fallback_layers": fallback,
        "pageable_host_copies": sc.pageable,
        "memcpys": memcpy_facts,
        "kernels_in_window": dict(sorted(kernels.items())),
    }


# ----------------------------------------------------------------------------------------
# Named scenarios

def _x(tile: str, tail: str = "t1r3s3", types: str = "f16f16_f16f16_f16", stage: str = "stage4_warpsize2x2x1") -> str:
    return (f"sm80_xmma_fprop_implicit_gemm_{types}_nhwckrsc_nhwc_tilesize{tile}_{stage}_g1_tensor16x8x16_"
            f"{tail}_execute_kernel_trt")


def _i8(tile: str, tail: str = "t1r3s3", stage: str = "stage4_warpsize2x2x1") -> str:
    return ("sm80_xmma_fprop_implicit_gemm_interleaved_i8i8_i8i32_f32_nchw_vect_c_32kcrs_vect_c_32_nchw_vect_c_32_"
            f"tilesize{tile}_{stage}_g1_tensor16x8x32_{tail}_execute_kernel_trt")


POOL_MAX_FP16 = "sm50_xmma_pooling_coalescedC_NHWC_kMAX_3_False_execute_kernel_trt"
POOL_AVG_FP16 = "sm50_xmma_pooling_fw_4d_FP16FP32NHWC_Average_FastDiv_CAlign8_execute_kernel_trt"
FC_FP16 = "trt_ampere_h16816gemm_128x64_ldg8_stages_64x3_nn_v1"
FFMA_CONV = ("sm80_xmma_fprop_implicit_gemm_f32f32_f32f32_f32_nchwkcrs_nchw_tilesize128x128x8_stage3_"
             "warpsize2x2x1_g1_ffma_aligna4_alignc4_execute_kernel_trt")
SCUDNN_CONV = "trt_ampere_scudnn_128x64_relu_interior_nn_v1"
REFORMAT_F32_TO_I8 = ("void genericReformat::copyPackedKernel<float, signed char, (bool)1, (bool)0, "
                      "genericReformat::IdentityCoordMapper<(int)4>, (int)4>(unsigned int, unsigned int, void const*, "
                      "genericReformat::ArrayN<(int)4>, genericReformat::ArrayNWithReducedDivisors<(int)4>, "
                      "genericReformat::ArrayN<(int)4>, int, int, int, float const*, void*, "
                      "genericReformat::ArrayN<(int)4>, genericReformat::ArrayNWithReducedDivisors<(int)4>, "
                      "genericReformat::ArrayNWithReducedDivisors<(int)4>, genericReformat::ArrayN<(int)4>, int, int, "
                      "int, float const*, int)")
REFORMAT_I8_TO_F32 = REFORMAT_F32_TO_I8.replace("copyPackedKernel<float, signed char,", "copyPackedKernel<signed char, float,")
REFORMAT_VEC_I8_TO_F32 = ("void genericReformat::copyVectorizedKernel<double, signed char, float, (bool)1, (bool)0, (int)1>"
                          "(unsigned int, void const*, genericReformat::ArrayN<(int)4>, "
                          "genericReformat::ArrayNWithReducedDivisors<(int)4>, genericReformat::ArrayN<(int)4>, int, "
                          "float const*, void*, genericReformat::ArrayN<(int)4>, "
                          "genericReformat::ArrayNWithReducedDivisors<(int)4>, genericReformat::ArrayN<(int)4>, int, "
                          "float const*)")
SOFTMAX_F32 = ("void cuSoftMaxLayer::softmaxForwardKernel<float, float, 256>(int, int, int, float const*, float*)")
POOL_MAX_I8 = "sm50_xmma_pooling_fw_4d_Int8NCxHW32_Max_CAlign32_execute_kernel_trt"
POOL_AVG_I8 = "sm50_xmma_pooling_fw_4d_Int8NCxHW32_Average_FastDiv_CAlign32_execute_kernel_trt"
FC_I8 = "sm80_xmma_gemm_i8i8_i8i32_f32_tn_n_tilesize64x64x64_stage4_warpsize2x2x1_tensor16x8x32_execute_kernel_trt"
PERMUTE_F16 = ("void CUTENSOR_NAMESPACE::permutationKernelPLC3<CUTENSOR_NAMESPACE::VectorWrite2DTensorView<"
               "(unsigned char)0, (unsigned char)1, (bool)0, (unsigned int)8, __half, __half, "
               "CUTENSOR_NAMESPACE::GeneralUnarySmall<__half>>, CUTENSOR_NAMESPACE::VectorRead2DTensorView<"
               "(unsigned char)1, (unsigned char)0, (bool)0, (unsigned int)8, __half, __half, "
               "CUTENSOR_NAMESPACE::GeneralUnarySmall<__half>>, CUTENSOR_NAMESPACE::ThreadLevelElementwise<"
               "CUTENSOR_NAMESPACE::ElementwiseConfig2DSmallMode0<CUTENSOR_NAMESPACE::GeneralUnarySmall<__half>, "
               "CUTENSOR_NAMESPACE::GeneralBinary<__half>, (int)2, (int)8, (int)256, (int)64, (signed char)8, (bool)0, "
               "(bool)0, (bool)0, (bool)0, (bool)0>, __half>, CUTENSOR_NAMESPACE::ElementwiseRuntimePLC3<__half, __half, "
               "__half, __half>::Params>(T4)")
POINTWISE = "generatedNativePointwise"

# Mangled spellings for the templated kernels above (abbreviated but well-formed prefixes).
_MANGLED.update({
    REFORMAT_F32_TO_I8: "_ZN15genericReformat16copyPackedKernelIfaLb1ELb0ENS_19IdentityCoordMapperILi4EEELi4EEEvjjPKvNS_6ArrayNILi4EEENS_25ArrayNWithReducedDivisorsILi4EEES7_iiiPKfPvS7_S9_S9_S7_iiiSB_i",
    REFORMAT_I8_TO_F32: "_ZN15genericReformat16copyPackedKernelIafLb1ELb0ENS_19IdentityCoordMapperILi4EEELi4EEEvjjPKvNS_6ArrayNILi4EEENS_25ArrayNWithReducedDivisorsILi4EEES7_iiiPKfPvS7_S9_S9_S7_iiiSB_i",
    REFORMAT_VEC_I8_TO_F32: "_ZN15genericReformat20copyVectorizedKernelIdafLb1ELb0ELi1EEEvjPKvNS_6ArrayNILi4EEENS_25ArrayNWithReducedDivisorsILi4EEES4_iPKfPvS4_S6_S4_iS8_",
    SOFTMAX_F32: "_ZN14cuSoftMaxLayer20softmaxForwardKernelIffLi256EEEviiiPKT_PT0_",
})


def _resnet_names() -> list[str]:
    """Fused ResNet-18-style layer names as TensorRT prints them for a torchvision ONNX export."""
    names = ["/conv1/Conv + /relu/Relu", "/maxpool/MaxPool"]
    for stage, blocks in ((1, 2), (2, 2), (3, 2), (4, 2)):
        for b in range(blocks):
            p = f"/layer{stage}/layer{stage}.{b}"
            if b == 0 and stage > 1:
                names.append(f"{p}/downsample/downsample.0/Conv")
            names.append(f"{p}/conv1/Conv + {p}/relu/Relu")
            names.append(f"{p}/conv2/Conv + {p}/Add + {p}/relu_1/Relu")
    return names + ["/avgpool/GlobalAveragePool", "/fc/Gemm"]


def clean_fp16(iterations: int = 20) -> Scenario:
    """ResNet-18-like FP16 engine on an A100: fused convs on Tensor Cores, pinned copies."""
    tiles = {1: ("128x128x32", 68_000), 2: ("128x64x64", 52_000), 3: ("64x128x32", 44_000), 4: ("256x64x32", 41_000)}
    layers = []
    for name in _resnet_names():
        if name.startswith("/conv1/"):
            k = [(_x("128x128x32", "t1r7s7", "f16f16_f16f32_f32"), 61_000)]
        elif "MaxPool" in name:
            k = [(POOL_MAX_FP16, 9_800)]
        elif "GlobalAveragePool" in name:
            k = [(POOL_AVG_FP16, 3_100)]
        elif "/fc/" in name:
            k = [(FC_FP16, 7_400)]
        else:
            stage = int(name[6])
            tile, dur = tiles[stage]
            if "downsample" in name:
                k = [(_x(tile, "t1r1s1"), dur // 3)]
            elif "Add" in name:
                k = [(_x(tile, "t1r3s3_aACCESS", "f16f16_f16f32_f32"), dur + 4_000)]
            else:
                k = [(_x(tile), dur)]
        ltype = ("CaskPooling" if "Pool" in name else "CaskGemmConvolution" if "/fc/" in name else "CaskConvolution")
        layers.append(Layer(name, k, layer_type=ltype, precision="Half", tactic=k[0][0].removesuffix("_execute_kernel_trt")))
    return Scenario(name="clean_fp16", gpu_name="NVIDIA A100-SXM4-40GB", compute_capability=(8, 0), sm_count=108,
                    layers=layers, iterations=iterations, host_gap_ns=15_000, h2d_bytes=301_056, d2h_bytes=2_000,
                    pageable=False, engine_precision="Half", nvtx_names="textId",
                    command=("trtexec", "--loadEngine=resnet18_fp16.engine", f"--iterations={iterations}"))


def _reformat_name(target: str) -> str:
    return f"Reformatting CopyNode for Input Tensor 0 to {target}"


def int8_fallbacks(iterations: int = 10) -> Scenario:
    """INT8 ResNet-like engine on an RTX 3090 where a few layers fell back to FP32."""
    names = _resnet_names()
    fallback_convs = {"/layer3/layer3.0/conv2/Conv + /layer3/layer3.0/Add + /layer3/layer3.0/relu_1/Relu": SCUDNN_CONV,
                      "/layer4/layer4.1/conv1/Conv + /layer4/layer4.1/relu/Relu": FFMA_CONV}
    i8_tiles = {1: ("128x128x64", 14_000), 2: ("128x96x64", 12_500), 3: ("96x128x64", 11_000), 4: ("192x64x64", 10_500)}
    layers: list[Layer] = [Layer(_reformat_name(names[0]), [(REFORMAT_F32_TO_I8, 38_000)], layer_type="Reformat",
                                 precision="Int8")]
    prev_float = False
    for name in names:
        if name in fallback_convs:
            layers.append(Layer(_reformat_name(name), [(REFORMAT_VEC_I8_TO_F32, 21_000)], layer_type="Reformat",
                                precision="Float"))
            dur = 142_000 if fallback_convs[name] == FFMA_CONV else 118_000
            layers.append(Layer(name, [(fallback_convs[name], dur)], layer_type="CaskConvolution", precision="Float",
                                tactic=fallback_convs[name].removesuffix("_execute_kernel_trt")))
            prev_float = True
            continue
        if prev_float:  # back to INT8: quantize the FP32 output again
            layers.append(Layer(_reformat_name(name), [(REFORMAT_F32_TO_I8, 24_000)], layer_type="Reformat",
                                precision="Int8"))
            prev_float = False
        if name.startswith("/conv1/"):
            k = [(_i8("128x128x64", "t1r7s7"), 24_000)]
        elif "MaxPool" in name:
            k = [(POOL_MAX_I8, 6_200)]
        elif "GlobalAveragePool" in name:
            k = [(POOL_AVG_I8, 2_400)]
        elif "/fc/" in name:
            k = [(FC_I8, 4_100)]
        else:
            tile, dur = i8_tiles[int(name[6])]
            k = [(_i8(tile, "t1r1s1" if "downsample" in name else "t1r3s3"), dur // 3 if "downsample" in name else dur)]
        ltype = "CaskPooling" if "Pool" in name else "CaskGemmConvolution" if "/fc/" in name else "CaskConvolution"
        layers.append(Layer(name, k, layer_type=ltype, precision="Int8", tactic=k[0][0].removesuffix("_execute_kernel_trt")))
    # the classifier head was left in FP32: dequantize, softmax in Float
    layers.append(Layer(_reformat_name("/softmax/Softmax"), [(REFORMAT_VEC_I8_TO_F32, 19_000)], layer_type="Reformat",
                        precision="Float"))
    layers.append(Layer("/softmax/Softmax", [(SOFTMAX_F32, 33_000)], layer_type="SoftMax", precision="Float"))
    return Scenario(name="int8_fallbacks", gpu_name="NVIDIA GeForce RTX 3090", compute_capability=(8, 6), sm_count=82,
                    layers=layers, iterations=iterations, host_gap_ns=25_000, h2d_bytes=602_112, d2h_bytes=4_000,
                    pageable=True, engine_precision="Int8", nvtx_names="text",
                    pre_kernels=[(_i8("256x128x64"), 31_000), (_i8("128x128x64"), 29_500), (FFMA_CONV, 150_000),
                                 (SCUDNN_CONV, 122_000), (REFORMAT_F32_TO_I8, 37_000), (_i8("96x128x64"), 27_000)],
                    command=("trtexec", "--onnx=resnet18.onnx", "--int8", f"--iterations={iterations}"))


def facenet_transpose(iterations: int = 10) -> Scenario:
    """FaceNet-like FP16 engine: Transpose -> ReLU -> Transpose pairs and an unfused conv/BN/ReLU chain."""
    layers: list[Layer] = [Layer("/conv1/Conv + /relu1/Relu", [(_x("128x64x64", "t1r3s3", stage="stage3_warpsize2x2x1"), 48_000)],
                                 layer_type="CaskConvolution", precision="Half")]
    for b in (2, 3, 4):
        layers += [
            Layer(f"/block{b}/conv/Conv", [(_x("64x128x32", "t1r3s3", stage="stage5_warpsize2x2x1"), 36_000 - 4_000 * b)],
                  layer_type="CaskConvolution", precision="Half"),
            Layer(f"/block{b}/Transpose", [(PERMUTE_F16, 14_500)], layer_type="Shuffle", precision="Half"),
            Layer(f"PWN(/block{b}/act/Relu)", [(POINTWISE, 6_200)], layer_type="PointWiseV2", precision="Half"),
            Layer(f"/block{b}/Transpose_1", [(PERMUTE_F16, 14_800)], layer_type="Shuffle", precision="Half"),
        ]
    layers += [
        Layer("/conv5/Conv", [(_x("128x128x32", "t1r3s3", stage="stage4_warpsize2x2x1"), 22_000)],
              layer_type="CaskConvolution", precision="Half"),
        Layer("PWN(/bn5/BatchNormalization)", [(POINTWISE, 7_900)], layer_type="PointWiseV2", precision="Half"),
        Layer("PWN(/relu5/Relu)", [(POINTWISE, 6_600)], layer_type="PointWiseV2", precision="Half"),
        Layer("/flatten/Flatten", [], layer_type="NoOp", precision="Half"),  # a layer with no GPU work
        Layer("/embedding/Gemm", [(FC_FP16, 9_100)], layer_type="CaskGemmConvolution", precision="Half"),
    ]
    return Scenario(name="facenet_transpose", gpu_name="NVIDIA A10", compute_capability=(8, 6), sm_count=72,
                    layers=layers, iterations=iterations, host_gap_ns=30_000, h2d_bytes=160 * 160 * 3 * 2,
                    d2h_bytes=512 * 2, pageable=False, engine_precision="Half", nvtx_names="mixed",
                    t0_ns=2_000_000,  # the domain-create row lands at a negative time, as in a real trace
                    command=("trtexec", "--loadEngine=facenet_fp16.engine", f"--iterations={iterations}"))


def generic(kernels: int, threads: int = 1, streams: int | None = None) -> Scenario:
    """A scaled generic engine (the INT8 fallback engine) with enough iterations for ~`kernels` kernels."""
    sc = int8_fallbacks()
    per_iter = sum(len(la.kernels) for la in sc.layers)
    sc.name = f"generic_{kernels}"
    sc.iterations = max(1, round(kernels / per_iter))
    sc.threads, sc.streams = threads, streams or threads
    sc.jitter = 0.03
    return sc


SCENARIOS: dict[str, Callable[..., Scenario]] = {
    "clean_fp16": clean_fp16, "int8_fallbacks": int8_fallbacks, "facenet_transpose": facenet_transpose,
}


# ----------------------------------------------------------------------------------------
# Engine layer JSON (trtexec --exportLayerInfo --profilingVerbosity=detailed, TRT 8.6 style)

_FORMATS = {"Int8": "Thirty-two wide channel vectorized row major Int8 format", "Float": "Row major linear FP32",
            "Half": "Channel major FP16 format where channel % 8 == 0"}


def layer_json(sc: Scenario) -> dict:
    """A detailed engine-layer JSON matching the scenario's layer names and precisions."""
    out: list[dict] = []
    tensor = "input"
    fmt = "Row major linear FP32"
    dims = [1, 3, 224, 224]
    for i, la in enumerate(sc.layers):
        out_fmt = _FORMATS.get(la.precision, "Row major linear FP32")
        out_name = f"{tensor}_reformatted" if la.layer_type == "Reformat" else f"/tensor_{i}"
        if la.layer_type != "Reformat":
            dims = [1, 512, 1, 1] if "avgpool" in la.name else [1, 1000] if la.name in ("/fc/Gemm", "/softmax/Softmax") else [1, 64, 56, 56]
        entry: dict = {"Name": la.name, "LayerType": la.layer_type or "Unknown",
                       "Inputs": [{"Name": tensor, "Location": "Device", "Dimensions": list(dims), "Format/Datatype": fmt}],
                       "Outputs": [{"Name": out_name, "Location": "Device", "Dimensions": list(dims),
                                    "Format/Datatype": out_fmt}]}
        if la.layer_type == "Reformat":
            entry.update({"ParameterType": "Reformat", "Origin": "REFORMAT", "TacticValue": "0x00000000000003e8"})
        else:
            entry.update({"ParameterType": {"CaskConvolution": "Convolution", "CaskGemmConvolution": "Convolution",
                                            "CaskPooling": "Pooling"}.get(la.layer_type, la.layer_type),
                          "Metadata": "\u001e".join(p.strip() for p in la.name.split(" + ")),
                          "TacticName": la.tactic,
                          "TacticValue": f"0x{zlib.crc32(la.name.encode()) * 2654435761 % (1 << 64):016x}"})
        out.append(entry)
        tensor, fmt = out_name, out_fmt
    return {"Layers": out, "Bindings": ["input", tensor]}


# ----------------------------------------------------------------------------------------
# CLI

def main(argv: list[str] | None = None) -> int:
    """python -m trtprof.testing.synth --scenario NAME --out PATH [--iterations N] | --kernels N."""
    p = argparse.ArgumentParser(prog="python -m trtprof.testing.synth", description=__doc__.splitlines()[0])
    p.add_argument("--scenario", choices=sorted(SCENARIOS), help="named scenario")
    p.add_argument("--kernels", type=int, help="generic engine scaled to about N kernels (benchmarks)")
    p.add_argument("--out", required=True, help="output .sqlite path")
    p.add_argument("--iterations", type=int, help="override the number of inferences")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--streams", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--layer-json", help="also write the engine layer JSON here")
    p.add_argument("--facts", help="also write the expected facts JSON here")
    p.add_argument("--nvtx-names", choices=("textId", "text", "mixed"),
                   help="NVTX range names as registered strings (textId, what TensorRT writes), "
                        "inline text, or both alternating; default: the scenario's")
    a = p.parse_args(argv)
    if (a.scenario is None) == (a.kernels is None):
        p.error("give exactly one of --scenario or --kernels")
    sc = generic(a.kernels) if a.kernels else SCENARIOS[a.scenario]()
    if a.iterations:
        sc.iterations = a.iterations
    sc.threads = a.threads
    sc.streams = a.streams or max(a.threads, sc.streams)
    if a.nvtx_names:
        sc.nvtx_names = a.nvtx_names
    facts = write_trace(sc, a.out, seed=a.seed)
    if a.layer_json:
        Path(a.layer_json).write_text(json.dumps(layer_json(sc), indent=2) + "\n")
    if a.facts:
        Path(a.facts).write_text(json.dumps(facts, indent=2) + "\n")
    print(f"wrote {a.out}: {facts['kernel_count_total']} kernels, {facts['iterations']} iterations")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
