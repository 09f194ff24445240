"""The ``sellerbridge`` command (I1)."""

from __future__ import annotations

import typer

from . import (
    apikey,
    cancellations,
    connection,
    deliveries,
    demo,
    errors,
    items,
    jobs,
    orders,
    pii,
    prices,
    receivers,
    runs,
    runtime,
    sandbox,
    shipments,
    sync,
)
from . import serve as web
from . import stock as stock_cli
from . import stock_in as stock_in_cli
from . import stock_out as stock_out_cli
from .context import HubGroup

# HubGroup: a known error of any command is one line and an exit code (cli/context.py); a bug keeps its
# traceback, without local variables (they may hold secrets or buyer data).
app = typer.Typer(no_args_is_help=True, help="sellerbridge: Amazon Seller Central <-> your back office.",
                  cls=HubGroup, pretty_exceptions_show_locals=False)
app.add_typer(sandbox.app, name="sandbox")
app.command("demo")(demo.demo)
app.add_typer(connection.app, name="connection")
app.add_typer(sync.app, name="sync")
app.add_typer(orders.app, name="orders")
app.add_typer(errors.app, name="errors")
app.add_typer(shipments.app, name="shipments")
app.add_typer(apikey.app, name="api-key")
app.command("web")(web.web)
app.add_typer(pii.app, name="pii")
app.add_typer(jobs.app, name="jobs")
app.add_typer(runs.app, name="runs")
app.add_typer(cancellations.app, name="cancellations")
app.add_typer(receivers.app, name="receivers")
app.add_typer(deliveries.app, name="deliveries")
app.add_typer(stock_cli.app, name="stock")
app.add_typer(stock_in_cli.warehouses_app, name="warehouses")
app.add_typer(prices.app, name="prices")  # issue 11 (E1, E3)
app.add_typer(items.app, name="items")  # issue 11 (I5)
app.add_typer(stock_out_cli.feeds_app, name="feeds")
app.command("run")(runtime.run)
app.command("worker")(runtime.worker)
app.command("scheduler")(runtime.scheduler)


if __name__ == "__main__":  # pragma: no cover
    app()
