"""Secrets and buyer data at rest (A3, B13): ciphertext in the database, nothing in a repr."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from sellerbridge.db.crypto import SecretBox, SecretBoxError, generate_key, load_or_create_key
from sellerbridge.db.repositories import connections, customers, error_log, orders
from sellerbridge.db.store import Store
from sellerbridge.db.tables import metadata
from sellerbridge.settings import Settings
from tests.support.db_samples import (
    BUYER_EMAIL,
    BUYER_NAME,
    GIFT,
    PHONE,
    SECRET_CLIENT,
    SECRET_REFRESH,
    STREET,
    add_connection,
    draft,
)

CLEAR_VALUES = [SECRET_CLIENT, SECRET_REFRESH, BUYER_NAME, BUYER_EMAIL, STREET, PHONE, GIFT]


def store_everything_secret(store: Store) -> dict[str, int]:
    with store.uow() as s:
        conn = add_connection(s, store.box)
        customer, _ = customers.insert_customer(s, store.box, email=BUYER_EMAIL, name=BUYER_NAME)
        order = orders.insert_order(s, store.box, connection_id=conn.id, draft=draft(),
                                    mapping=orders.OrderMapping(customer_id=customer.id))
        error_id = error_log.record_error(s, store.box, connection_id=conn.id, kind="order_import", key="111-1",
                                          code="unknown_sku", message="SKU not mapped",
                                          payload={"buyer": {"name": BUYER_NAME, "email": BUYER_EMAIL}})
    return {"connection": conn.id, "customer": customer.id, "order": order.order.id, "error": error_id}


def database_text(url: str) -> bytes:
    """Everything the database holds, as bytes: the SQLite files, or every PostgreSQL row as JSON text."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        main = Path(parsed.database)
        return b"".join(p.read_bytes() for p in (main, Path(f"{main}-wal")) if p.exists())
    from sellerbridge.db.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            dumps = [conn.execute(text(f'SELECT coalesce(json_agg(t)::text, \'\') FROM "{table}" t')).scalar_one()
                     for table in metadata.tables]
    finally:
        engine.dispose()
    return "\n".join(dumps).encode()


def test_a3_b13_no_secret_or_buyer_data_is_readable_in_the_database(db_url, db_key):
    store = Store.connect(db_url, db_key, migrate=False)
    try:
        ids = store_everything_secret(store)
        with store.uow(read_only=True) as s:  # and yet the hub reads all of it back with its key
            assert connections.get_secrets(s, store.box, ids["connection"]).refresh_token == SECRET_REFRESH
            assert orders.get_order_detail(s, ids["order"], box=store.box).address.line1 == STREET
    finally:
        store.close()  # SQLite: the last connection folds the WAL into the file we read next
    stored = database_text(db_url)
    assert b"Springfield" in stored  # the reader does see clear columns: the check below means something
    leaked = [value for value in CLEAR_VALUES if value.encode() in stored or value.lower().encode() in stored]
    assert leaked == []


def test_a3_b13_records_never_show_secrets_or_pii_in_their_repr(db_store):
    ids = store_everything_secret(db_store)
    box = db_store.box
    with db_store.uow(read_only=True) as s:
        shown = [
            connections.get_connection(s, ids["connection"]),
            connections.get_secrets(s, box, ids["connection"]),
            customers.get_customer(s, ids["customer"], box=box),
            orders.get_order_detail(s, ids["order"], box=box),
            error_log.get_error(s, ids["error"], box=box),
            box,
        ]
    assert shown[1].refresh_token == SECRET_REFRESH and shown[3].address.name == BUYER_NAME  # decrypted...
    text_shown = "\n".join(repr(value) for value in shown)
    assert [value for value in CLEAR_VALUES if value in text_shown] == []  # ...but never shown


def test_a3_secret_box_round_trips_keeps_none_and_refuses_a_wrong_key():
    box = SecretBox(generate_key())
    token = box.encrypt("s3cret")
    assert box.decrypt(token) == "s3cret" and token != box.encrypt("s3cret")  # random IV per value
    assert box.encrypt(None) is None and box.decrypt(None) is None
    with pytest.raises(SecretBoxError):
        SecretBox(generate_key()).decrypt(token)
    with pytest.raises(SecretBoxError):
        SecretBox(b"not a key")


def test_b5_the_e_mail_hash_ignores_case_and_spaces_and_depends_on_the_key():
    box = SecretBox(generate_key())
    assert box.hash_email(" Buyer@Example.COM ") == box.hash_email("buyer@example.com")
    assert box.hash_email("buyer@example.com") != SecretBox(generate_key()).hash_email("buyer@example.com")
    assert box.hash_email(None) is None and box.hash_email("  ") is None


def test_a3_the_key_file_is_created_once_with_owner_only_permissions(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    key = load_or_create_key(settings)
    path = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(settings) == key
    SecretBox(key)


def test_a3_a_key_in_settings_wins_and_a_malformed_one_is_refused(tmp_path):
    key = generate_key()
    assert load_or_create_key(Settings(data_dir=tmp_path, secret_key=key.decode())) == key
    assert not (tmp_path / "secret.key").exists()
    with pytest.raises(SecretBoxError):
        load_or_create_key(Settings(data_dir=tmp_path, secret_key="too-short"))
