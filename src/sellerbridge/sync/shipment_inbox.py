"""Flow ``shipment_inbox``: shipment files the warehouse drops in a receiver's inbox, handed to the intake (C1).

For each file receiver of the connection with an inbox (``Receivers.inboxes``: a local directory or a
directory on its SFTP server), every complete file waiting (``Inbox.pending``: never a ``.part``) is read
and given to the shipment intake (``ShipmentIntake.import_file``, ``source="inbox"``), which checks each
row, stores the valid ones and puts each refused row in the error log with its line number. Then the
file is moved: to ``processed/`` when no row was refused, else to ``failed/`` with
``<name>.errors.txt`` listing each refused row (``line N: field: message``) for a person.

Exactly once, without a lock on the file: a file is moved only after the intake stored its rows, so a
file is never lost. When the run stops between the two (a crash, the SFTP server gone before the move),
the next run reads the file again, and the intake's idempotency keys (one per shipment row) make that
re-read harmless: those rows count as ``duplicates``, nothing is stored twice.

A place that cannot be read (the server down, the login refused) fails the run as a whole, retryably
when waiting can help, after the other inboxes were served; its files stay for the next run. A file the
inbox refuses as a whole (larger than the inbox's limit) goes to ``failed/`` with the reason.

Stock files (I5) come through the same inboxes: a file whose name starts with ``stock`` or whose header
is a stock header (``domain/stock/csv_import.is_stock_file``) goes to the stock import
(``RunPorts.stock_import``) instead of the shipment intake, counted and moved the same way (its rows are
the ``accepted``, ``duplicates`` and ``refused``; a replayed file moves no stock: its refs are the file's
hash and line numbers).

Scheduled every minute per connection. A connection without an inbox records no run (an idle hub with
hundreds of sellers must not write a run a minute for each: issue 9's cost rule).
"""

from __future__ import annotations

from datetime import timedelta

from ..domain.common.errors import ConfigError, DomainError, UpstreamError
from ..domain.common.results import ItemResult, ItemStatus, Message, RunReport
from ..domain.ports.deliveries import Inbox, ReceiverSpec
from ..domain.ports.runs import FlowContext
from ..domain.ports.shipments import ImportOutcome, LineError
from ..domain.stock.csv_import import is_stock_file
from .runs import Flow, RunContext, record_run

COUNTS = ("files", "accepted", "refused", "held", "duplicates")

FLOW = Flow("shipment_inbox", every=timedelta(minutes=1), counts=COUNTS,
            about="shipment files from the warehouse's inbox (local or SFTP) into the shipment intake (C1)")


def run(ctx: FlowContext, connection_id: int | None) -> RunReport | None:
    """A run when the connection has an inbox, a person asked for one (a queued run must end), or the
    connection cannot run (the run records why); else None: nothing recorded."""
    assert connection_id is not None
    try:
        ports = ctx.ports(connection_id)
    except ConfigError:
        return record_run(ctx, FLOW, connection_id, read_inboxes)
    if (ports.receivers is None or not ports.receivers.inboxes()) and ctx.runs.unfinished(
            FLOW.name, connection_id) is None:
        return None
    return record_run(ctx, FLOW, connection_id, read_inboxes)


def read_inboxes(run: RunContext) -> None:
    """Every inbox of the connection; an inbox that could not be read fails the run at the end (one that
    needs a person first: its error is then shown with the connection, and the regular schedule still
    tries the others every minute rather than backing off)."""
    ports = run.ports
    if ports.receivers is None:
        return  # this hub keeps no receivers: nothing to read (a run asked for ends done, with nothing)
    if ports.inbox_opener is None or ports.shipments is None:
        raise ConfigError("the hub has no shipment intake or inbox opener wired: the inbox cannot be read")
    unreadable: UpstreamError | None = None
    for spec in ports.receivers.inboxes():
        try:
            inbox = ports.inbox_opener.open(spec)
            try:
                read_inbox(run, spec, inbox)
            finally:
                inbox.close()
        except UpstreamError as exc:
            run.tally.note(ItemResult(f"receiver:{spec.id}", ItemStatus.ERROR,
                                      (Message("inbox_unreadable", exc.summary()),)))
            if unreadable is None or (unreadable.retryable and not exc.retryable):
                unreadable = exc
    if unreadable is not None:
        raise unreadable


def read_inbox(run: RunContext, spec: ReceiverSpec, inbox: Inbox) -> None:
    """The complete files of one inbox, oldest name first, each imported then moved."""
    intake = run.ports.shipments
    assert intake is not None
    for name in inbox.pending():
        run.tally.add("files")
        try:
            content = inbox.read(name)
        except DomainError as exc:  # the file as a whole is not one the intake can take
            inbox.done(name, ok=False, report=f"line 0: file: {exc.message}\n")
            run.tally.add("refused")
            run.tally.note(ItemResult(name, ItemStatus.ERROR, (Message(exc.code, exc.message),)))
            continue
        stock = run.ports.stock_import
        if stock is not None and is_stock_file(name, content):
            outcome = stock.import_file(content, file_name=name, source="inbox")
        else:
            outcome = intake.import_file(content, file_name=name, source="inbox")
        inbox.done(name, ok=not outcome.errors, report=error_report(outcome.errors))
        count(run, name, outcome)
        run.checkpoint()


def count(run: RunContext, name: str, outcome: ImportOutcome) -> None:
    run.tally.add("accepted", outcome.accepted)
    run.tally.add("duplicates", outcome.duplicates)
    run.tally.add("held", outcome.held)
    run.tally.add("refused", len(outcome.errors))
    if outcome.errors:
        first = outcome.errors[0]
        run.tally.note(ItemResult(name, ItemStatus.ERROR, (Message(
            first.code, f"{len(outcome.errors)} row(s) refused; first: {line_text(first)}"),)))


def error_report(errors: tuple[LineError, ...]) -> str:
    """``<name>.errors.txt``: one line per refused row (empty when none was)."""
    return "".join(line_text(error) + "\n" for error in errors)


def line_text(error: LineError) -> str:
    """``line 4: quantity: 3 is above the 2 left to ship`` (the field is ``file`` for the file as a whole)."""
    message = " ".join(error.message.split())  # one line per error, whatever the message holds
    return f"line {error.line}: {error.field or 'file'}: {message}"
