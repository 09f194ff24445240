"""A file transport for the delivery flow's file path in tests (the real ones are channels/filedrop.py,
the files work of issue 10): one JSON batch file per send, written under a temporary name and renamed,
acknowledged by a ``<name>.ack`` file beside it."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from sellerbridge.domain.deliveries.message import BATCH_SCHEMA
from sellerbridge.domain.ports.deliveries import Attempt, Message, ReceiverSpec


class DirectoryDrop:
    def __init__(self) -> None:
        self.batches = 0
        self.fail = False

    def send(self, receiver: ReceiverSpec, messages: Sequence[Message]) -> Attempt:
        if self.fail:
            return Attempt(ok=False, acknowledged=False, duration_ms=1, excerpt="disk full")
        self.batches += 1
        directory = Path(receiver.config["directory"])
        name = f"batch-{receiver.id}-{self.batches:05d}.json"
        temporary = directory / f".{name}.tmp"
        temporary.write_text(json.dumps({"schema": BATCH_SCHEMA, "batch": name,
                                         "messages": [dict(m.body) for m in messages]}), encoding="utf-8")
        os.replace(temporary, directory / name)
        return Attempt(ok=True, acknowledged=False, duration_ms=1, excerpt=name, batch_name=name)

    def acknowledged(self, receiver: ReceiverSpec, batch_names: Sequence[str]) -> list[str]:
        directory = Path(receiver.config["directory"])
        return [name for name in batch_names if (directory / f"{name}.ack").exists()]
