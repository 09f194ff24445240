"""Fixtures of the warehouse channel tests: a real SFTP server on loopback (tests/support/sftp_server.py)."""

from tests.support.sftp_server import sftp_server  # noqa: F401  (fixture)
