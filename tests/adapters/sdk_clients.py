"""Amazon's two Python clients, pointed at a sandbox URL with nothing else changed (I4)."""

from __future__ import annotations

import logging
import time

from tests.support.sandbox import SellerCreds

# spapi.auth.lwa_request calls logging.basicConfig(level=INFO) when imported (docs/amazon-quirks.md):
# import it once here and put the root logger back as it was.
_root = logging.getLogger()
_handlers, _level = list(_root.handlers), _root.level
import spapi.api_client  # noqa: E402
import spapi.auth.lwa_request  # noqa: E402, F401

_root.handlers[:] = _handlers
_root.setLevel(_level)


def official_api_client(base_url: str, creds: SellerCreds, access_token: str | None = None):
    """``amzn-sp-api``: Configuration + ApiClient built by hand (SPAPIClient would call basicConfig)."""
    from spapi.api_client import ApiClient
    from spapi.auth.lwa_request import AccessTokenCache
    from spapi.configuration import Configuration

    config = Configuration()
    config.host = base_url
    cache = AccessTokenCache(client_id=creds.client_id, client_secret=creds.client_secret,
                             refresh_token=creds.refresh_token, oauth_endpoint=f"{base_url}/auth/o2/token")
    if access_token is not None:  # e.g. a Restricted Data Token, used as the access token
        cache.token_info = {"access_token": access_token, "expires_at": time.time() + 3000}
    config.access_token_cache = cache
    return ApiClient(configuration=config)


def community_kwargs(base_url: str, creds: SellerCreds) -> dict:
    """Keyword arguments for any ``sp_api`` client class; the caller then sets ``client.endpoint``."""
    from urllib.parse import urlparse

    from sp_api.auth import AccessTokenClient

    parsed = urlparse(base_url)

    class SandboxTokenClient(AccessTokenClient):
        scheme = f"{parsed.scheme}://"
        host = parsed.netloc

    return {
        "credentials": {"refresh_token": creds.refresh_token, "lwa_app_id": creds.client_id,
                        "lwa_client_secret": creds.client_secret},
        "auth_token_client_class": SandboxTokenClient,
    }


def community_client(cls, base_url: str, creds: SellerCreds, **kwargs):
    from sp_api.base import Marketplaces

    client = cls(Marketplaces.US, **community_kwargs(base_url, creds), **kwargs)
    client.endpoint = base_url
    return client
