"""Renderers: one module per output format. They format a report; they compute nothing.

``RENDERERS`` is the registry the CLI reads: format name -> file extension and render function
(imported when used: the HTML renderer needs matplotlib).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class Renderer:
    name: str
    extensions: tuple[str, ...]      # the first is the one to write; all are recognised
    module: str                      # its render(report, **options) -> str
    options: tuple[str, ...] = ()    # which of top/color/width it takes
    needs: tuple[str, str] | None = None   # (module, extra): an optional dependency it imports

    def render(self, report: Any, *, top: int = 10, color: bool = False, width: int = 100) -> str:
        given = {"top": top, "color": color, "width": width}
        func: Callable[..., str] = import_module(self.module).render
        return func(report, **{k: given[k] for k in self.options})

    def check_available(self) -> None:
        """UsageError naming the extra when the optional dependency is missing: asked before
        the analysis starts, not after it."""
        if self.needs is None:
            return
        from importlib.util import find_spec
        module, extra = self.needs
        if find_spec(module) is None:
            from trtprof.errors import UsageError
            raise UsageError(f"{self.name} output needs {module}: pip install 'trtprof[{extra}]'")


RENDERERS: dict[str, Renderer] = {r.name: r for r in (
    Renderer("text", (".txt",), "trtprof.reports.text", ("top", "color", "width")),
    Renderer("json", (".json",), "trtprof.reports.json_report"),
    Renderer("markdown", (".md", ".markdown"), "trtprof.reports.markdown", ("top",)),
    Renderer("html", (".html", ".htm"), "trtprof.reports.html",
             needs=("matplotlib", "html")),
)}


def renderer_for(path: str) -> Renderer | None:
    """The renderer whose extension ``path`` ends with, or None."""
    low = path.lower()
    for r in RENDERERS.values():
        if low.endswith(r.extensions):
            return r
    return None
