"""Findings: a registry of rules, each a function of the analysed inputs.

A rule has a stable id (its finding ``kind``, docs/CONTRACT.md), declares the data it needs, and
returns ``Finding``s. Rules whose data is absent are listed as not evaluated, never silently
skipped. Thresholds have defaults here and can be overridden (``--threshold``/config file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


@dataclass
class Finding:
    kind: str
    severity: str                 # high | medium | low | info
    title: str
    message: str
    layers: list[str] = field(default_factory=list)     # verbatim layer names
    kernels: list[str] = field(default_factory=list)
    time_ns: int | None = None                          # GPU time at stake (per the window)
    saving_ns: int | None = None                        # estimated saving, same basis
    evidence: list[str] = field(default_factory=list)   # numbers a user can check
    recommendation: str = ""
    share: float | None = None                          # time_ns / window kernel time

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Context:
    """What a rule may read. ``frames`` holds the trace analysis frames (None without a trace)."""
    inputs: Any
    report: dict
    frames: dict | None
    options: Any
    if TYPE_CHECKING:
        # Caches the rules set on first use (absent until then: they test with hasattr). Not
        # fields at run time: declared for the type checker only.
        _fallback: Any = field(init=False)
        _layer_frame: Any = field(init=False)

    def threshold(self, rule: str, name: str, default):
        return self.options.thresholds.get(f"{rule}.{name}", default)


@dataclass
class Rule:
    id: str
    needs: tuple[str, ...]           # data kinds: trace, engine, log, nvtx, memcpy, ...
    func: Callable[[Context], list[Finding]]
    doc: str
    defaults: dict = field(default_factory=dict)


REGISTRY: dict[str, Rule] = {}


def rule(id: str, needs: tuple[str, ...], **defaults):
    """Register ``func`` as the rule ``id``; ``defaults`` are its tunable thresholds."""
    def deco(func):
        REGISTRY[id] = Rule(id=id, needs=needs, func=func, doc=(func.__doc__ or "").strip(),
                            defaults=defaults)
        return func
    return deco


def available(ctx: Context) -> set[str]:
    """The data kinds the inputs provide."""
    have = set()
    inputs = ctx.inputs
    if inputs.trace is not None:
        have.add("trace")
        if len(inputs.trace.nvtx):
            have.add("nvtx")
        if len(inputs.trace.api):
            have.add("api")
    if inputs.engine is not None and getattr(inputs.engine, "detailed", True) and \
            len(getattr(inputs.engine, "layers", [])):
        have.add("engine")
    if inputs.log is not None:
        have.add("log")
        if len(getattr(inputs.log, "layers", [])):
            have.add("engine")
    if inputs.profile is not None or (inputs.log is not None and
                                      len(getattr(inputs.log, "profile", []))):
        have.add("profile")
    return have


def load_rules() -> None:
    # Importing the modules registers their rules.
    from trtprof.rules import builtin  # noqa: F401


def evaluate(inputs, report: dict, frames: dict | None, options) -> tuple[list[dict], list[dict]]:
    """Run every rule whose data is present; findings ordered by time at stake."""
    load_rules()
    ctx = Context(inputs=inputs, report=report, frames=frames, options=options)
    have = available(ctx)
    findings: list[Finding] = []
    skipped: list[dict] = []
    for r in REGISTRY.values():
        missing = [n for n in r.needs if n not in have and not n.startswith("any:")]
        anyof = [n[4:].split("|") for n in r.needs if n.startswith("any:")]
        if missing or any(not (set(a) & have) for a in anyof):
            need = ", ".join(missing + ["|".join(a) for a in anyof if not set(a) & have])
            skipped.append({"rule": r.id, "reason": f"needs {need}"})
            continue
        findings.extend(r.func(ctx))
    findings.sort(key=lambda f: (-(f.time_ns or 0), SEVERITY_ORDER.get(f.severity, 9), f.kind))
    return [f.to_dict() for f in findings], skipped
