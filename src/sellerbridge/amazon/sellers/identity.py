"""Whose refresh token is this? Asked of Amazon, not of the OAuth callback's query (A2; issue 9).

The callback's ``selling_partner_id`` is a query parameter anyone can write. Amazon answers the
Listings Items API's ``searchListingsItems`` (``GET /listings/2021-08-01/items/{sellerId}``) only for the
access token's own seller: another ``sellerId`` in the path is 403 Unauthorized. So one call with the
seller the hub expects tells whether the token is that seller's.
"""

from __future__ import annotations

from ..errors import AmazonError, AuthError, Throttled
from ..transport.session import SpApiSession

IDENTITY_DEADLINE_SECONDS = 30.0  # the seller's browser waits on the callback page


class SellerIdentityApi(SpApiSession):
    """The token-ownership check, on the gateway's one call path (bucket, retries, call log)."""

    def token_is_sellers(self, seller_id: str) -> bool:
        """True when Amazon serves ``seller_id``'s listings to this token; False on its 403.

        Other refusals (LWA, throttling past the deadline, 5xx) raise: they say nothing about the owner.
        """
        try:
            self._call("searchListingsItems", seller_id, [self.credentials.marketplace_id], page_size=1,
                       deadline_seconds=IDENTITY_DEADLINE_SECONDS)
        except (AuthError, Throttled):
            raise
        except AmazonError as exc:
            if exc.status in (401, 403):
                return False
            raise
        return True
