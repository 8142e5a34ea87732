"""Renderers: one module per output format. They format a report; they compute nothing.

``RENDERERS`` is the registry the CLI reads: format name -> file extension and render function
(imported when used).
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
    options: tuple[str, ...] = ()    # which of top/color/width/report_url it takes

    def render(self, report: Any, *, top: int = 10, color: bool = False, width: int = 100,
               report_url: str | None = None) -> str:
        given = {"top": top, "color": color, "width": width, "report_url": report_url}
        func: Callable[..., str] = import_module(self.module).render
        return func(report, **{k: given[k] for k in self.options})


RENDERERS: dict[str, Renderer] = {r.name: r for r in (
    Renderer("text", (".txt",), "trtprof.reports.text", ("top", "color", "width")),
    Renderer("json", (".json",), "trtprof.reports.json_report"),
    Renderer("markdown", (".md", ".markdown"), "trtprof.reports.markdown", ("top", "report_url")),
    Renderer("html", (".html", ".htm"), "trtprof.reports.html"),
)}


def renderer_for(path: str) -> Renderer | None:
    """The renderer whose extension ``path`` ends with, or None."""
    low = path.lower()
    for r in RENDERERS.values():
        if low.endswith(r.extensions):
            return r
    return None
