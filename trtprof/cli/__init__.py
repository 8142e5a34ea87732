"""Command line: thin click wrappers over the library. Errors the user can fix exit 2, one line."""

from __future__ import annotations

import errno
import os
import sys

import click

from trtprof import __version__
from trtprof.errors import TrtprofError


class _Group(click.Group):
    """Maps library errors to one-line messages and exit codes; anything else is a bug."""

    def invoke(self, ctx):
        try:
            result = super().invoke(ctx)
            # Buffered output fails only when flushed: inside this try, so that a full disk
            # under stdout is an error, not exit 0 with a truncated report.
            sys.stdout.flush()
            return result
        except TrtprofError as err:
            click.echo(f"trtprof: error: {err}", err=True)
            sys.exit(err.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            sys.exit(0)
        except OSError as err:
            if err.errno not in _WRITE_ERRORS:
                _internal_error(err)
            click.echo(_cannot_write(err), err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("trtprof: interrupted", err=True)
            sys.exit(130)
        except Exception as err:  # noqa: BLE001 - the one place internal errors are caught
            _internal_error(err)


# What the file system says when an output cannot be written (full disk, quota, file size
# limit, I/O error): the user's to fix, not a bug. Files trtprof names are written through
# outputs.write_file; these are what stdout's writes raise.
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _cannot_write(err: OSError) -> str:
    return f"trtprof: error: cannot write the output: {err.strerror}"


def _internal_error(err: Exception):
    click.echo(f"trtprof: internal error: {type(err).__name__}: {err}\n"
               "Please report this at the project's issue tracker "
               "(run with TRTPROF_DEBUG=1 for the traceback).", err=True)
    if os.environ.get("TRTPROF_DEBUG"):
        raise err
    sys.exit(3)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trtprof")
def main():
    """trtprof: where the GPU time of a TensorRT engine goes, and what to change."""


def _register() -> None:
    # Each command lives in its own module; importing it here keeps `trtprof --help` complete.
    from trtprof.cli.analyze import analyze_cmd
    from trtprof.cli.classify import classify
    from trtprof.cli.compare import compare_cmd, gate_cmd, history_group
    from trtprof.cli.rules import rules_cmd
    main.add_command(analyze_cmd)
    main.add_command(classify)
    for cmd in (compare_cmd, gate_cmd, history_group, rules_cmd):
        main.add_command(cmd)


_register()


def _reuse_freed_memory() -> None:
    """Have glibc keep the memory trtprof frees, for its next arrays, rather than give it back
    to the kernel and fault in fresh zeroed pages: on a 5M-kernel trace, zeroing fresh pages
    was a third of the CPU time (perf: clear_page_erms), and the run takes 20-35% less wall
    time without it (BENCHMARKS.md). One arena for every thread, no mmap for large blocks,
    no trimming below 2 GiB free. The command line only, before any reading thread starts;
    the library leaves its host process's allocator alone. Nothing on other C libraries."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_max, m_arena_max = -1, -4, -8      # glibc's malloc.h
    mallopt(m_arena_max, 1)
    mallopt(m_mmap_max, 0)
    mallopt(m_trim_threshold, 2**31 - 1)


def entry() -> None:
    """The console script: ``main``, then a quick exit. Python's shutdown would free a
    million-row trace object by object (a few tenths of a second) for nothing: the output is
    flushed here, and every file trtprof writes or creates is closed or removed by then."""
    _reuse_freed_memory()
    code: str | int | None
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = stop.code
    except OSError as err:      # writing --help/--version, outside any command
        if err.errno not in _WRITE_ERRORS:
            raise
        print(_cannot_write(err), file=sys.stderr)
        code = 2
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):   # reader gone or stream closed
            pass
        except OSError as err:                   # full disk: the output is incomplete
            if stream is sys.stdout and not code:
                code = 2
                print(_cannot_write(err), file=sys.stderr)
    os._exit(code or 0)
