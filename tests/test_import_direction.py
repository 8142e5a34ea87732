"""The package's data flows one way (docs/ARCHITECTURE.md): parsers -> inputs -> analysis /
classify / rules -> pipeline -> report -> renderers, compare, gate, CLI. Checked on the source,
function-local imports included (a lazy import hides a circle; it does not remove it)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "trtprof"

# What each part must never import (by part: the first package level below trtprof).
FORBIDDEN = {
    "parsers": {"analysis", "classify", "rules", "pipeline", "analyze", "inputs", "reports", "ci",
                "cli", "settings", "report"},
    "model": {"parsers", "analysis", "rules", "reports", "ci", "cli", "pipeline", "inputs"},
    "report": {"parsers", "analysis", "rules", "reports", "ci", "cli", "pipeline", "inputs"},
    "classify": {"parsers", "analysis", "rules", "reports", "ci", "cli", "pipeline", "inputs"},
    "analysis": {"reports", "ci", "cli", "rules", "pipeline", "analyze"},
    "rules": {"reports", "ci", "cli", "pipeline", "analyze", "parsers"},
    "reports": {"parsers", "analysis", "classify", "rules", "pipeline", "analyze", "inputs", "ci",
                "cli"},
    "ci": {"parsers", "analysis", "rules", "pipeline", "analyze", "inputs", "cli", "reports"},
}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports() -> dict[str, set[str]]:
    """module -> trtprof modules it imports, anywhere in its body."""
    out: dict[str, set[str]] = defaultdict(set)
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG.parent).with_suffix("")
        mod = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            out[mod] |= {n for n in names if n.startswith("trtprof.")}
    return out


def test_parts_import_only_downstream():
    bad = []
    for mod, deps in sorted(_imports().items()):
        for dep in sorted(deps):
            if _part(dep) in FORBIDDEN.get(_part(mod), set()):
                bad.append(f"{mod} imports {dep}")
    assert not bad, "\n".join(bad)


def test_no_import_circle_between_parts():
    graph: dict[str, set[str]] = defaultdict(set)
    for mod, deps in _imports().items():
        for dep in deps:
            if _part(dep) != _part(mod) and _part(mod) != "__init__":
                graph[_part(mod)].add(_part(dep))

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return path + [start]
                if nxt not in path:
                    stack.append((nxt, path + [nxt]))
        return None
    cycles = [c for c in (cycle_from(p) for p in list(graph)) if c]
    assert not cycles, " ; ".join(" -> ".join(c) for c in cycles)


def test_no_import_circle_between_modules_outside_rule_registration():
    """Module-level circles, except the rule registry's own (rules/__init__ imports the rule
    modules to register them; they import its decorator)."""
    graph = _imports()
    for mod, deps in graph.items():
        for dep in deps:
            if mod in graph.get(dep, set()) and not (mod.startswith("trtprof.rules") and
                                                     dep.startswith("trtprof.rules")):
                raise AssertionError(f"{mod} <-> {dep}")
