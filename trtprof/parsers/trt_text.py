"""Reading TensorRT text inputs: decoding, JSON streams, and telling a log's kind from its head."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Iterator

from trtprof.errors import InputError

# Bytes that never occur in a text log; a few of them mean the file is binary (an engine, a trace).
_BINARY_BYTES = set(range(0, 9)) | {11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28}


def looks_binary(data: bytes) -> bool:
    """True for NUL bytes or many control bytes in ``data`` (a head of the file)."""
    if not data:
        return False
    if b"\x00" in data:
        return True
    bad = sum(1 for b in data if b in _BINARY_BYTES)
    return bad > max(2, len(data) // 100)


def read_text(path: str | Path) -> str:
    """A text file as str with ``\\n`` line ends; InputError when missing or binary.

    Undecodable bytes are replaced (logs pasted from terminals carry odd bytes); CRLF and lone CR
    are normalised so every parser sees ``\\n`` only.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path=str(path)) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", path=str(path)) from None
    if looks_binary(data[:65536]):
        raise InputError("binary data where a text file (log or JSON) was expected", path=str(path))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Larger than any real time TensorRT writes, in ms or s (31 years in ms): a corrupt value.
MAX_MEASUREMENT = 1e12


def is_measurement(v: object) -> bool:
    """A finite number of sane size, not a bool: what a TensorRT JSON time field holds."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and \
        abs(v) <= MAX_MEASUREMENT


def iter_json_values(text: str, path: str | None = None) -> Iterator[Any]:
    """Every JSON value in ``text``, back to back (several appended arrays, or objects between
    ``--- Layer N ---`` marker lines). Lines that are not JSON between values are skipped only when
    they look like such markers; anything else raises InputError."""
    def no_constant(name: str):
        raise InputError(f"JSON holds {name}, which is not a number TensorRT writes", path=path)
    dec = json.JSONDecoder(parse_constant=no_constant)
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return
        if text[i] not in "[{":
            end = text.find("\n", i)
            line = text[i:end if end >= 0 else n]
            if re.match(r"^-{2,}.*-{2,}\s*$|^#", line):
                i = n if end < 0 else end + 1
                continue
            raise InputError(f"not JSON at char {i}: {line[:60]!r}", path=path)
        try:
            value, i = dec.raw_decode(text, i)
        except json.JSONDecodeError as err:
            raise InputError(f"malformed or truncated JSON ({err.msg} at line {err.lineno} "
                             f"column {err.colno})", path=path) from None
        except RecursionError:
            raise InputError("JSON nested too deeply to be a TensorRT file", path=path) from None
        except ValueError as err:     # e.g. an integer of thousands of digits
            raise InputError(f"JSON with a value Python cannot read ({err})", path=path) \
                from None
        yield value


# Line shapes that only TensorRT tools print, anchored at a line start after an optional logger
# prefix (a document that merely quotes them mid-line is not a log).
_PREFIX = (r"^(?:\[\d\d/\d\d/\d{4}-\d\d:\d\d:\d\d\] ?)?"
           r"(?:\[[IVWEF]\] (?:\[TRT\] )?|\[TRT\] \[[IVWEF]\] |\[TensorRT\] (?:VERBOSE|INFO|WARNING|ERROR): )?")
_TRT_LOG_RE = re.compile(
    r"^(?:\[\d\d/\d\d/\d{4}-\d\d:\d\d:\d\d\] ?)?(?:\[[IVWEF]\] \[TRT\]|\[TRT\] \[[IVWEF]\]"
    r"|\[TensorRT\] (?:VERBOSE|INFO|WARNING|ERROR):)"
    r"|" + _PREFIX + r"(?:&&&& (?:RUNNING|PASSED|FAILED) TensorRT|=== (?:Model Options|Build Options"
    r"|Performance summary|Device Information) |=== Profile \(\d+ iterations? ?\) ==="
    r"|\s*(?:Layer\s+Time \(ms\)\s+Avg\. Time \(ms\)|Time\(ms\)\s+Avg\.\(ms\)\s)"   # profile columns
    r"|TensorRT version: \d"
    # trtexec's timing lines (an excerpt of a run may hold nothing else)
    r"|Average on \d+ runs - GPU latency: |(?:GPU Compute Time|Enqueue Time|H2D Latency"
    r"|D2H Latency|Latency): min = [-\d.eE+]+ ms|Total GPU Compute Time: "
    r"|Engine Layer Information|Layer\([A-Za-z0-9_]+\): .*Tactic: |(?:Tactic Name: \S+ )?Tactic: \S+ Time: "
    r"|\*+ Autotuning |Adding reformat layer|Missing scale and zero-point|Calibrator is not being used"
    r"|\[MemUsage(?:Change|Snapshot)\]|Loaded engine size|Original: \d+ layers)", re.M)
# "polygraphy inspect model ENGINE" output: what the polygraphy parser reads.
_POLYGRAPHY_INSPECT_RE = re.compile(r"^\[I\] ==== TensorRT Engine ===="
                                    r"|^\s*Layer \d+\s+\| .* \[Op: [A-Za-z0-9_]+\]\s*$", re.M)
_POLYGRAPHY_RE = re.compile(r"^\[[IVWE]\] Loaded Module: polygraphy", re.M)


# How a JSON document starts: "[" then a value ("[{", "[ {", "[[", '["', "[]", "[1,", "[true]") or
# "{" then a key or "}". A log's bracketed prefix ("[03/31/2026-16:47:49] [I]", "[I] ",
# "[2024-01-01 12:00:00] INFO") starts with "[" too, but what follows it is no JSON value.
# "[1]  airliner" (a sample's printed ranking) is not JSON: a one-number array must end its line.
_JSON_START_RE = re.compile(r'\[\s*(?:[\[{"\]]|$|(?:-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)'
                            r'\s*(?:,|\][ \t]*(?:\n|$)))|\{\s*(?:"|\}|$)')


def looks_like_json(text: str) -> bool:
    """True when ``text`` (a file's head) starts like a JSON array or object, BOM and blank
    space skipped; False for logs whose lines start with a bracketed timestamp or severity."""
    return bool(_JSON_START_RE.match(text.lstrip("\ufeff \t\r\n")))


# Lines of a generic application log: a bracketed or bare date/time, or a severity word near the
# start ("[2024-01-01 12:00:00] INFO ...", "2024-01-01T12:00:00Z WARN ...", "INFO: ...").
_APP_LOG_LINE_RE = re.compile(
    r"^\s*(?:\[[^\]\n]{1,40}\]\s*)*(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\d\d/\d\d/\d{4}[- ]\d\d:\d\d"
    r"|\d\d:\d\d:\d\d|(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL)\b)"
    r"|^\s*\[(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL|[IVWEDF])\]", re.I)


def describe_text(text: str) -> str:
    """What a text file that is neither a TensorRT log nor JSON looks like, for the error line."""
    lines = [ln for ln in text.lstrip("\ufeff").split("\n")[:200] if ln.strip()]
    if not lines:
        return "a text file with only blank lines"
    first = lines[0].strip()
    low = first.lower()
    if low.startswith(("<!doctype html", "<html")):
        what = "an HTML page"
    elif low.startswith("<?xml") or low.startswith("<"):
        what = "an XML/HTML document"
    elif re.match(r'^,?\s*\{\s*"(?:name|count)"\s*:', first):
        what = ("records of a --exportProfile JSON without the enclosing array (a pasted "
                "fragment?): give the whole file")
    elif sum(1 for ln in lines if _APP_LOG_LINE_RE.match(ln)) * 2 >= len(lines):
        what = "a text log without TensorRT/trtexec lines"
    elif len(lines) > 1 and first.count(",") >= 2 and all(
            ln.count(",") == first.count(",") for ln in lines[1:20]):
        what = "a CSV table, not a TensorRT file"
    else:
        what = "a text file without TensorRT/trtexec lines"
    return f"{what} (first line: {first[:60]!r})"


def sniff_text_kind(head: str | bytes) -> str | None:
    """``"trtexec-log"``, ``"polygraphy"`` or None for the first few KB of a file.

    Any TensorRT text log (trtexec, Python API, custom logger) counts as ``trtexec-log``: one parser
    reads them all. Binary bytes give None.
    """
    if isinstance(head, bytes):
        if looks_binary(head):
            return None
        head = head.decode("utf-8", errors="replace")
    if "\x00" in head:
        return None
    if looks_like_json(head):
        return None          # JSON (layer info / profile) is for the JSON parsers
    if _POLYGRAPHY_INSPECT_RE.search(head):
        return "polygraphy"
    # Other polygraphy commands ("polygraphy run --trt") relay TensorRT's logger: a TensorRT log.
    if _TRT_LOG_RE.search(head):
        return "trtexec-log"
    if _POLYGRAPHY_RE.search(head):
        return "polygraphy"       # the polygraphy parser says what it lacks
    return None


def split_top_level(text: str, sep: re.Pattern[str]) -> list[str]:
    """Split ``text`` where ``sep`` matches outside brackets: TensorRT names nest ``(...)``,
    ``[...]`` and ``{...}`` (``PWN(a, b)``, ``{ForeignNode[x...y]}``) that contain the separators."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = sep.match(text, i)
            if m and m.end() > i:
                parts.append(text[start:i])
                i = start = m.end()
                continue
        i += 1
    parts.append(text[start:])
    return parts

