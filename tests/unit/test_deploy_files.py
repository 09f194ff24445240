"""docker-compose.yml, Dockerfile and .env.example match the hub they deploy (issue 4, DESIGN.md section 4).

Docker cannot build or pull here, so the files are checked against the code instead: every process the
compose file starts is a real ``sellerbridge`` command whose options parse, the one-shot migration
command really migrates an empty database (SQLite and PostgreSQL), every ``SELLERBRIDGE_*`` variable is
a setting, secrets come from the operator's .env and the example file carries no value for them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic.script import ScriptDirectory
from typer.main import get_command
from typer.testing import CliRunner

from sellerbridge.api.routers import public as routes_public
from sellerbridge.cli.main import app
from sellerbridge.db.engine import alembic_config, current_revision, make_engine
from sellerbridge.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
HUB_SERVICES = ("migrate", "web", "worker", "scheduler")
SECRETS = ("POSTGRES_PASSWORD", "SELLERBRIDGE_SECRET_KEY", "SELLERBRIDGE_INTAKE_TOKEN")
PREFIX = "SELLERBRIDGE_"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


def _interpolated(value: str) -> list[str]:
    """The variables a compose value takes from the environment / .env (``${NAME}``, ``${NAME:-x}``, ...)."""
    return re.findall(r"\$\{([A-Z0-9_]+)", value)


def test_the_compose_file_runs_every_process_of_the_distributed_mode(compose) -> None:
    services = _services(compose)
    assert set(services) == {"postgres", "redis", *HUB_SERVICES}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    images = {services[name]["image"] for name in HUB_SERVICES}
    assert len(images) == 1 and all(services[name]["build"] == "." for name in HUB_SERVICES)  # one image
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["scheduler"]["deploy"]["replicas"] == 1  # one per installation (jobs/scheduler.py)
    for name in ("web", "worker", "scheduler"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["restart"] == "no"


def test_g1_every_hub_process_shares_one_database_one_redis_one_key(compose) -> None:
    """G1: the rate-limit buckets are shared only if every process uses the same Redis; the secret key and
    the intake token must be the same everywhere (each process would otherwise generate its own)."""
    envs = [_services(compose)[name]["environment"] for name in HUB_SERVICES]
    assert all(env == envs[0] for env in envs)
    env = envs[0]
    assert env["SELLERBRIDGE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in env["SELLERBRIDGE_DATABASE_URL"]
    assert env["SELLERBRIDGE_REDIS_URL"].startswith("redis://redis:6379")


def test_every_sellerbridge_variable_is_a_setting(compose) -> None:
    fields = set(Settings.model_fields)
    names = set(_env_example())
    for service in _services(compose).values():
        names |= set(service.get("environment", {}))
        for value in service.get("environment", {}).values():
            names |= set(_interpolated(str(value)))
    used = {name for name in names if name.startswith(PREFIX)}
    assert len(used) >= 6
    unknown = {name for name in used if name.removeprefix(PREFIX).lower() not in fields}
    assert unknown == set(), f"not Settings fields (src/sellerbridge/settings.py): {sorted(unknown)}"
    # and every variable the compose file interpolates is documented in .env.example
    interpolated = {v for s in _services(compose).values() for x in s.get("environment", {}).values()
                    for v in _interpolated(str(x))}
    ports = {v for s in _services(compose).values() for p in s.get("ports", []) for v in _interpolated(p)}
    assert interpolated | ports <= set(_env_example())


def test_a3_secrets_come_from_the_operators_env_file_and_the_example_holds_none(compose) -> None:
    """A3: no secret is written in the compose file or the example; a missing one stops ``docker compose up``."""
    text = (ROOT / "docker-compose.yml").read_text()
    for name in SECRETS:
        required = re.findall(r"\$\{" + name + r":\?[^}]+\}", text)
        assert required, f"{name} must be required from .env (${{{name}:?message}})"
        assert re.search(rf"^\s*{name}:\s*(?!\$\{{)\S", text, flags=re.MULTILINE) is None  # never a literal
    example = _env_example()
    assert all(example[name] == "" for name in SECRETS)
    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert rules[0] == "*"  # an allowlist: .env, var/ (secret.key) and .venv never reach the image
    assert not any(rule.startswith("!") and ("env" in rule or "var" in rule) for rule in rules)


def _argv(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    assert isinstance(command, list), "exec form: the process is PID 1 and receives SIGTERM itself"
    return [str(part) for part in command]


@pytest.mark.parametrize("name", ["web", "worker", "scheduler"])
def test_g3_each_process_is_a_real_command_whose_options_parse(compose, name: str) -> None:
    argv = _argv(_services(compose)[name])
    assert argv[0] == "sellerbridge" and argv[1] == name
    group = get_command(app)  # typer's own (vendored) click group
    with group.make_context("sellerbridge", argv[1:2]) as parent:
        command = group.get_command(parent, argv[1])
        assert command is not None, f"no `sellerbridge {argv[1]}` command"
        with command.make_context(argv[1], argv[2:], parent=parent) as ctx:  # parses and converts, runs nothing
            given = {part[2:].replace("-", "_") for part in argv[2:] if part.startswith("--")}
            assert given <= set(ctx.params)
    result = CliRunner().invoke(app, [*argv[1:], "--help"])
    assert result.exit_code == 0, result.output
    for option in (part for part in argv[2:] if part.startswith("--")):
        assert option in result.output


def test_web_listens_where_the_healthcheck_and_the_port_mapping_look(compose) -> None:
    web = _services(compose)["web"]
    argv = _argv(web)
    port = argv[argv.index("--port") + 1]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"  # reachable from outside its container
    assert all(mapping.endswith(f":{port}") for mapping in web["ports"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, flags=re.MULTILINE)
    assert f"http://127.0.0.1:{port}/healthz" in dockerfile
    assert "/healthz" in {getattr(route, "path", None) for route in routes_public.router.routes}
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    for name in ("worker", "scheduler", "migrate"):  # no HTTP there: the image's check would fail them
        assert _services(compose)[name]["healthcheck"] == {"disable": True}


def test_the_migrate_service_brings_an_empty_database_to_head(compose, empty_db_url: str, tmp_path: Path) -> None:
    argv = _argv(_services(compose)["migrate"])
    assert argv[:2] == ["python", "-c"]
    env = {"SELLERBRIDGE_DATABASE_URL": empty_db_url, "SELLERBRIDGE_DATA_DIR": str(tmp_path / "data"),
           "PATH": "/usr/bin:/bin"}

    done = subprocess.run([sys.executable, *argv[1:]], env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr[-2000:]
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = make_engine(empty_db_url)
    try:
        assert current_revision(engine) == head
    finally:
        engine.dispose()
