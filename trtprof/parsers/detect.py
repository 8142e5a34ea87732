"""Tell the kind of an input file from its content (the extension is only a hint)."""

from __future__ import annotations

import stat
from pathlib import Path

from trtprof.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
XZ_MAGIC = b"\xfd7zXZ\x00"
GZ_MAGIC = b"\x1f\x8b"
NSYS_REP_MAGIC = b"NVIDIA Tegra Profiler Report"   # .nsys-rep and .qdrep alike

KINDS = ("nsys-sqlite", "nsys-rep", "trtexec-log", "layer-json", "profile-json", "report",
         "polygraphy", "engine-metadata", "engine")


def _json_kind(obj, path: Path) -> str:
    if isinstance(obj, dict):
        tool = obj.get("tool")
        if isinstance(tool, dict) and tool.get("name") == "trtprof" and "schema_version" in obj:
            return "report"
        if "Layers" in obj or {"Name", "LayerType"} <= set(obj):   # "--- Layer N ---" files
            return "layer-json"
        from trtprof.parsers.trex_metadata import METADATA_KEYS
        if set(obj) & METADATA_KEYS:
            return "engine-metadata"
    if isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj[:5]):
        keys = set().union(*(x.keys() for x in obj[:5]))
        if keys & {"count", "timeMs", "averageMs", "percentage"}:
            return "profile-json"
    raise InputError("JSON of an unknown shape: expected an engine layer JSON ({\"Layers\": ...}),"
                     " a profile JSON ([{\"count\": N}, {\"name\", \"timeMs\", ...}]) or a "
                     "trtprof report", path=str(path))


def _sniff_text(head: str) -> str | None:
    try:
        from trtprof.parsers.trt_text import sniff_text_kind
    except ImportError:     # pragma: no cover - the module ships with the package
        return None
    return sniff_text_kind(head)


def read_head(p: Path, size: int = 65536,
              expected: str = "a trace, log or JSON file") -> bytes:
    """The first ``size`` bytes of ``p``; InputError when it is missing, a directory, unreadable
    or empty."""
    try:
        # stat, not exists(): exists() raises PermissionError when a directory on the way
        # cannot be searched (chmod 000), and only stat says which of the two it is
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise InputError("no such file", path=str(p)) from None
    except PermissionError as err:
        raise InputError(f"cannot read: {err.strerror} (a directory on the way to it cannot be "
                         "searched?)", path=str(p)) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", path=str(p)) from None
    if stat.S_ISDIR(mode):
        raise InputError(f"is a directory, expected {expected}", path=str(p))
    if not stat.S_ISREG(mode):
        # a FIFO would block forever, a device never ends
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else \
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"
        raise InputError(f"is {kind}, expected {expected} (a regular file)", path=str(p))
    try:
        with open(p, "rb") as fh:
            head = fh.read(size)
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", path=str(p)) from None
    if not head:
        raise InputError("file is empty", path=str(p))
    return head


def detect_kind(path: str | Path) -> str:
    """One of KINDS, or InputError naming the file and why it is not recognised."""
    p = Path(path)
    head = read_head(p)
    if head.startswith(SQLITE_MAGIC):
        return "nsys-sqlite"
    if head.startswith(XZ_MAGIC) or head.startswith(GZ_MAGIC):
        return "nsys-sqlite"          # compressed export; the reader says if it is not one
    if head.startswith(NSYS_REP_MAGIC):
        return "nsys-rep"
    text = head.decode("utf-8", errors="replace")
    from trtprof.parsers.engine_file import ENGINE_SUFFIXES
    if p.suffix.lower() in ENGINE_SUFFIXES and ("\x00" in text or "\ufffd" in text):
        return "engine"               # binary with an engine's name: TensorRT will tell
    if "\x00" in text or text.count("\ufffd") > len(text) // 100:
        raise InputError("binary file of an unknown kind: expected an nsys .sqlite/.nsys-rep, a "
                         "trtexec log or TensorRT JSON", path=str(p))
    kind = _sniff_text(text)
    if kind:
        return kind
    from trtprof.parsers.trt_text import describe_text, iter_json_values, looks_like_json, read_text
    # Content decides, not the first character: a log's "[date] [I]" prefix starts with "[" too.
    if looks_like_json(text) or text.lstrip("\ufeff \t\r\n").startswith("--- Layer"):
        first = next(iter_json_values(read_text(p), str(p)), None)
        return _json_kind(first, p)
    raise InputError(f"not a TensorRT input: {describe_text(text)}; expected a trtexec/TensorRT "
                     "log, polygraphy output, TensorRT JSON or an nsys export", path=str(p))
