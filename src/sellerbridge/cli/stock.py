"""``sellerbridge stock ...`` (issue 11): stock in (``cli/stock_in.py``) and stock out (``cli/stock_out.py``).

This module holds only the Typer app; each side registers its commands on it from its own module, imported
at the bottom, so the two never edit the same lines.
"""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Stock: counts, adjustments, CSV, commitments, the ledger, buffers, "
                                             "settings; what Amazon was told and why.")

# stock_in registers set, adjust, import, ledger, commit, buffer, settings; stock_out registers why, send-now
from . import stock_in, stock_out  # noqa: E402,F401
