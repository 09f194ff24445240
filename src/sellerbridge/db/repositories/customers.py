"""Customers (B5): matched by a keyed hash of the buyer's e-mail, name and e-mail stored encrypted.

Amazon gives each buyer a stable per-seller relay e-mail, so the e-mail hash is the match key; a buyer
seen without an e-mail (no PII grant) cannot be matched and gets a customer of their own.

The key belongs to one connection (issue 9): :func:`match_key` hashes the connection id with the
e-mail, so a buyer of one seller account is never matched to a customer of another (the relay
address means nothing across sellers, and a connection without the PII grant must not learn, by a
match, that another one knows the buyer). The unique index on ``email_hash`` is therefore one per
connection. ``connection_id=None`` is the hub-wide key that customers stored before issue 9 have.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sellerbridge.domain.orders.model import Buyer

from ..crypto import SecretBox
from ..tables import customers as t
from ..types import utcnow
from ._sql import dialect_insert, in_values, insert_rows, statement


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    id: int
    company: str | None
    has_email: bool
    created_at: datetime
    email: str | None = field(default=None, repr=False)  # only when read with the key
    name: str | None = field(default=None, repr=False)


def _record(m: Any, box: SecretBox | None) -> CustomerRecord:
    return CustomerRecord(
        id=m["id"],
        company=m["company"],
        has_email=m["email_hash"] is not None,
        created_at=m["created_at"],
        email=box.decrypt(m["email_enc"]) if box else None,
        name=box.decrypt(m["name_enc"]) if box else None,
    )


def match_key(box: SecretBox, email: str | None, connection_id: int | None) -> str | None:
    """The keyed hash customers are matched by (B5): of the e-mail within the connection; None: no e-mail."""
    if email is None or not email.strip():
        return None
    return box.hash_email(email if connection_id is None else f"{connection_id}:{email.strip()}")


def get_customer(session: Session, customer_id: int, *, box: SecretBox | None = None) -> CustomerRecord | None:
    row = session.execute(select(t).where(t.c.id == customer_id)).first()
    return None if row is None else _record(row._mapping, box)


def find_by_email(session: Session, box: SecretBox, email: str | None, *,
                  connection_id: int | None = None) -> CustomerRecord | None:
    """The connection's customer with this e-mail (compared by keyed hash, case and spaces ignored), if any."""
    digest = match_key(box, email, connection_id)
    if digest is None:
        return None
    return find_by_email_hash(session, digest)


def find_by_email_hash(session: Session, email_hash: str) -> CustomerRecord | None:
    row = session.execute(select(t).where(t.c.email_hash == email_hash)).first()
    return None if row is None else _record(row._mapping, None)


def insert_customer(
    session: Session,
    box: SecretBox,
    *,
    email: str | None,
    name: str | None,
    company: str | None = None,
    now: datetime | None = None,
    connection_id: int | None = None,
) -> tuple[CustomerRecord, bool]:
    """Create a customer, or return the connection's one with the same e-mail; ``(record, created)``.

    Idempotent on the e-mail hash even when two syncs race (``ON CONFLICT DO NOTHING``).
    """
    now = now or utcnow()
    digest = match_key(box, email, connection_id)
    values = _values(box, email, name, company, digest, now)
    new_id = session.execute(statement(session, "customers.insert", _insert_stmt), values).scalar_one_or_none()
    if new_id is None:
        existing = find_by_email_hash(session, digest)  # type: ignore[arg-type]
        assert existing is not None
        return existing, False
    return _record({"id": new_id, **values}, None), True


def get_or_create_customers(
    session: Session, box: SecretBox, buyers: Sequence[Buyer | None], *, now: datetime | None = None,
    connection_id: int | None = None,
) -> list[int]:
    """The customer id of each buyer of a page (B5), matching by e-mail within the connection and
    creating the missing ones.

    One look-up and one insert for the whole page; a buyer with no e-mail gets a new customer, and
    ``None`` (no buyer data at all) too.
    """
    now = now or utcnow()
    digests = [match_key(box, buyer.email, connection_id) if buyer else None for buyer in buyers]
    wanted = {d for d in digests if d is not None}
    found: dict[str, int] = {}
    if wanted:
        found.update(ids_by_email_hash(session, wanted))
        first_buyer: dict[str, Buyer] = {}
        for buyer, digest in zip(buyers, digests, strict=True):
            if digest is not None and digest not in found and buyer is not None:
                first_buyer.setdefault(digest, buyer)
        if first_buyer:
            rows = [_values(box, b.email, b.name, b.company, d, now) for d, b in first_buyer.items()]
            inserted = insert_rows(session, t, rows, returning=("id", "email_hash"), skip_conflicts_on=("email_hash",))
            found.update({row.email_hash: row.id for row in inserted})
            late = wanted - found.keys()  # inserted meanwhile by a racing transaction
            if late:
                found.update(ids_by_email_hash(session, late))
    ids: list[int] = []
    for buyer, digest in zip(buyers, digests, strict=True):
        if digest is not None:
            ids.append(found[digest])
        else:
            values = _values(box, None, buyer.name if buyer else None, buyer.company if buyer else None, None, now)
            ids.append(session.execute(statement(session, "customers.insert", _insert_stmt), values).scalar_one())
    return ids


def ids_by_email_hash(session: Session, digests: Iterable[str]) -> dict[str, int]:
    """The customers of these keyed e-mail hashes, in one query (B5); an unknown hash is absent."""
    wanted = sorted(set(digests))
    if not wanted:
        return {}
    rows = session.execute(select(t.c.email_hash, t.c.id).where(in_values(session, t.c.email_hash, wanted)))
    return {digest: customer_id for digest, customer_id in rows}


def _values(
    box: SecretBox, email: str | None, name: str | None, company: str | None, digest: str | None, now: datetime
) -> dict[str, Any]:
    return {
        "email_hash": digest,
        "email_enc": box.encrypt(email.strip()) if email and digest else None,
        "name_enc": box.encrypt(name),
        "company": company,
        "created_at": now,
        "updated_at": now,
    }


def _insert_stmt(dialect: str) -> Any:
    # Several NULL e-mail hashes never conflict (NULLs are distinct in a unique index on both databases).
    return dialect_insert(dialect, t).on_conflict_do_nothing(index_elements=["email_hash"]).returning(t.c.id)


def purge_customer_pii(session: Session, customer_id: int, *, now: datetime | None = None) -> None:
    """Erase name and e-mail (B13); the keyed hash stays so a returning buyer still matches."""
    session.execute(
        update(t).where(t.c.id == customer_id).values(email_enc=None, name_enc=None, updated_at=now or utcnow())
    )
