"""/healthz, /readyz and /metrics (H2, G1, G3; issue 4) on SQLite and PostgreSQL, with the real sandbox.

The metrics are read back with a small parser of the text format and compared with what the hub
stored and with the sandbox's own count of the calls it answered.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from sellerbridge.api.app import create_api
from sellerbridge.bootstrap import Hub, build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.db.engine import migrate
from sellerbridge.db.repositories import api_calls, sync_runs
from sellerbridge.db.repositories import metrics as metrics_sql
from sellerbridge.db.store import Store
from sellerbridge.services import metrics as metrics_service
from sellerbridge.services.prometheus_text import Family, render
from sellerbridge.settings import Settings
from tests.api.conftest import h, wait_for
from tests.flows.support import World
from tests.support import flows as order_sync

# --- a parser of the text format (the checks below must not trust the code they test) ------------------

_SAMPLE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)\Z")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|\Z)')
Scrape = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def parse(text: str) -> tuple[Scrape, dict[str, str]]:
    """Samples by (name, labels) and the TYPE of each family; asserts the format's rules on the way."""
    assert text.endswith("\n")
    samples: Scrape = {}
    types: dict[str, str] = {}
    helped: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split(" ", 3)[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name in helped and name not in types, line
            types[name] = kind
            continue
        match = _SAMPLE.match(line)
        assert match, line
        name, labels, value = match.groups()
        pairs = _LABEL.findall(labels or "")
        assert ",".join(f'{k}="{v}"' for k, v in pairs) == (labels or ""), line
        family = re.sub(r"_(bucket|sum|count)\Z", "", name) if types.get(name) is None else name
        assert family in types, f"sample before its TYPE: {line}"
        key = (name, frozenset((k, _unescape(v)) for k, v in pairs))
        assert key not in samples, f"duplicate sample {line}"
        samples[key] = float(value)
    return samples, types


def value(scrape: Scrape, name: str, **labels: str) -> float:
    return scrape[(name, frozenset(labels.items()))]


def series(scrape: Scrape, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (n, labels), v in scrape.items() if n == name}


def scrape_of(client: TestClient, **headers: str) -> Scrape:
    r = client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(r.text)[0]


# --- the formatter ----------------------------------------------------------------------------------------

def test_h2_text_format_escapes_labels_and_help_and_lays_out_histograms() -> None:
    counter = Family("x_total", 'help with \\ and\nnewline', "counter").add(3, {"op": 'a"b\\c\nd'})
    hist = Family("lat_seconds", "latency", "histogram").add_histogram([0.5, 2], [1, 3], 4.25, 5, {"q": "x"})
    text = render([counter, hist])

    assert "# HELP x_total help with \\\\ and\\nnewline\n" in text
    assert 'x_total{op="a\\"b\\\\c\\nd"} 3\n' in text
    samples, types = parse(text)
    assert types == {"x_total": "counter", "lat_seconds": "histogram"}
    assert value(samples, "x_total", op='a"b\\c\nd') == 3
    assert [value(samples, "lat_seconds_bucket", q="x", le=le) for le in ("0.5", "2", "+Inf")] == [1, 3, 5]
    assert value(samples, "lat_seconds_sum", q="x") == 4.25 and value(samples, "lat_seconds_count", q="x") == 5
    with pytest.raises(ValueError):
        Family("bad-name", "", "counter")
    with pytest.raises(ValueError):
        Family("ok", "", "counter").add(1, {"bad-label": "x"})


# --- /healthz and /readyz -----------------------------------------------------------------------------------

def _hub_on(store: Store, tmp_path) -> Hub:
    """A hub whose store is ``store`` (build_hub would migrate it)."""
    hub = build_hub(Settings(data_dir=tmp_path / "hub", secret_key=generate_key().decode(),
                             intake_token="t" * 20))
    hub.store.close()
    return replace(hub, store=store)


@pytest.mark.server
def test_h2_healthz_and_readyz_answer_200_on_a_migrated_database(api) -> None:
    assert api.get("/healthz").status_code == 200
    r = api.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready" and body["checks"] == {"database": "ok", "schema": "ok"}
    assert sum(body["connections"].values()) == 1 and body["connections"]["ok"] + body["connections"]["starting"] == 1


def test_h2_readyz_is_503_until_the_schema_is_at_head(empty_db_url: str, tmp_path) -> None:
    store = Store.connect(empty_db_url, generate_key(), migrate=False)
    hub = _hub_on(store, tmp_path)
    try:
        with TestClient(create_api(hub)) as client:
            r = client.get("/readyz")
            assert r.status_code == 503, r.text
            assert r.json()["not_ready"] == ["schema"] and r.json()["checks"]["database"] == "ok"
            assert "no revision" in r.json()["checks"]["schema"]
            assert client.get("/healthz").status_code == 200  # alive all the same: no restart loop
            migrate(store.engine)
            assert client.get("/readyz").status_code == 200
    finally:
        store.close()


def test_h2_readyz_is_503_when_the_database_does_not_answer_and_names_no_url(tmp_path) -> None:
    url = "postgresql+psycopg://postgres:hunter2secret@127.0.0.1:1/test"  # nothing listens on port 1
    store = Store.connect(url, generate_key(), migrate=False)
    hub = _hub_on(store, tmp_path)
    try:
        with TestClient(create_api(hub)) as client:
            r = client.get("/readyz")
    finally:
        store.close()
    assert r.status_code == 503
    assert r.json()["not_ready"] == ["database", "schema"]
    assert "hunter2secret" not in r.text and "127.0.0.1" not in r.text


@pytest.mark.server
@pytest.mark.redis
def test_h2_readyz_pings_redis_when_it_is_configured(api, world: World) -> None:
    world.hub.settings = world.settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"})
    r = api.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"]["redis"] == "ok", r.text

    world.hub.settings = world.settings.model_copy(update={"redis_url": "redis://:pw-secret@127.0.0.1:1/0"})
    r = api.get("/readyz")
    assert r.status_code == 503 and r.json()["not_ready"] == ["redis"], r.text
    assert "pw-secret" not in r.text


# --- /metrics -----------------------------------------------------------------------------------------------

@pytest.mark.server
def test_h2_g1_metrics_count_runs_calls_and_order_latency_as_stored(api, world: World) -> None:
    world.create_orders(3, status="Unshipped", fba=False)
    world.create_orders(1, status="Unshipped", fba=True)  # FBA: stored, never sent to the warehouse
    world.past_search_lag()
    world.sandbox.http.post("/_sandbox/faults", json={"operation": "searchOrders", "kind": "status", "status": 429,
                                                      "count": 2, "seller_id": world.seller_id}).raise_for_status()
    before = scrape_of(api)  # a first scrape settles what is there; what follows is counted on top
    assert series(before, "sellerbridge_runs_total") == {}

    r = api.post(f"/api/connections/{world.connection_id}/sync/orders", headers=h(api, "operator"))
    run_id = r.json()["run_id"]
    wait_for(lambda: api.get(f"/api/runs/{run_id}", headers=h(api, "viewer")).json()["status"] == "done")
    assert order_sync.sync_orders(world.hub, world.connection_id).status == "done"  # a second poll: nothing new
    scrape = scrape_of(api)

    assert value(scrape, "sellerbridge_runs_total", flow="orders", status="done") == 2
    assert value(scrape, "sellerbridge_runs_total", flow="orders", status="failed") == 0
    assert value(scrape, "sellerbridge_runs_running", flow="orders") == 0
    # every call the sandbox answered for this seller, by operation and status, is in the metrics
    answered = world.sandbox.http.get("/_sandbox/stats").json()["calls"][world.seller_id]
    assert answered["searchOrders"]["429"] == 2
    for operation, statuses in answered.items():
        for status, n in statuses.items():
            assert value(scrape, "sellerbridge_amazon_calls_total", operation=operation, status=status) == n
    assert value(scrape, "sellerbridge_amazon_throttled_total", operation="searchOrders") == 2
    # latency: one observation per order sent to the warehouse, purchase date -> order.created event
    rows = world.rows("SELECT o.purchase_date, e.created_at FROM outbox e JOIN orders o "
                      "ON o.amazon_order_id = e.key WHERE e.topic = 'order.created'")
    latencies = [(_aware(created) - _aware(purchased)).total_seconds() for purchased, created in rows]
    assert len(latencies) == 3 == len(world.rows("SELECT id FROM orders WHERE fulfillment = 'MFN'"))
    assert value(scrape, "sellerbridge_order_latency_seconds_count") == 3
    assert value(scrape, "sellerbridge_order_latency_seconds_sum") == pytest.approx(sum(latencies), abs=0.01)
    for bound in metrics_service.LATENCY_BUCKETS:
        le = str(int(bound))
        assert value(scrape, "sellerbridge_order_latency_seconds_bucket", le=le) == sum(x <= bound for x in latencies)
    assert value(scrape, "sellerbridge_order_latency_seconds_bucket", le="+Inf") == 3
    assert value(scrape, "sellerbridge_connections", status="active") == 1
    assert ("sellerbridge_queue_depth", frozenset()) not in scrape  # no queue callable set

    # another process (its own engine and collector, same database) tells the same story
    other = world.other_hub()
    try:
        with TestClient(create_api(other)) as client:
            assert scrape_of(client) == scrape
    finally:
        other.close()


def _aware(moment: datetime | str) -> datetime:
    moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.mark.server
@pytest.mark.unmapped
def test_h1_h2_metrics_show_open_errors_failed_runs_connections_and_queue_depth(api, world: World) -> None:
    ids = world.create_orders(2, status="Unshipped", fba=False)
    assert order_sync.fetch_orders(world.hub, world.connection_id, ids).status == "partial"  # SKUs unmapped
    assert api.post(f"/api/connections/{world.connection_id}/disable", headers=h(api, "admin")).status_code == 200
    assert order_sync.sync_orders(world.hub, world.connection_id).retryable is False  # a disabled connection
    api.app.state.queue_depth = lambda: 7

    scrape = scrape_of(api)

    assert value(scrape, "sellerbridge_errors_open", kind="order_import") == 2
    assert value(scrape, "sellerbridge_runs_total", flow="orders_fetch", status="partial") == 1
    assert value(scrape, "sellerbridge_run_failures_total", flow="orders", retryable="false") == 1
    assert value(scrape, "sellerbridge_run_failures_total", flow="orders", retryable="true") == 0
    assert value(scrape, "sellerbridge_connections", status="disabled") == 1
    assert value(scrape, "sellerbridge_connections", status="active") == 0
    assert value(scrape, "sellerbridge_queue_depth") == 7


@pytest.mark.server
def test_h2_metrics_need_the_bearer_token_when_one_is_set(api, world: World) -> None:
    world.hub.settings = world.settings.model_copy(update={"metrics_token": SecretStr("scrape-secret-123")})

    assert api.get("/metrics").status_code == 401
    wrong = api.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert "scrape-secret-123" not in wrong.text
    assert api.get("/metrics", headers={"X-API-Key": api.keys["admin"]}).status_code == 401  # not an API key
    scrape = scrape_of(api, Authorization="Bearer scrape-secret-123")
    assert value(scrape, "sellerbridge_connections", status="active") == 1
    assert api.get("/readyz").status_code == 200  # probes stay open


# --- the settled totals (db/repositories/metrics.IdTally) ------------------------------------------------------------

def test_h2_settled_totals_stay_exact_as_rows_arrive_and_runs_change(db_store: Store, tmp_path) -> None:
    """A collector that settled some rows counts new rows and late status changes exactly as a fresh one."""
    hub = _hub_on(db_store, tmp_path)
    clock = [0.0]
    kept = metrics_service.HubMetrics(hub, monotonic=lambda: clock[0])
    now = hub.now()

    def add(calls: list[tuple[str, int | None]], runs: list[str]) -> list[int]:
        with db_store.uow() as session:
            for operation, status in calls:
                api_calls.record_call(session, operation=operation, status=status, duration_ms=5, at=now)
            return [sync_runs.start_run(session, connection_id=None, flow=flow, now=now) for flow in runs]

    def finish(run_id: int, status: str, at: datetime, retryable: bool = False) -> None:
        with db_store.uow() as session:
            sync_runs.finish_run(session, run_id, status=status, counts={"retryable": retryable}, now=at)

    old = add([("getOrder", 200), ("getOrder", 429)], ["orders", "orders_backlog"])
    finish(old[0], "done", now - metrics_sql.RUN_REOPEN_HORIZON - timedelta(minutes=1))
    finish(old[1], "failed", now, retryable=True)  # finished within the horizon: it may still be resumed
    kept.families()
    clock[0] += metrics_sql.PG_SETTLE_SECONDS + 1
    kept.families()  # the first rows settle now, on either database; the run that may change does not
    assert kept.calls.settled_id >= 2 and kept.runs.settled_id == old[0]

    recent = add([("getOrder", 200), ("searchOrders", None)], ["orders"])
    finish(recent[0], "failed", now, retryable=True)
    with db_store.uow() as session:  # a failed backlog run resumed: its status changes after it finished
        sync_runs.mark_running(session, old[1], now=now)
    clock[0] += metrics_sql.PG_SETTLE_SECONDS + 1

    fresh = metrics_service.HubMetrics(hub)
    got = [parse(render(collector.families()))[0] for collector in (kept, fresh)]
    assert got[0] == got[1]
    scrape = got[0]
    assert value(scrape, "sellerbridge_amazon_calls_total", operation="getOrder", status="200") == 2
    assert value(scrape, "sellerbridge_amazon_calls_total", operation="searchOrders", status="none") == 1
    assert value(scrape, "sellerbridge_amazon_throttled_total", operation="getOrder") == 1
    assert value(scrape, "sellerbridge_runs_total", flow="orders", status="done") == 1
    assert value(scrape, "sellerbridge_run_failures_total", flow="orders", retryable="true") == 1
    assert value(scrape, "sellerbridge_runs_running", flow="orders_backlog") == 1
    assert value(scrape, "sellerbridge_runs_total", flow="orders_backlog", status="failed") == 0


def test_g3_readyz_says_degraded_and_names_the_failing_connection_when_its_runs_fail(bare_api, world: World) -> None:
    """/readyz said "ready" while every run failed (issue 9): it now counts connections by health."""
    from sellerbridge.jobs.runner import run_job
    from sellerbridge.jobs.scheduler import ensure_jobs

    hub, key = world.hub, f"orders:{world.connection_id}"
    ensure_jobs(hub)
    assert run_job(hub, key, owner="test").ran
    assert bare_api.get("/readyz").json()["status"] == "ready"

    backend = world.sandbox.backend
    with backend.lock:  # Amazon revokes the authorization: every run of the connection fails from now on
        backend.authorizations.clear()
        backend.access_tokens.clear()
    world.advance(200)  # the poll is due again
    outcome = run_job(hub, key, owner="test")
    assert outcome.report is not None and outcome.report.status.value == "failed"

    ready = bare_api.get("/readyz")
    assert ready.status_code == 200  # the process serves: the intake keeps taking notifications
    assert ready.json()["status"] == "degraded" and ready.json()["connections"]["failing"] == 1
    assert "us-main" not in ready.text  # an unauthenticated probe sees counts, not connection names
    detail = bare_api.get("/api/health/connections", headers=h(bare_api, "viewer"))
    assert detail.status_code == 200, detail.text
    [one] = detail.json()["connections"]
    assert one["state"] == "failing" and one["failures_in_a_row"] == 1
    assert one["detail"].startswith("orders: searchOrders 403")  # the job's own error, with its flow
    assert bare_api.get("/api/health/connections").status_code == 401
