"""The CLI tests share the API tests' world (a served sandbox seller, a hub on ``db_url``)."""

from tests.api.conftest import pytest_configure, world  # noqa: F401
