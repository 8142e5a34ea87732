"""``.nsys-rep``/``.qdrep`` reports and compressed exports -> a temporary SQLite file.

Reports are a binary format only the ``nsys`` CLI reads, so trtprof runs ``nsys export`` into a
private temporary directory (never beside the input) and reads the result.
"""

from __future__ import annotations

import gzip
import lzma
import os
import shutil
import subprocess
from pathlib import Path

from trtprof.errors import InputError

EXPORT_TIMEOUT_S = 1800


def find_nsys() -> str | None:
    """``$TRTPROF_NSYS`` if set, else ``nsys`` on PATH."""
    env = os.environ.get("TRTPROF_NSYS")
    if env:
        return env if Path(env).is_file() else None
    return shutil.which("nsys")


def export_report(path: Path, workdir: Path) -> Path:
    """Export an nsys report to SQLite in ``workdir`` and return the new file's path."""
    nsys = find_nsys()
    if not nsys:
        hint = (f"TRTPROF_NSYS={os.environ['TRTPROF_NSYS']} is not a file"
                if os.environ.get("TRTPROF_NSYS") else "nsys is not on PATH")
        raise InputError(f"is an Nsight Systems report and {hint}: install Nsight Systems (or set "
                         "TRTPROF_NSYS to its nsys), or export it yourself with "
                         "`nsys export --type sqlite REPORT` and pass the .sqlite",
                         path=str(path))
    out = workdir / (path.stem + ".sqlite")
    # nsys wants to read the report by name; a symlink in workdir keeps any side files it makes
    # (older versions convert .qdrep in place) away from the user's directory.
    link = workdir / path.name
    link.symlink_to(path.resolve())
    cmd = [nsys, "export", "--type", "sqlite", "--force-overwrite", "true",
           "--output", str(out), str(link)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S,
                             cwd=workdir)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise InputError(f"running `{nsys} export` failed: {err}", path=str(path)) from None
    if res.returncode != 0 or not out.exists():
        msg = (res.stderr or res.stdout).strip().splitlines()
        last = msg[-1] if msg else f"exit code {res.returncode}"
        raise InputError(f"`nsys export` could not read it ({last}); a report from a newer "
                         "Nsight Systems needs that version's nsys", path=str(path))
    return out


def decompress(path: Path, workdir: Path) -> Path:
    """``trace.sqlite.xz`` / ``.gz`` -> a temporary plain ``.sqlite``."""
    out = workdir / (path.name.rsplit(".", 1)[0] or "trace.sqlite")
    with open(path, "rb") as fh:
        opener = lzma.open if fh.read(6) == b"\xfd7zXZ\x00" else gzip.open
    try:
        with opener(path, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except (OSError, EOFError, lzma.LZMAError) as err:
        raise InputError(f"cannot decompress: {err}", path=str(path)) from None
    return out
