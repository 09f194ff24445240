"""The ``sellerbridge`` command (I1)."""

from __future__ import annotations

import typer

from . import demo, sandbox

app = typer.Typer(no_args_is_help=True, help="sellerbridge: Amazon Seller Central <-> your back office.")
app.add_typer(sandbox.app, name="sandbox")
app.command("demo")(demo.demo)


if __name__ == "__main__":  # pragma: no cover
    app()
