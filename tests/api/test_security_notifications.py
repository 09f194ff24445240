"""Issue 9, forged notifications: with the intake token alone, a notification that does not name the
hub's subscription and application, or an order id that is not Amazon's, costs no Amazon call; new
orders are queued at a bounded rate per connection; and a pushed id Amazon does not know is an ignored
hint, not a failure of the connection. Amazon's calls are counted by the sandbox."""

from __future__ import annotations

from typing import Any

from sellerbridge.sync.orders_backstop import DEFERRED_MARK
from tests.api.conftest import h
from tests.flows.support import World
from tests.support import notifications as notices
from tests.support.flows import FETCH, run_flow

INTAKE = "/intake/amazon"
TOKEN = {"X-Sellerbridge-Intake-Token": "intake-secret-token"}  # the world's


def _post(api: Any, note: dict) -> Any:
    return api.post(INTAKE, json=note, headers=TOKEN)


def _waiting(world: World) -> int:
    return world.rows("SELECT COUNT(*) FROM pending_fetches")[0][0]


def _refused(api: Any, reason: str) -> float:
    text = api.get("/metrics").text
    line = next(x for x in text.splitlines() if x.startswith(f'sellerbridge_intake_refused_total{{reason="{reason}"}}'))
    return float(line.rsplit(" ", 1)[1])


def test_a_notification_naming_another_subscription_costs_no_amazon_call(bare_api, world: World) -> None:
    sender = notices.subscribe(world)
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    forged = notices.Sender(sender.application_id, "subscription-the-hub-never-made")

    r = _post(bare_api, notices.order_change(world.seller_id, order_id, forged))

    assert r.status_code == 202 and r.json()["status"] == "ignored" and r.json()["reason"] == "foreign_subscription"
    assert _waiting(world) == 0 and _refused(bare_api, "foreign_subscription") == 1
    assert run_flow(world.hub, FETCH, world.connection_id).counts["calls"] == 0
    assert world.calls("getOrder") == 0
    genuine = _post(bare_api, notices.order_change(world.seller_id, order_id, sender))
    assert genuine.json()["status"] == "queued" and _waiting(world) == 1


def test_a_notification_from_another_application_costs_no_amazon_call(bare_api, world: World) -> None:
    sender = notices.subscribe(world)
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    other_app = notices.Sender("amzn1.sp.solution.someone-else", sender.subscription_id)

    r = _post(bare_api, notices.order_change(world.seller_id, order_id, other_app))

    assert r.status_code == 202 and r.json()["reason"] == "foreign_application"
    assert _waiting(world) == 0 and _refused(bare_api, "foreign_application") == 1
    assert world.calls("getOrder") == 0


def test_a_seller_without_a_recorded_subscription_gets_no_getorder(bare_api, world: World) -> None:
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    guessed = notices.Sender(world.creds.client_id, "subscription-id-guessed")

    r = _post(bare_api, notices.order_change(world.seller_id, order_id, guessed))

    assert r.status_code == 202 and r.json()["reason"] == "foreign_subscription" and _waiting(world) == 0


def test_an_order_id_that_is_not_amazons_is_refused_with_its_reason(bare_api, world: World) -> None:
    sender = notices.subscribe(world)
    for invented in ("1", "111-1111111-111111X", "111-1111111-1111111/../x", "9" * 300):
        r = _post(bare_api, notices.order_change(world.seller_id, invented, sender))
        assert r.status_code == 400 and "not an Amazon order id" in r.json()["detail"]
    assert _waiting(world) == 0 and world.calls("getOrder") == 0


def test_new_orders_are_queued_at_a_bounded_rate_per_connection(bare_api, world: World) -> None:
    from sellerbridge.services.intake import BOUND, RATE

    sender = notices.subscribe(world)
    flood = [f"{900 + n % 100:03d}-{n:07d}-{n:07d}" for n in range(RATE + 5)]  # Amazon-shaped, invented

    answers = [_post(bare_api, notices.order_change(world.seller_id, order_id, sender)).json() for order_id in flood]

    assert [a["status"] for a in answers] == ["queued"] * RATE + ["ignored"] * 5
    assert {a.get("reason") for a in answers[RATE:]} == {"rate_limited"}
    assert _waiting(world) == RATE <= BOUND  # nothing pushed out of the queue into a report cycle
    assert world.rows("SELECT COUNT(*) FROM connection_marks WHERE name = :m", m=DEFERRED_MARK)[0][0] == 0
    assert _refused(bare_api, "rate_limited") == 5
    world.advance(61)  # a new minute: a new window
    later = _post(bare_api, notices.order_change(world.seller_id, "999-0000001-0000001", sender))
    assert later.json()["status"] == "queued"


def test_a_pushed_order_id_amazon_does_not_know_is_an_ignored_hint_not_a_failure(bare_api, world: World) -> None:
    sender = notices.subscribe(world)
    [real] = world.create_orders(1, status="Unshipped", fba=False)
    for order_id in ("999-9999999-9999999", real):  # Amazon-shaped; the first one Amazon never issued
        assert _post(bare_api, notices.order_change(world.seller_id, order_id, sender)).json()["status"] == "queued"

    report = run_flow(world.hub, FETCH, world.connection_id)

    assert report.status == "done", report.error
    assert report.counts["skipped.not_found"] == 1 and report.counts["created"] == 1
    assert [(i.key, i.status.value) for i in report.items if i.status.value == "skipped"] == [
        ("999-9999999-9999999", "skipped")]
    assert world.calls("getOrder") == 2 and _waiting(world) == 0
    connection = bare_api.get(f"/api/connections/{world.connection_id}", headers=h(bare_api, "viewer")).json()
    assert connection["last_error"] is None and connection["status"] == "active"
    assert world.stored_ids() == [real]
