"""``sellerbridge receivers add|list|show|test|rotate-secret|pause|resume|allow-pii|deny-pii`` (B14, B13).

A webhook's signing secret is printed once, by ``add`` and ``rotate-secret``. ``allow-pii`` is the
admin's decision that a receiver may get buyer data (B13), recorded with the OS user and the time.
"""

from __future__ import annotations

import json

import typer
from rich.table import Table

from ..services import receivers as service
from ..services.pii import cli_viewer
from . import context
from .context import console, fail, handles_errors, print_fields, print_json

app = typer.Typer(no_args_is_help=True, help="Warehouse receivers: webhooks and file drops.")

REF_HELP = "the receiver's id, or its name (with --connection when names repeat)"
REF = typer.Argument(..., help=REF_HELP)
CONNECTION = typer.Option(None, "--connection", "-c")


def _actor(command: str) -> str:
    return cli_viewer(f"receivers {command}", may_view_pii=False).actor


def _shown(data: dict, as_json: bool, *, secret: str | None = None) -> None:
    if secret:
        data = {**data, "secret": secret}
    if as_json:
        print_json(data)
        return
    print_fields({k: v for k, v in data.items() if k != "secret"})
    if secret:
        console.print(f"signing secret (shown once, store it now): {secret}", highlight=False, soft_wrap=True)


@app.command("add")
@handles_errors
def add(name: str = typer.Argument(..., help="a name, unique per connection"),
        connection: str = typer.Option(..., "--connection", "-c"),
        kind: str = typer.Option("webhook", help="webhook | local_dir | sftp"),
        url: str | None = typer.Option(None, help="webhook: https://..."),
        config: str | None = typer.Option(None, help='file kinds, JSON: {"directory": ...} (sftp: host, port, '
                                          'username, directory, host_key; inbox)'),
        password_env: str | None = typer.Option(None, help="sftp: read the password from this variable"),
        file_format: str = typer.Option("json", help="json | csv (file kinds)"),
        as_json: bool = typer.Option(False, "--json")) -> None:
    try:
        settings = json.loads(config) if config else None
    except json.JSONDecodeError:
        fail("--config must be a JSON object", context.EXIT_CONFIG)
    if settings is not None and not isinstance(settings, dict):
        fail("--config must be a JSON object", context.EXIT_CONFIG)
    secrets = {}
    if password_env:
        secrets["password"] = context.read_secret(password_env, "SFTP password", required=True)
    with context.hub() as hub:
        revealed = service.add_receiver(hub, connection, name=name, kind=kind, url=url, config=settings,
                                        secrets=secrets, file_format=file_format, actor=_actor("add"))
    _shown(service.summary(revealed.receiver), as_json, secret=revealed.secret)


@app.command("list")
@handles_errors
def list_(connection: str | None = typer.Option(None, "--connection", "-c"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    with context.hub() as hub:
        items = [service.summary(r) for r in service.list_receivers(hub, connection)]
    if as_json:
        print_json(items)
        return
    table = Table("id", "connection", "name", "kind", "paused", "pii", "breaker", title=f"{len(items)} receivers")
    for r in items:
        table.add_row(str(r["id"]), str(r["connection_id"]), r["name"], r["kind"], "yes" if r["paused"] else "no",
                      "allowed" if r["pii_allowed"] else "withheld", r["breaker"]["state"])
    console.print(table)


@app.command("show")
@handles_errors
def show(ref: str = REF, connection: str | None = CONNECTION,
         as_json: bool = typer.Option(False, "--json")) -> None:
    with context.hub() as hub:
        data = service.show(hub, ref, connection)
    if as_json:
        print_json(data)
        return
    print_fields(data)


@app.command("test")
@handles_errors
def test(ref: str = REF, connection: str | None = CONNECTION,
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Send a signed ping now (no order, no buyer data); exit 1 if the receiver did not take it."""
    with context.hub() as hub:
        data = service.test_receiver(hub, service.get_receiver(hub, ref, connection))
    if as_json:
        print_json(data)
    else:
        print_fields(data)
    if not data["ok"]:
        raise typer.Exit(context.EXIT_FAILED)


@app.command("rotate-secret")
@handles_errors
def rotate_secret(ref: str = REF, connection: str | None = CONNECTION,
                  finish: bool = typer.Option(False, "--finish", help="end the rotation: only the newest secret "
                                              "is valid from now on"),
                  as_json: bool = typer.Option(False, "--json")) -> None:
    """A new signing secret (printed once); the older one stays valid for the grace period or until --finish."""
    with context.hub() as hub:
        receiver = service.get_receiver(hub, ref, connection)
        if finish:
            _shown(service.summary(service.finish_rotation(hub, receiver, actor=_actor("rotate-secret --finish"))),
                   as_json)
            return
        revealed = service.rotate_secret(hub, receiver, actor=_actor("rotate-secret"))
    _shown(service.summary(revealed.receiver), as_json, secret=revealed.secret)


def _change(ref: str, connection: str | None, command: str, as_json: bool, *, paused: bool | None = None,
            pii: bool | None = None) -> None:
    with context.hub() as hub:
        record = service.get_receiver(hub, ref, connection)
        if paused is not None:
            record = service.set_paused(hub, record, paused, actor=_actor(command))
        if pii is not None:
            record = service.set_pii(hub, record, pii, actor=_actor(command))
    _shown(service.summary(record), as_json)


@app.command("pause")
@handles_errors
def pause(ref: str = REF, connection: str | None = CONNECTION,
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Send it nothing until resumed (what happens meanwhile is delivered then)."""
    _change(ref, connection, "pause", as_json, paused=True)


@app.command("resume")
@handles_errors
def resume(ref: str = REF, connection: str | None = CONNECTION,
           as_json: bool = typer.Option(False, "--json")) -> None:
    _change(ref, connection, "resume", as_json, paused=False)


@app.command("allow-pii")
@handles_errors
def allow_pii(ref: str = REF, connection: str | None = CONNECTION,
              as_json: bool = typer.Option(False, "--json")) -> None:
    """B13: the receiver may get the ship-to address and buyer name (recorded: who, when)."""
    _change(ref, connection, "allow-pii", as_json, pii=True)


@app.command("deny-pii")
@handles_errors
def deny_pii(ref: str = REF, connection: str | None = CONNECTION,
             as_json: bool = typer.Option(False, "--json")) -> None:
    _change(ref, connection, "deny-pii", as_json, pii=False)
