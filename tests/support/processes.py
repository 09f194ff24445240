"""Real processes for runtime tests and benchmarks: the served sandbox and the hub's commands.

:class:`Proc` starts a command (``sellerbridge worker``, ``scheduler``, ``run``, ``sandbox serve``) in
its own session with its output in a log file, kills it (SIGKILL) or stops it (SIGTERM, waiting for
its graceful exit), and restarts it. Every ended incarnation is reaped with ``os.wait4``, so its user
and system CPU seconds are summed in :attr:`Proc.cpu_seconds` (a SIGKILLed one's too).

The hub's processes get their settings from the environment only (:func:`hub_env`), as in a
deployment; a process's clock follows the served sandbox's (``SELLERBRIDGE_FOLLOW_SANDBOX_CLOCK``).
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.sandbox import free_port

CLI = (sys.executable, "-m", "sellerbridge.cli.main")
HEAVY_LOCK = Path(tempfile.gettempdir()) / "sellerbridge-tests-heavy.lock"


@contextmanager
def one_heavy_test_at_a_time(timeout: float = 900.0) -> Iterator[None]:
    """Hold the machine-wide lock of the tests that run many processes for minutes.

    Two of them side by side (two xdist workers, or two test sessions on one machine) starve each
    other's processes of CPU; on a scaled clock that stretches simulated latencies past any bound.
    The ``xdist_group("heavy")`` mark says the same to ``--dist loadgroup``, but pytest-xdist 3.8 does
    not group under pytest 9.2 (pytest-dev/pytest-xdist#1386), and it never covered other sessions.
    The lock goes with its process, however that ends.
    """
    with HEAVY_LOCK.open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another heavy test held {HEAVY_LOCK} for {timeout} s") from None
                time.sleep(1.0)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def hub_env(*, data_dir: Path, database_url: str, secret_key: str, sandbox_url: str, redis_url: str | None = None,
            queue_name: str | None = None) -> dict[str, str]:
    """The environment of a hub process: this one's, minus any ``SELLERBRIDGE_*``, plus these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELLERBRIDGE_")}
    env.update(SELLERBRIDGE_DATA_DIR=str(data_dir), SELLERBRIDGE_DATABASE_URL=database_url,
               SELLERBRIDGE_SECRET_KEY=secret_key, SELLERBRIDGE_FOLLOW_SANDBOX_CLOCK=sandbox_url,
               SELLERBRIDGE_ALLOWED_ENDPOINT_ORIGINS=sandbox_url, PYTHONUNBUFFERED="1")
    if redis_url:
        env["SELLERBRIDGE_REDIS_URL"] = redis_url
    if queue_name:
        env["SELLERBRIDGE_QUEUE_NAME"] = queue_name
    return env


@dataclass
class Proc:
    """One command, started, killed, stopped and restarted; CPU of every ended incarnation summed."""

    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None
    cpu_seconds: float = 0.0
    starts: int = 0
    exit_codes: list[int] = field(default_factory=list)  # negative: killed by that signal

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.returncode is None

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def start(self) -> Proc:
        assert not self.alive, f"{self.name} is running"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"\n--- start {self.starts + 1} of {self.name} ---\n".encode())
            out.flush()
            self.popen = subprocess.Popen(self.args, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True)
        self.starts += 1
        return self

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed (a power cut, the OOM killer)."""
        assert self.alive, f"{self.name} is not running"
        os.kill(self.pid, signal.SIGKILL)
        self._reap(timeout=30)

    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGTERM and wait for the graceful exit; None (and a SIGKILL) when it did not exit in time."""
        if not self.alive:
            return self.exit_codes[-1] if self.exit_codes else None
        os.kill(self.pid, signal.SIGTERM)
        code = self._reap(timeout=timeout)
        if code is None:
            os.kill(self.pid, signal.SIGKILL)
            self._reap(timeout=30)
        return code

    def exited(self) -> int | None:
        """The exit code if the process ended by itself (reaped now), else None while it runs."""
        if not self.alive:
            return self.exit_codes[-1] if self.exit_codes else None
        return self._reap(timeout=0)

    def _reap(self, *, timeout: float) -> int | None:
        assert self.popen is not None
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid == self.pid:
                code = os.waitstatus_to_exitcode(status)
                self.popen.returncode = code  # reaped here: Popen must not wait for it again
                self.cpu_seconds += usage.ru_utime + usage.ru_stime
                self.exit_codes.append(code)
                return code
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def tail(self, lines: int = 40) -> str:
        """The end of its log, for a failure message (the hub never logs secrets or buyer data)."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def hub_command(name: str, *args: str, env: dict[str, str], log_dir: Path) -> Proc:
    """``sellerbridge <args>`` as a :class:`Proc` named ``name`` (its log: ``log_dir/name.log``)."""
    return Proc(name, (*CLI, *args), env, log_dir / f"{name}.log")


@dataclass
class ServedSandbox:
    """``sellerbridge sandbox serve --time-scale K`` on a free loopback port."""

    proc: Proc
    base_url: str
    http: httpx.Client

    @classmethod
    def start(cls, time_scale: float, log_dir: Path, *, ready_timeout: float = 90.0) -> ServedSandbox:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SELLERBRIDGE_")}
        proc = Proc("sandbox", (*CLI, "sandbox", "serve", "--port", str(port), "--time-scale", str(time_scale),
                                "--credentials-file", str(log_dir / "sandbox-credentials.json")),
                    env, log_dir / "sandbox.log").start()
        base_url = f"http://127.0.0.1:{port}"
        http = httpx.Client(base_url=base_url, timeout=60)
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                if http.get("/_sandbox/clock").status_code == 200:
                    return cls(proc, base_url, http)
            except httpx.HTTPError:
                pass
            if proc.exited() is not None or time.monotonic() > deadline:
                http.close()
                proc.stop(5)
                raise RuntimeError(f"the sandbox did not start:\n{proc.tail()}")
            time.sleep(0.2)

    def set_rate(self, seller_id: str, orders_per_hour: float) -> None:
        r = self.http.patch(f"/_sandbox/sellers/{seller_id}", json={"order_rate_per_hour": orders_per_hour})
        r.raise_for_status()

    def stop_stream(self, seller_id: str) -> None:
        """End a seller's order stream: rate 0, the arrival already scheduled does not come."""
        self.set_rate(seller_id, 0)

    def orders(self, seller_id: str) -> dict[str, dict]:
        r = self.http.get(f"/_sandbox/sellers/{seller_id}/orders")
        r.raise_for_status()
        return {o["order_id"]: o for o in r.json()["orders"]}

    def stats(self) -> dict:
        return self.http.get("/_sandbox/stats").raise_for_status().json()

    def config(self, **timings: float) -> None:
        self.http.post("/_sandbox/config", json=timings).raise_for_status()

    def close(self) -> None:
        self.http.close()
        self.proc.stop(15)


def call_counts(stats: dict, seller_ids: set[str] | None = None) -> tuple[int, int]:
    """(calls, 429 answers) the sandbox counted, for these sellers (default: all)."""
    total = throttled = 0
    for seller, operations in stats["calls"].items():
        if seller_ids is not None and seller not in seller_ids:
            continue
        for by_status in operations.values():
            for status, n in by_status.items():
                total += n
                throttled += n if status == "429" else 0
    return total, throttled


def wait_until_serving(popen: subprocess.Popen, url: str, timeout: float) -> None:
    """Until ``url`` answers over HTTP; AssertionError if the process exits first (with its stderr, when
    piped) or ``timeout`` real seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if popen.poll() is not None:
                err = popen.stderr.read() if popen.stderr else ""
                raise AssertionError(f"{popen.args[:4]} exited ({popen.returncode}) before serving:\n{err}") from None
            assert time.monotonic() < deadline, f"{url} did not answer within {timeout} s"
            time.sleep(0.2)


def wait_for(predicate, timeout: float, every: float = 1.0):
    """Call ``predicate`` until it returns a truthy value (returned) or ``timeout`` real seconds pass (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(every)
