"""The CLI's errors (I1; issue 9): what a user can get wrong is one line on stderr and a non-zero exit
code, never a traceback, and never a secret from the settings.

The startup cases run the installed ``sellerbridge`` command in a subprocess, as a user would, on
SQLite and PostgreSQL; ``orders preview`` of an order Amazon does not have runs through typer's runner
against the sandbox.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sellerbridge.cli import context
from sellerbridge.db.crypto import generate_key
from tests.flows.support import World

SELLERBRIDGE = str(Path(sys.executable).with_name("sellerbridge"))
PASSWORD = "pw-not-for-eyes"


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COLUMNS": "80",
            "SELLERBRIDGE_DATA_DIR": str(tmp_path / "hub")}
    return subprocess.run([SELLERBRIDGE, "connection", "list"], env={**base, **env}, capture_output=True,
                          text=True, timeout=120, check=False)


def _one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert result.returncode == code, (result.returncode, result.stdout[-500:], result.stderr[-500:])
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("url", ["nonsense", "foo://host/db", f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:1/db"])
def test_a_bad_database_url_is_one_line_without_the_password(tmp_path: Path, url: str) -> None:
    line = _one_line_error(_run(tmp_path, SELLERBRIDGE_DATABASE_URL=url), context.EXIT_CONFIG,
                           "SELLERBRIDGE_DATABASE_URL")
    assert PASSWORD not in line


def test_a_bad_secret_key_is_one_line_without_the_key(tmp_path: Path, db_url: str) -> None:
    bad_key = "not-a-fernet-key-" + PASSWORD
    line = _one_line_error(_run(tmp_path, SELLERBRIDGE_DATABASE_URL=db_url, SELLERBRIDGE_SECRET_KEY=bad_key),
                           context.EXIT_CONFIG, "secret key")
    assert PASSWORD not in line


def test_a_data_dir_that_is_a_file_is_one_line(tmp_path: Path, db_url: str) -> None:
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    _one_line_error(_run(tmp_path, SELLERBRIDGE_DATABASE_URL=db_url, SELLERBRIDGE_DATA_DIR=str(a_file),
                         SELLERBRIDGE_SECRET_KEY=generate_key().decode()),
                    context.EXIT_CONFIG, "SELLERBRIDGE_DATA_DIR", str(a_file))


def test_a_setting_of_the_wrong_type_is_one_line(tmp_path: Path, db_url: str) -> None:
    _one_line_error(_run(tmp_path, SELLERBRIDGE_DATABASE_URL=db_url, SELLERBRIDGE_SECRET_KEY=generate_key().decode(),
                         SELLERBRIDGE_PII_RETENTION_DAYS="soon"),
                    context.EXIT_CONFIG, "SELLERBRIDGE_PII_RETENTION_DAYS")


def test_previewing_an_order_amazon_does_not_have_is_one_line(cli, world: World) -> None:
    result = cli("orders", "preview", "999-0000000-0000000", "--connection", str(world.connection_id))
    assert result.exit_code == context.EXIT_FAILED, (result.exit_code, result.output[-500:], result.exception)
    assert isinstance(result.exception, SystemExit)  # ended by the CLI, not by an exception
    assert "Traceback" not in result.output
    assert "error:" in result.output


def test_an_unknown_connection_in_orders_preview_is_one_line(cli, world: World) -> None:
    result = cli("orders", "preview", "999-0000000-0000000", "--connection", "²")
    assert result.exit_code == context.EXIT_CONFIG, (result.exit_code, result.output[-500:], result.exception)
    assert "Traceback" not in result.output and "no connection" in result.output


@pytest.mark.parametrize("command", [("errors", "show"), ("errors", "dismiss"), ("runs", "show")])
def test_an_id_beyond_64_bits_on_the_command_line_is_a_usage_error(cli, world: World, command: tuple[str, str]) -> None:
    result = cli(*command, str(2**63))
    assert result.exit_code == 2, (result.exit_code, result.output[-500:], result.exception)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
