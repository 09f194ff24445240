"""Token buckets in Redis: one budget per seller shared by every worker and machine (G1, distributed mode).

The same buckets as :class:`~sellerbridge.amazon.transport.throttle.InProcessBucketStore`, step for step, so
the gateway paces calls identically in both modes: each operation is one Lua script that refills,
decides and writes in one atomic step (EVALSHA, loading the script again when the server lost it),
so N workers reserving at once still queue one token interval apart and never exceed the budget.

Time is the caller's: ``now`` comes from the hub's clock, never from Redis ``TIME``, because the
hub also runs on simulated time (the sandbox, tests, benchmarks). Numbers travel as shortest
round-trip decimals and are stored with 17 significant digits, so Redis computes with exactly the
doubles the in-process store would.

A bucket key lives as long as its bucket is not full again plus :data:`IDLE_TTL_SECONDS` (real
seconds; the hub's clock runs at real speed or faster): an idle bucket expires and is recreated full,
which is what it would be by then anyway.
"""

from __future__ import annotations

from redis import Redis

from .throttle import Priority, reserve_tokens

DEFAULT_PREFIX = "sellerbridge:bucket:"
IDLE_TTL_SECONDS = 3600  # kept an hour past refilled: a clock a little behind real time never revives a spent bucket

# Shared by both scripts: the bucket's state after refilling to ARGV[3] (now), as in ``_refilled``.
_REFILL = """
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens, updated
if not state[1] then
  tokens, updated = burst, now
else
  tokens, updated = tonumber(state[1]), tonumber(state[2])
  if now > updated then
    tokens = math.min(burst, tokens + (now - updated) * rate)
    updated = now
  end
end
local function store()
  redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'u', string.format('%.17g', updated))
  local full_in = (burst - tokens) / rate
  redis.call('PEXPIRE', KEYS[1], math.ceil((full_in + tonumber(ARGV[4])) * 1000))
end
"""

# ARGV: rate, burst, now, idle ttl, need (1 + reserve), max_wait ('' = none). Returns the wait as text.
_RESERVE = _REFILL + """
local need = tonumber(ARGV[5])
local wait = 0.0
if tokens < need then wait = (need - tokens) / rate end
if ARGV[6] ~= '' and wait > tonumber(ARGV[6]) then
  store()
  return string.format('%.17g', wait)
end
tokens = tokens - 1.0
store()
return string.format('%.17g', wait)
"""

# ARGV: rate, burst, now, idle ttl.
_DRAIN = _REFILL + """
tokens = math.min(tokens, 0.0)
store()
return 1
"""


def _num(value: float) -> str:
    """The shortest text that reads back as exactly this double (Lua's tonumber parses it exactly)."""
    return repr(float(value))


class RedisBucketStore:
    """:class:`~sellerbridge.amazon.transport.throttle.BucketStore` in Redis, for several worker processes (G1).

    ``client`` is a ``redis.Redis`` (``redis.Redis.from_url(settings.redis_url)``); keys are
    ``prefix + bucket key``. Thread-safe as the client is (its connection pool).
    """

    def __init__(self, client: Redis, *, prefix: str = DEFAULT_PREFIX,
                 idle_ttl_seconds: float = IDLE_TTL_SECONDS) -> None:
        self._client = client
        self._prefix = prefix
        self._idle_ttl = _num(idle_ttl_seconds)
        self._reserve = client.register_script(_RESERVE)  # EVALSHA, reloaded on NOSCRIPT by redis-py
        self._drain = client.register_script(_DRAIN)

    @property
    def prefix(self) -> str:
        return self._prefix

    def reserve(self, key: str, rate: float, burst: int, now: float, *, max_wait: float | None = None,
                priority: Priority | None = None) -> float:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        need = 1.0 + reserve_tokens(burst, priority)
        answer = self._reserve(keys=[self._prefix + key], args=[
            _num(rate), _num(burst), _num(now), self._idle_ttl, _num(need),
            "" if max_wait is None else _num(max_wait)])
        return float(answer)

    def drain(self, key: str, rate: float, burst: int, now: float) -> None:
        self._drain(keys=[self._prefix + key], args=[_num(rate), _num(burst), _num(now), self._idle_ttl])

    def close(self) -> None:
        self._client.close()
