"""The CLI tests share the API tests' world (a served sandbox seller, a hub on ``db_url``), and ``cli``:
a command run as a user would, with the world's settings in ``SELLERBRIDGE_*`` variables."""

import pytest
from typer.testing import CliRunner

from sellerbridge.cli import context
from sellerbridge.cli.main import app
from tests.api.conftest import pytest_configure, world  # noqa: F401
from tests.flows.support import World


@pytest.fixture
def cli(world: World, monkeypatch: pytest.MonkeyPatch):  # noqa: F811 (world is the fixture imported above)
    monkeypatch.setattr(context, "hub_options", {"clock": world.clock})  # the sandbox's Amazon time
    env = {"SELLERBRIDGE_DATABASE_URL": world.settings.database_url,
           "SELLERBRIDGE_SECRET_KEY": world.settings.secret_key.get_secret_value(),
           "SELLERBRIDGE_INTAKE_TOKEN": world.settings.intake_token.get_secret_value(),
           "SELLERBRIDGE_DATA_DIR": str(world.settings.data_dir), "COLUMNS": "200"}
    runner = CliRunner()

    def run(*args: str, extra_env: dict[str, str] | None = None, input: str | None = None):
        return runner.invoke(app, list(args), env={**env, **(extra_env or {})}, input=input)

    return run
