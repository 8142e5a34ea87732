"""Typed reads of JSON fields: a value of the wrong type is an InputError naming the file and
the field (``Layers[3].Inputs: expected a list, got a number``), never a guess or a traceback.
The parsers of layer, profile and TREx metadata JSON read the fields they use through these."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from trtprof.errors import InputError
from trtprof.parsers.trt_text import is_measurement

# What a TypeError/ValueError/... from a field nobody checked means in a JSON file: the file's
# fault (parsers/__init__.py turns it into one line; ``located`` adds where it happened).
JSON_SHAPE_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError)

_NAMES = {str: "a string", list: "a list", dict: "an object", int: "an integer",
          float: "a number", bool: "true or false"}


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, with an article: 'a list', 'null'..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    return _NAMES.get(type(value), type(value).__name__)


def typed(obj: dict, key: str, kinds: tuple[type, ...], where: str, path: str | None,
          default: Any = None) -> Any:
    """``obj[key]`` when it is one of ``kinds`` (JSON null or absent: ``default``); else an
    InputError naming ``where.key``. ``float`` accepts any finite number (not true/false)."""
    value = obj.get(key)
    if value is None:
        return default
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if float in kinds and number:
        if is_measurement(value):     # finite and of sane size (1e308 is neither a time nor
            return value              # a count)
    elif isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds):
        return value
    wanted = " or ".join("a finite number" if k is float else _NAMES[k] for k in kinds)
    got = f"{value:g}" if number and float in kinds else json_type(value) + (
        f" ({str(value)[:40]})" if isinstance(value, (int, float, str)) else "")
    raise InputError(f"{_join(where, key)}: expected {wanted}, got {got}", path=path)


def typed_list(obj: dict, key: str, kind: type, where: str, path: str | None) -> list:
    """``obj[key]`` as a list whose every item is a ``kind`` (absent or null: [])."""
    values = typed(obj, key, (list,), where, path, default=[])
    for i, value in enumerate(values):
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise InputError(f"{_join(where, key)}[{i}]: expected {_NAMES[kind]}, got "
                             f"{json_type(value)}", path=path)
    return values


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


@contextmanager
def located(where: str, path: str | None) -> Iterator[None]:
    """A wrong-typed value that no ``typed`` call caught, inside ``where``, named with it."""
    try:
        yield
    except InputError:
        raise
    except JSON_SHAPE_ERRORS as err:
        raise InputError(f"{where}: a field has an unexpected type or value "
                         f"({type(err).__name__}: {str(err)[:120]})", path=path) from None
