"""Credential rotation reaches every running process before its next call (issue 9, G3, A3).

Two hubs on one database stand for two processes: a worker that has polled (its gateway and LWA
access token cached) and the CLI or a web replica that rotates the refresh token. Amazon revokes the
old authorization. The worker's next poll must use the new token, not fail until it is restarted.
"""

from __future__ import annotations

from sellerbridge.bootstrap import build_hub
from sellerbridge.domain.common.results import RunStatus
from sellerbridge.services import connections as service
from tests.support.flows import sync_orders


def _rotate_at_amazon(world) -> str:
    """A new authorization for the seller; the old refresh token and its access tokens stop working."""
    backend = world.sandbox.backend
    with backend.lock:
        seller, app = backend.sellers[world.seller_id], backend.apps[world.creds.client_id]
        new = backend.authorize(seller, app)
        backend.authorizations.pop(world.creds.refresh_token)
        for token in [t for t, a in backend.access_tokens.items() if a.seller_id == world.seller_id]:
            backend.access_tokens.pop(token)
    return new.refresh_token


def test_a_rotation_by_another_process_is_used_by_a_running_worker_at_its_next_call(world):
    world.create_orders(2, status="Unshipped")
    world.advance(300)
    assert sync_orders(world.hub, world.connection_id).status is RunStatus.DONE  # gateway cached

    new_token = _rotate_at_amazon(world)
    other = build_hub(world.settings, clock=world.clock)  # the CLI's process
    try:
        service.update_connection(other, world.connection_id, refresh_token=new_token)
    finally:
        other.close()

    world.create_orders(1, status="Unshipped")
    world.advance(300)
    report = sync_orders(world.hub, world.connection_id)
    assert report.status is RunStatus.DONE, report.error
    assert report.counts["created"] == 1


def test_a_change_that_does_not_touch_credentials_keeps_the_cached_gateway(world):
    sync_orders(world.hub, world.connection_id)
    before = world.hub.gateway_for(world.connection_id)
    service.update_connection(world.hub, world.connection_id, order_settings={"pii_grant": True})
    assert world.hub.gateway_for(world.connection_id) is before  # its LWA token cache is kept


def test_a_connection_error_is_cleared_by_the_next_run_that_amazon_answers(world):
    """``last_error`` used to stay after later runs succeeded: health told an old story (G3)."""
    from sellerbridge.db.repositories import connections

    revoked = world.creds.refresh_token
    new_token = _rotate_at_amazon(world)  # the hub still holds the revoked token
    failed = sync_orders(world.hub, world.connection_id)
    assert failed.status is RunStatus.FAILED and failed.error.startswith("Amazon refused the authorization")
    assert service.get_connection(world.hub, world.connection_id).last_error == failed.error
    assert revoked not in failed.error

    service.update_connection(world.hub, world.connection_id, refresh_token=new_token)
    assert sync_orders(world.hub, world.connection_id).status is RunStatus.DONE
    with world.hub.store.uow(read_only=True) as session:
        assert connections.require_connection(session, world.connection_id).last_error is None
