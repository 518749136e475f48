"""What every ``trendtrace`` command shares: options from the settings table, the one-line
``Error:`` handling, the console, ``--set NAME=VALUE`` and the output-folder check.

Its own module so that commands defined outside :mod:`trendtrace.cli` (``trendtrace comments``)
use the same pieces without importing the command group.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from .model import InputError
from .settings import SETTINGS, SettingError

_BY_NAME = {s.name: s for s in SETTINGS}
_USER_ERRORS: tuple[type[BaseException], ...] = (InputError, SettingError)


def _user_errors() -> tuple[type[BaseException], ...]:
    from .comments.embed import EmbeddingUnavailable
    from .engine import EngineError
    from .store import StoreError

    return _USER_ERRORS + (StoreError, EngineError, EmbeddingUnavailable)


def setting_option(name: str, *flags: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A click option whose default and help come from the settings table."""
    s = _BY_NAME[name]
    flags = flags or ("--" + name.replace("_", "-"),)
    if s.choices:
        kwargs.setdefault("type", click.Choice(s.choices))
    elif isinstance(s.default, bool):
        kwargs.setdefault("is_flag", True)
    else:
        kwargs.setdefault("type", type(s.default))
    return click.option(*flags, name, default=s.default, show_default=True, help=s.help, **kwargs)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except _user_errors() as exc:
            click.echo(f"Error: {_one_line(str(exc), 1000)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Error: interrupted", err=True)
            sys.exit(130)
        except _environment_errors() as exc:
            # the machine, not the input: a full disk, a folder without write permission, a file
            # that vanished; said in one line, since a traceback tells the user nothing more
            where = f"{exc.filename}: " if isinstance(exc, OSError) and exc.filename else ""
            click.echo(
                f"Error: {where}"
                f"{_one_line(exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc).splitlines()[0])}",
                err=True)
            sys.exit(1)

    return wrapper


def _environment_errors() -> tuple[type[BaseException], ...]:
    import duckdb

    return (OSError, duckdb.IOException, duckdb.PermissionException, duckdb.OutOfMemoryException)


def _console(quiet: bool) -> Any:
    from rich.console import Console

    return Console(stderr=True, quiet=quiet, soft_wrap=True)


def _one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, at most ``limit`` characters (an error may quote a hostile input)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _parse_sets(sets: Sequence[str]) -> dict[str, str]:
    out = {}
    for s in sets:
        name, sep, value = s.partition("=")
        if not sep:
            raise InputError(f"--set {s!r}: write NAME=VALUE")
        out[name.strip().replace("-", "_")] = value.strip()
    return out


def _writable_dir(path: str, option: str) -> None:
    """Refuse, before any work, an output folder that is a file or cannot be written."""
    import tempfile

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(f"{option} {path}: is a file, not a folder")
    try:
        p.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=p):
            pass
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot write there ({exc.strerror or exc})") from None
