"""Config files: `trtprof.toml` or `[tool.trtprof]` in pyproject.toml.

```toml
[analyze]
gemm_target = 0.9
[analyze.thresholds]
"reformat.min_share" = 0.02

[gate]
max_latency_regression = 0.05
```
Unknown sections or keys are errors (exit 2) naming the file and the key: a typo in a CI gate
must not silently disable a check.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from trtprof.errors import UsageError

ANALYZE_KEYS = {"gemm_target", "thresholds"}


def read_toml(path: str | Path) -> dict:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError("config file not found", path=str(p)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read config: {err}", path=str(p)) from None
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"invalid TOML: {err}", path=str(p)) from None
    if p.name == "pyproject.toml":
        data = data.get("tool", {}).get("trtprof", {})
    return data


def check_keys(section: dict, allowed: set[str], where: str, path: str | Path) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise UsageError(f"unknown key {where}.{unknown[0]} (known: {', '.join(sorted(allowed))})",
                         path=str(path))


def load_config(path: str | Path) -> dict:
    """The [analyze] section, validated: {"gemm_target": float?, "thresholds": {key: float}}."""
    data = read_toml(path)
    check_keys(data, {"analyze", "gate"}, "top level", path)
    section = data.get("analyze", {})
    check_keys(section, ANALYZE_KEYS, "analyze", path)
    thresholds = section.get("thresholds", {})
    if not isinstance(thresholds, dict):
        raise UsageError("analyze.thresholds: expected a table of \"RULE.NAME\" = number",
                         path=str(path))
    from trtprof.settings import check_gemm_target, check_threshold
    target = section.get("gemm_target")
    return {"gemm_target": None if target is None else
            check_gemm_target(target, "analyze.gemm_target", str(path)),
            "thresholds": {k: check_threshold(k, v, f"analyze.thresholds.{k}", str(path))
                           for k, v in thresholds.items()}}
