"""Readiness of the hub (H2; issue 4): what ``/readyz`` reports, without HTTP.

Rules:
- H2: the hub is ready when its database answers and its schema is at the Alembic head of the
  migrations shipped with this code, and, when ``redis_url`` is set, Redis answers PING. Otherwise it
  is not ready and says which of ``database``, ``schema``, ``redis`` failed.
- While the database does not answer, the schema is unknown: it counts as not ready too, and has no
  entry in ``checks``.
- A check answers within ``REDIS_TIMEOUT_SECONDS`` (a probe must answer before the orchestrator's own
  timeout) and names only the kind of failure: never a URL, a host or a secret (A3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import redis

from ..bootstrap import Hub
from ..db.engine import alembic_config, current_revision

REDIS_TIMEOUT_SECONDS = 2.0  # a probe must answer before the orchestrator's own timeout (often 1-5 s)

__all__ = ["REDIS_TIMEOUT_SECONDS", "Readiness", "check", "database_problem", "redis_problem", "schema_head"]


@dataclass(frozen=True, slots=True)
class Readiness:
    """``checks``: name -> ``"ok"`` or what failed; ``not_ready``: the failing names, in order."""

    checks: dict[str, str]
    not_ready: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.not_ready


@lru_cache(maxsize=1)
def schema_head() -> str | None:
    """The newest revision of the migrations shipped with this code (read once per process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def database_problem(hub: Hub) -> tuple[str | None, str | None]:
    """(database problem, schema problem); None where all is well."""
    try:
        revision = current_revision(hub.store.engine)  # reads alembic_version: proves the database answers
    except Exception as exc:  # any driver error: the probe names the kind, never the URL
        return f"no answer ({type(exc).__name__})", None
    head = schema_head()
    if revision != head:
        return None, (f"schema at {revision or 'no revision'}, this code expects {head} "
                      "(the hub migrates when it starts)")
    return None, None


def redis_problem(url: str) -> str | None:
    """None when Redis at ``url`` answers PING, else the kind of failure (never the URL)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                  socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        client.ping()
    except Exception as exc:
        return f"no answer to PING ({type(exc).__name__})"
    finally:
        client.close()
    return None


def check(hub: Hub) -> Readiness:
    """Run every readiness check of ``hub`` (see the module's rules)."""
    database, schema = database_problem(hub)
    checks: dict[str, str] = {"database": database or "ok"}
    if database is None:
        checks["schema"] = schema or "ok"
    if hub.settings.redis_url:
        checks["redis"] = redis_problem(hub.settings.redis_url) or "ok"
    failing = [name for name, state in checks.items() if state != "ok"]
    if database is not None:
        failing.append("schema")  # unknown while the database does not answer
    return Readiness(checks=checks, not_ready=failing)
