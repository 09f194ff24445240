"""What every hub command shares (I1): the Hub built once per command from ``SELLERBRIDGE_*`` settings,
error-to-exit-code mapping, JSON output and secret input.

Errors a user can cause (issue 9) are one line on stderr and an exit code, never a traceback:
:func:`failure` is the one place that knows them, used by the root command group
(:class:`HubGroup`, so every command is covered) and :func:`handles_errors`. A hub that cannot
start (a bad database URL, an unusable secret key, a data dir that is a file, a database that does
not answer) is a ConfigError from :func:`hub` saying which setting to fix, without its value.

Exit codes (scripts and cron rely on them): 0 done; 1 the action failed (test failed, sync failed,
Amazon refused); 2 bad usage or configuration, or a taken name (``Conflict``); 3 not found (any
``LookupError``, the domain's ``NotFound`` included); 4 partial (some documents went to the
error log). Secrets are read from an environment variable or a hidden prompt, never echoed.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import click
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from typer.core import TyperGroup

from ..bootstrap import Hub, build_hub
from ..domain.common.errors import ConfigError, Conflict, UpstreamError
from ..domain.common.inputs import MAX_ID
from ..log_setup import configure_logging
from ..settings import Settings

EXIT_FAILED, EXIT_CONFIG, EXIT_NOT_FOUND, EXIT_PARTIAL = 1, 2, 3, 4

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
# Extra build_hub arguments (a clock, a shared bucket store) for an embedding program, e.g. the demo
# driving the CLI against the sandbox's clock; empty for the plain command line.
hub_options: dict[str, Any] = {}


@contextmanager
def hub() -> Iterator[Hub]:
    """The Hub for one command, closed when it ends; warnings reach stderr, scrubbed (``log_setup``);
    ConfigError (one line) when it cannot start."""
    if not logging.getLogger().handlers:  # a server's entry point configured it already
        configure_logging(service=False)
    try:
        built = build_hub(Settings(), **hub_options)
    except Exception as exc:  # sorted by startup_problem; anything else is re-raised
        problem = startup_problem(exc)
        if problem is None:
            raise
        raise ConfigError(problem) from None
    try:
        yield built
    finally:
        built.close()


def id_argument(what: str) -> Any:
    """A command's id argument: an integer in 1..2^63-1 (issue 9), a usage error (exit 2) otherwise,
    since no database column holds a larger one."""
    return typer.Argument(..., min=1, max=MAX_ID, help=f"the {what}'s id")


def startup_problem(exc: BaseException) -> str | None:
    """What is wrong with the settings when the hub cannot start, naming the setting and never its
    value (a database URL may hold a password); None when ``exc`` is not a startup problem."""
    if isinstance(exc, ValidationError):
        names = ", ".join(f"SELLERBRIDGE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        return f"invalid setting(s): {names}"
    if isinstance(exc, ArgumentError):  # NoSuchModuleError included: an unknown dialect
        return ("SELLERBRIDGE_DATABASE_URL is not a database URL the hub can use: give sqlite:///PATH or "
                "postgresql+psycopg://USER@HOST:PORT/DATABASE")
    if isinstance(exc, SQLAlchemyError):
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()[0]
        return f"cannot open the database (SELLERBRIDGE_DATABASE_URL): {reason}"
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return (f"cannot use{where}: {exc.strerror or type(exc).__name__} (SELLERBRIDGE_DATA_DIR must be a "
                "directory the hub can write)")
    if isinstance(exc, ValueError):  # the secret key (SecretBoxError) and other unusable values
        return f"the hub cannot start as configured: {exc} (see SELLERBRIDGE_SECRET_KEY and the data dir)"
    return None


def failure(exc: BaseException) -> tuple[str, int] | None:
    """The one line and exit code for an error the user can cause or fix (bad settings or input, no
    such thing, Amazon refusing); None for a bug, which keeps its traceback."""
    if isinstance(exc, (ConfigError, Conflict)):
        return str(exc), EXIT_CONFIG
    if isinstance(exc, LookupError):  # the domain's NotFound included
        return str(exc).strip("'\""), EXIT_NOT_FOUND
    if isinstance(exc, UpstreamError):
        return exc.summary(), EXIT_FAILED
    if isinstance(exc, OperationalError):  # the database stopped answering mid-command: not a bug here
        reason = str(exc.orig or type(exc).__name__).strip().splitlines()[0]
        return f"the database did not answer: {reason}", EXIT_FAILED
    # Any other database error comes from a value the checks let through: a bug, with its traceback.
    return None


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def handles_errors(func: F) -> F:
    """Turn the hub's errors into a one-line message and a meaningful exit code (:func:`failure`)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            known = failure(exc)
            if known is None:
                raise
            fail(*known)

    return wrapper  # type: ignore[return-value]


class HubGroup(TyperGroup):
    """The root command group: whatever command runs, a known error (:func:`failure`) ends it with
    one line and its exit code instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            known = failure(exc)
            if known is None:
                raise
            fail(*known)


def print_fields(data: dict[str, Any]) -> None:
    """One record as a two-column table (field, value); None shows as "-"."""
    table = Table("field", "value", show_header=False)
    for key, value in data.items():
        table.add_row(key, "-" if value is None else str(value))
    console.print(table)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def file_answer(out: dict[str, Any], summary: str, as_json: bool) -> None:
    """A CSV import's answer: ``summary`` and the refused lines with their numbers (or the JSON); exit
    :data:`EXIT_PARTIAL` when a line was refused (the good ones were taken)."""
    if as_json:
        print_json(out)
    else:
        console.print(f"{summary}, {out['refused_lines']} lines refused (read as {out['encoding']})",
                      highlight=False)
        if out["errors"]:
            table = Table("line", "code", "field", "message", title="refused lines")
            for e in out["errors"]:
                table.add_row(str(e["line"]), e["code"], e["field"] or "-", e["message"])
            console.print(table)
    if out["errors"]:
        raise typer.Exit(EXIT_PARTIAL)


def read_secret(env_var: str | None, prompt: str, *, required: bool) -> str | None:
    """A secret from ``env_var`` when set, else a hidden prompt (only on a terminal or piped stdin)."""
    if env_var:
        value = os.environ.get(env_var)
        if value:
            return value.strip()
        if required and sys.stdin is None:
            fail(f"environment variable {env_var} is not set", EXIT_CONFIG)
    value = typer.prompt(prompt, hide_input=True, default="" if not required else None, show_default=False)
    value = (value or "").strip()
    if required and not value:
        fail(f"{prompt} is required", EXIT_CONFIG)
    return value or None
