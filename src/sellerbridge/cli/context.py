"""What every hub command shares (I1): the Hub built once per command from ``SELLERBRIDGE_*`` settings,
error-to-exit-code mapping, JSON output and secret input.

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

import typer
from rich.console import Console
from rich.table import Table

from ..bootstrap import Hub, build_hub
from ..domain.common.errors import ConfigError, Conflict
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
    """The Hub for one command, closed when it ends; warnings reach stderr, scrubbed (``log_setup``)."""
    if not logging.getLogger().handlers:  # a server's entry point configured it already
        configure_logging(service=False)
    built = build_hub(Settings(), **hub_options)
    try:
        yield built
    finally:
        built.close()


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    err_console.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def handles_errors(func: F) -> F:
    """Turn the hub's errors into a one-line message and a meaningful exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ConfigError, Conflict) as exc:
            fail(str(exc), EXIT_CONFIG)
        except LookupError as exc:  # the domain's NotFound included
            fail(str(exc).strip("'\""), EXIT_NOT_FOUND)

    return wrapper  # type: ignore[return-value]


def print_fields(data: dict[str, Any]) -> None:
    """One record as a two-column table (field, value); None shows as "-"."""
    table = Table("field", "value", show_header=False)
    for key, value in data.items():
        table.add_row(key, "-" if value is None else str(value))
    console.print(table)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


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
