"""B13: migration 0006 redacts the call-log excerpts written before it (gift messages and postal codes
were kept), on SQLite and PostgreSQL; what was already safe is left as it was."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from sellerbridge.db.engine import alembic_config, make_engine, migrate

GIFT = "Alles Gute, Zoë! from 1 Wombat Way"
AT = "2026-11-30 10:00:00"


def test_b13_migration_0006_redacts_call_log_excerpts_written_before_it(empty_db_url):
    engine = make_engine(empty_db_url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0005")
        page = {"orders": [{"orderId": "111-1", "orderItems": [{"orderItemId": "1", "packing": {
            "giftOption": {"giftMessage": GIFT}}}], "packages": [{"shipFromAddress": {"postalCode": "98101"}}]}]}
        excerpts = {
            1: json.dumps(page),  # whole JSON: redacted by key, the rest kept
            2: json.dumps(page)[:60] + "…",  # cut JSON: cannot be redacted by key
            3: "[12 bytes, not JSON: not kept]",  # already what the call log writes now
        }
        with engine.begin() as conn:
            for call_id, excerpt in excerpts.items():
                conn.execute(text("INSERT INTO sp_api_calls (id, operation, attempt, duration_ms, response_excerpt, "
                                  "at) VALUES (:id, 'searchOrders', 1, 5, :e, :at)"),
                             {"id": call_id, "e": excerpt, "at": AT})

        migrate(engine)

        with engine.connect() as conn:
            after = dict(conn.execute(text("SELECT id, response_excerpt FROM sp_api_calls ORDER BY id")).all())
        assert json.loads(after[1]) == {"orders": [{"orderId": "111-1", "orderItems": [
            {"orderItemId": "1", "packing": {"giftOption": {}}}], "packages": [{"shipFromAddress": {}}]}]}
        assert after[2] == f"[{len(excerpts[2])} characters, not whole JSON: not kept]"
        assert after[3] == excerpts[3]
        assert not any("Zoë" in value or "98101" in value for value in after.values())
    finally:
        engine.dispose()
