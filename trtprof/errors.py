"""The one exception type that reaches users: bad input or bad usage (exit code 2)."""

from __future__ import annotations


class TrtprofError(Exception):
    """A problem the user can fix. The CLI prints ``str(err)`` on one line and exits with
    ``exit_code``; no traceback. Messages name the file and what is wrong with it."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, exit_code: int | None = None):
        self.path = path
        if exit_code is not None:
            self.exit_code = exit_code
        # one line whatever the file is called: control characters in a name are escaped;
        # in the message (which may quote SQLite's errors, and those the damaged schema's SQL)
        # whitespace runs become one space
        shown = path if path is None or path.isprintable() else repr(path)[1:-1]
        if not message.isprintable():
            message = " ".join(message.split())
            message = message if message.isprintable() else repr(message)[1:-1]
        self.message = message
        super().__init__(f"{shown}: {message}" if path else message)


class InputError(TrtprofError):
    """An input file is missing, unreadable, of an unknown kind, or malformed."""


class UsageError(TrtprofError):
    """Bad options or arguments (also bad config files)."""


def require_extra(module: str, extra: str, what: str) -> None:
    """A UsageError naming the extra when an optional dependency is missing: called before the
    work that needs it starts, not after the analysis."""
    from importlib.util import find_spec
    try:
        found = find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise UsageError(f"{what} needs {module}: pip install 'trtprof[{extra}]' "
                         f"(in a checkout: pip install '.[{extra}]')")
