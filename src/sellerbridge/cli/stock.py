"""``sellerbridge stock ...``: stock in and out (issue 11). The stock-in commands live here; stock out's
(``why``, ``send-now``) are added by ``cli/stock_out.py``."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Stock: what the hub has, and what Amazon is told (D1-D9).")
