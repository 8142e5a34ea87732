"""The report as JSON (docs/CONTRACT.md): what `--format json` prints and `--save` writes."""

from __future__ import annotations

import json


def render(report: dict) -> str:
    # allow_nan=False: a NaN that slipped through is a bug to surface, not invalid JSON to ship.
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
