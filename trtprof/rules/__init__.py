"""Findings: a registry of rules, each a function of the analysed inputs.

A rule has a stable id (its finding ``kind``, docs/CONTRACT.md), declares the data it needs, and
comes in two parts: ``measure`` computes typed results from the ``Analysis`` (numbers, names,
severity; no prose), ``words`` turns one result into a ``Finding`` (title, message, evidence,
recommendation; no computing beyond formatting). Rules whose data is absent are listed as not evaluated, never silently
skipped. Thresholds have defaults here and can be overridden (``--threshold``/config file).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trtprof.analysis.result import Analysis

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
    """What a rule receives: the analysis, the user's thresholds, and a cache for results
    several rules share (one cause, one finding)."""
    analysis: Analysis
    thresholds: Mapping[str, Any]      # validated user overrides, "rule.name" -> value
    cache: dict[str, Any] = field(default_factory=dict)

    def threshold(self, rule: str, name: str, default):
        return self.thresholds.get(f"{rule}.{name}", default)


@dataclass(frozen=True)
class Words:
    """What the words of a finding may know besides its result: how to say a window total per
    inference."""
    iterations: int | None            # inferences in the window

    def per_inference(self, ns: float) -> str:
        """'1.2 ms per inference' when the inference count is known, else ''."""
        from trtprof.rules._common import fmt_ns
        n = self.iterations
        if not n:
            return ""
        return f"{fmt_ns(ns / n)} per inference" if n > 1 else f"{fmt_ns(ns)} per inference"


@dataclass
class Rule:
    id: str
    needs: tuple[str, ...]           # data kinds: trace, engine, log, nvtx, memcpy, ...
    measure: Callable[[Context], list[Any]]     # typed results, one per finding
    words: Callable[[Any, Words], Finding]      # one result -> its finding
    doc: str
    defaults: dict = field(default_factory=dict)

    def run(self, ctx: Context) -> list[Finding]:
        words = Words(iterations=ctx.analysis.iterations)
        return [self.words(result, words) for result in self.measure(ctx)]


REGISTRY: dict[str, Rule] = {}


def rule(id: str, needs: tuple[str, ...], words: Callable[[Any, Words], Finding], **defaults):
    """Register the decorated ``measure`` function as the rule ``id``, with ``words`` for its
    findings; ``defaults`` are its tunable thresholds."""
    def deco(measure):
        REGISTRY[id] = Rule(id=id, needs=needs, measure=measure, words=words,
                            doc=(measure.__doc__ or "").strip(), defaults=defaults)
        return measure
    return deco


def load_rules() -> None:
    # Importing the modules registers their rules.
    from trtprof.rules import builtin  # noqa: F401


def evaluate(analysis: Analysis, thresholds: Mapping[str, Any]) -> tuple[list[dict], list[dict]]:
    """Run every rule whose data is present; findings ordered by time at stake."""
    load_rules()
    ctx = Context(analysis=analysis, thresholds=thresholds)
    have = analysis.have
    findings: list[Finding] = []
    skipped: list[dict] = []
    for r in REGISTRY.values():
        missing = [n for n in r.needs if n not in have and not n.startswith("any:")]
        anyof = [n[4:].split("|") for n in r.needs if n.startswith("any:")]
        if missing or any(not (set(a) & have) for a in anyof):
            need = ", ".join(missing + ["|".join(a) for a in anyof if not set(a) & have])
            skipped.append({"rule": r.id, "reason": f"needs {need}"})
            continue
        findings.extend(r.run(ctx))
    findings.sort(key=lambda f: (-(f.time_ns or 0), SEVERITY_ORDER.get(f.severity, 9), f.kind))
    return [f.to_dict() for f in findings], skipped
