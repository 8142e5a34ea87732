"""Profile JSON (``trtexec --exportProfile``) -> per-layer times; joining them to engine layers.

Shape: ``[{"count": N}, {"name", "timeMs", "averageMs", "medianMs"? (>= 8.5), "percentage"}, ...]``.
trtexec 7.x appends one array per run to the same file (not valid JSON as a whole): every array is
read, kept apart by a ``run`` column in ``all_runs``, and ``layers`` holds the **last** run, the
one the file ended with (the same rule the log parser follows for several runs in one log).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from trtprof.errors import InputError
from trtprof.model import LAYER_PROFILE_COLUMNS, empty_frame

from .trt_text import is_measurement, iter_json_values, read_text


@dataclass
class LayerProfile:
    layers: pd.DataFrame                 # LAYER_PROFILE_COLUMNS (+ run), the last run
    iterations: int | None               # the "count" record of that run
    runs: int                            # arrays in the file
    all_runs: pd.DataFrame               # every run, with a "run" column (0-based)
    iterations_per_run: list[int | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_profile_json(path: str | Path) -> LayerProfile:
    """Parse an exportProfile file, including several arrays appended in one file."""
    text = read_text(path)
    arrays = list(iter_json_values(text, str(path)))
    if not arrays:
        raise InputError("empty file: no profile JSON", path=str(path))
    return load_profile_json(arrays, str(path))


def load_profile_json(arrays: list[Any], path: str | None = None) -> LayerProfile:
    """Build :class:`LayerProfile` from parsed arrays (one per run)."""
    frames, counts, notes = [], [], []
    for run, arr in enumerate(arrays):
        if not isinstance(arr, list):
            raise InputError("not a profile JSON: expected a list of {\"name\", \"timeMs\", ...} "
                             "records", path=path)
        count, rows = _read_run(arr, path)
        counts.append(count)
        frame = _frame(rows)
        frame["run"] = run
        frames.append(frame)
    all_runs = pd.concat(frames, ignore_index=True) if frames else _frame([])
    layers = frames[-1].reset_index(drop=True)
    if len(arrays) > 1:
        notes.append(f"{len(arrays)} profile arrays appended in one file (one per run): the "
                     f"last one (array {len(arrays)} of {len(arrays)}, {counts[-1]} iterations) "
                     "is used")
    if not layers.empty and layers["median_ms"].isna().all():
        notes.append("no medianMs (written by TensorRT < 8.5)")
    if counts[-1] is None:
        notes.append("no \"count\" record: number of profiled iterations unknown")
    return LayerProfile(layers, counts[-1], len(arrays), all_runs, counts, notes)


def _read_run(arr: list, path: str | None) -> tuple[int | None, list[dict]]:
    count: int | None = None
    rows = []
    for rec in arr:
        if not isinstance(rec, dict):
            raise InputError("profile record is not an object", path=path)
        if "count" in rec and "name" not in rec:
            c = rec["count"]
            if isinstance(c, bool) or not isinstance(c, (int, float)) or c != c or \
                    not 0 <= c < 2**53 or int(c) != c:
                raise InputError(f"profile \"count\" is {str(c)[:40]!r}, expected a whole "
                                 "number of iterations", path=path)
            count = int(c)
            continue
        if "name" not in rec or not any(k in rec for k in ("timeMs", "averageMs", "percentage")):
            raise InputError(f"not a profile record: keys {sorted(rec)[:6]}", path=path)
        name = rec["name"]
        if not isinstance(name, str):
            raise InputError(f"profile record name is {type(name).__name__}, expected a "
                             "string", path=path)
        rows.append({
            "name": name,
            "time_ms": _num(rec, "timeMs", path),
            "avg_ms": _num(rec, "averageMs", path),
            "median_ms": _num(rec, "medianMs", path),
            "percentage": _num(rec, "percentage", path),
        })
    return count, rows


def _num(rec: dict, key: str, path: str | None) -> float:
    """A record's number (NaN when absent); InputError naming the field when it is not a
    finite number in range."""
    v = rec.get(key)
    if v is None:
        return math.nan
    if not is_measurement(v):
        raise InputError(f"profile record {str(rec.get('name'))[:60]!r}: {key} is "
                         f"{str(v)[:40]!r}, expected a finite number", path=path)
    return float(v)   # type: ignore[arg-type]  # is_measurement: a real number


def _frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return empty_frame(LAYER_PROFILE_COLUMNS)
    frame = pd.DataFrame(rows, columns=list(LAYER_PROFILE_COLUMNS))
    return frame.astype({c: t for c, t in LAYER_PROFILE_COLUMNS.items()})


def join_profile(layers: pd.DataFrame, profile: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Left-join profile times onto engine layers **by name** (never by position).

    Returns the joined frame (engine layer order, profile columns NaN where a layer has no record)
    and notes naming the layers present on one side only.
    """
    notes: list[str] = []
    prof = profile[[c for c in LAYER_PROFILE_COLUMNS if c in profile.columns]]
    dupes = prof["name"][prof["name"].duplicated()].unique().tolist()
    if dupes:
        notes.append(f"{len(dupes)} layer names repeat in the profile; their first record is used: "
                     + _few(dupes))
        prof = prof.drop_duplicates("name", keep="first")
    joined = layers.merge(prof, on="name", how="left", sort=False)
    only_layers = [n for n in layers["name"] if n not in set(prof["name"])]
    only_prof = [n for n in prof["name"] if n not in set(layers["name"])]
    only_layers = _other_opt_profiles(layers, set(prof["name"]), only_layers, notes)
    if only_layers:
        notes.append(f"{len(only_layers)} of {len(layers)} engine layers have no profile record: "
                     + _few(only_layers))
    if only_prof:
        notes.append(f"{len(only_prof)} of {len(prof)} profile records match no engine layer "
                     "(profile and layer info from different builds?): " + _few(only_prof))
    return joined, notes


def _other_opt_profiles(layers: pd.DataFrame, timed: set, untimed: list[str],
                        notes: list[str]) -> list[str]:
    """An engine with several optimization profiles lists each layer once per profile, but a
    profile JSON times the one profile the run used: the other profiles' copies having no record
    is expected, not a mismatch. Say so, and return the untimed layers that remain unexplained."""
    from .layer_json import opt_profile_indices
    names = [str(n) for n in layers["name"]]
    index = dict(zip(names, opt_profile_indices(names)))
    if len(set(index.values())) < 2 or not untimed:
        return untimed
    used = sorted({index[n] for n in names if n in timed})
    if not used:
        return untimed
    others = [n for n in untimed if index.get(str(n)) not in used]
    if others:
        notes.append(f"the profile times optimization profile {', '.join(map(str, used))}; the "
                     f"{len(others)} layers of the other profiles have no record (expected)")
    return [n for n in untimed if index.get(str(n)) in used]


def _few(names: list[str], k: int = 3) -> str:
    shown = ", ".join(repr(n) for n in names[:k])
    return shown + (f" and {len(names) - k} more" if len(names) > k else "")
