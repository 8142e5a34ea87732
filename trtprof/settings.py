"""Analysis settings (command line and config file), checked against the rule registry.

Every threshold is ``RULE.NAME`` of a registered rule (``trtprof.rules``); its kind follows its
default: a fraction default (a float) takes values in [0, 1], a count or size default (an int:
``tiny_ns``, ``min_kernels``, ``min_bytes``) a non-negative integer. ``trtprof rules`` lists them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from trtprof.errors import UsageError


@dataclass
class Options:
    """Validated analysis settings (see ``validated``)."""
    gemm_target: float = 0.90
    thresholds: dict[str, float] = field(default_factory=dict)   # RULE.NAME -> value


def threshold_defaults() -> dict[str, float | int]:
    """Every tunable threshold, ``RULE.NAME`` -> its default, in registry order."""
    from trtprof.rules import REGISTRY, load_rules
    load_rules()
    return {f"{r.id}.{name}": value for r in REGISTRY.values()
            for name, value in r.defaults.items()}


def check_threshold(key: str, value: object, where: str, path: str | None = None) -> float:
    """``value`` for threshold ``key`` as a number, or a UsageError naming ``where`` and what
    is valid."""
    defaults = threshold_defaults()
    if key not in defaults:
        rule = key.partition(".")[0]
        known = [k for k in defaults if k.startswith(rule + ".")] or list(defaults)
        raise UsageError(f"{where}: unknown threshold {key!r}; valid: {', '.join(known)}",
                         path=path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value):
        raise UsageError(f"{where}: {key} expects a number, got {value!r}", path=path)
    default = defaults[key]
    if isinstance(default, int):
        if value < 0 or value != int(value):
            raise UsageError(f"{where}: {key} = {value!r} is out of range; expected an integer "
                             f">= 0 (default {default})", path=path)
        return int(value)
    if not 0 <= value <= 1:
        raise UsageError(f"{where}: {key} = {value!r} is out of range; expected a fraction "
                         f"from 0 to 1 (0.02 = 2%, default {default})", path=path)
    return float(value)


def check_gemm_target(value: object, where: str, path: str | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or not 0 <= value <= 1:
        raise UsageError(f"{where}: gemm_target expects a fraction from 0 to 1 (0.9 = 90%), "
                         f"got {value!r}", path=path)
    return float(value)


def validated(gemm_target: object = 0.90, thresholds: dict | None = None, where: str = "",
              path: str | None = None) -> Options:
    """Options whose every value was checked; errors name ``where`` (an option or a key)."""
    return Options(
        gemm_target=check_gemm_target(gemm_target, where or "gemm_target", path),
        thresholds={k: check_threshold(k, v, where or k, path)
                    for k, v in (thresholds or {}).items()})
