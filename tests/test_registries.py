"""The parser and renderer registries cover every kind and format, and point at real code."""

from __future__ import annotations

import inspect
from importlib import import_module

from trtprof.inputs import Inputs
from trtprof.parsers import PARSERS, TRACE_KINDS
from trtprof.parsers.detect import KINDS
from trtprof.reports import RENDERERS, renderer_for


def test_every_detected_kind_has_a_reader():
    assert set(KINDS) == set(PARSERS) | set(TRACE_KINDS) | {"report"}
    slots = {f for f in Inputs.__dataclass_fields__}
    for p in PARSERS.values():
        assert callable(getattr(import_module(p.module), p.function)), p
        assert p.slot in slots, p


def test_every_renderer_takes_the_options_it_declares():
    for r in RENDERERS.values():
        params = inspect.signature(import_module(r.module).render).parameters
        assert set(r.options) <= set(params), r
        assert renderer_for("x" + r.extensions[0].upper()) is r
    assert renderer_for("report.csv") is None
