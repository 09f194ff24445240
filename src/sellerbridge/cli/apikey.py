"""``sellerbridge api-key create|list|revoke`` (I2): the clear key is printed once, at creation.

The server's CLI may grant ``view_pii`` and revoke any key, the last admin key too: whoever runs it
holds the database and the secret key already (over REST only a view_pii key grants view_pii, and the
last admin key stays; issue 9, ``services/api_keys.py``).
"""

from __future__ import annotations

import typer
from rich.table import Table

from ..services import api_keys as service
from . import context
from .context import console, handles_errors, print_json

app = typer.Typer(no_args_is_help=True, help="REST API keys and their roles.")


@app.command("create")
@handles_errors
def create(name: str,
           role: list[str] = typer.Option(..., "--role", "-r", help="viewer | operator | admin, plus view_pii"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Create a key; it is shown now and never again (only its hash is stored)."""
    with context.hub() as hub:
        record, clear = service.create_key(hub, name, [r for value in role for r in value.split(",")])
    if as_json:
        print_json({"id": record.id, "name": record.name, "roles": list(record.roles), "key": clear})
        return
    console.print(f"API key [bold]{record.name}[/bold] ({', '.join(record.roles)}); store it now, it is not "
                  "shown again:", highlight=False)
    typer.echo(clear)


@app.command("list")
@handles_errors
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    with context.hub() as hub:
        keys = service.list_keys(hub)
    if as_json:
        print_json([{"id": k.id, "name": k.name, "prefix": k.key_prefix, "roles": list(k.roles),
                     "created_at": k.created_at, "last_used_at": k.last_used_at, "revoked_at": k.revoked_at}
                    for k in keys])
        return
    table = Table("id", "name", "prefix", "roles", "last used", "revoked")
    for k in keys:
        table.add_row(str(k.id), k.name, k.key_prefix + "…", ", ".join(k.roles), str(k.last_used_at or "-"),
                      str(k.revoked_at or "-"))
    console.print(table)


@app.command("revoke")
@handles_errors
def revoke(key: str = typer.Argument(..., help="key name or id")) -> None:
    with context.hub() as hub:
        service.revoke_key(hub, key)
    console.print(f"API key {key} revoked", highlight=False)
