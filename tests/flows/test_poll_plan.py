"""Polls planned per seller account and region (G1, issue 9).

Amazon's searchOrders budget belongs to the seller account and region: two marketplaces of one seller
share it. They were polled as if each had its own, so one poll waited 939 s for a token in a worker.
Once the burst is spent, each connection's next poll is now planned for its turn at the tokens.
"""

from __future__ import annotations

from datetime import timedelta

from sellerbridge.amazon.transport.throttle import bucket_key, usage_plan
from sellerbridge.db.repositories import connections
from sellerbridge.db.repositories import jobs as job_repo
from sellerbridge.jobs.runner import run_job
from sellerbridge.jobs.scheduler import ensure_jobs


def _second_marketplace(world) -> int:
    """The same seller account's Canadian marketplace: same credentials, same region, same budgets."""
    with world.hub.store.uow() as session:
        return connections.add_connection(
            session, world.hub.store.box, name="ca-main", seller_id=world.seller_id, marketplace_id="A2EUQ1WTGCTBG2",
            region="na", client_id=world.creds.client_id, client_secret=world.creds.client_secret,
            refresh_token=world.creds.refresh_token, api_base_url=world.base_url,
            lwa_token_url=f"{world.base_url}/auth/o2/token", authorized_at=world.hub.now(),
            authorization_expires_at=world.hub.now() + timedelta(days=365), settings={"pii_grant": True}).id


def _next_poll(world, connection_id: int):
    with world.hub.store.uow(read_only=True) as session:
        return job_repo.get_job(session, job_repo.job_key("orders", connection_id)).next_run_at


def test_g1_two_marketplaces_of_one_seller_take_turns_with_the_searchorders_tokens(world):
    _second_marketplace(world)
    ensure_jobs(world.hub)
    plan = usage_plan("searchOrders")
    interval = timedelta(seconds=1 / plan.rate)
    assert run_job(world.hub, f"orders:{world.connection_id}", owner="t").ran  # the burst stands: regular
    assert _next_poll(world, world.connection_id) == world.hub.now() + timedelta(minutes=2)

    key = bucket_key(world.seller_id, "na", "searchOrders")
    while world.hub.buckets.reserve(key, plan.rate, plan.burst, world.hub.now().timestamp(), max_wait=0.0) == 0:
        pass  # the rest of the burst goes (another marketplace's polls, another tool on the account)
    world.advance(interval.total_seconds())  # one token back: the next poll need not wait
    world.advance(130)
    outcome = run_job(world.hub, f"orders:{world.connection_id}", owner="t")
    assert outcome.ran and outcome.report.status.value == "done"
    # two connections share the seller's budget: this one's next poll is two refills away, not 2 minutes
    after = _next_poll(world, world.connection_id) - world.hub.now()
    assert 2 * interval - timedelta(seconds=5) <= after <= 2 * interval + timedelta(seconds=5)
    assert world.hub.budget_sharers(world.seller_id, "na") == 2
