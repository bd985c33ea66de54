"""The files of deploy/, and the production environment they describe: the sample config.toml
with a signing key from the environment, as /etc/kaiku/env gives it."""

import os
import secrets
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def production_environment_in(folder: Path) -> dict[str, str]:
    """KAIKU_* as the systemd units set them, with a new, empty database of the test's own."""
    return {
        "KAIKU_CONFIG": str(DEPLOY / "config.toml"),
        "KAIKU_SECRET_KEY": secrets.token_hex(32),
        "KAIKU_DATABASE_URL": f"sqlite:///{folder / 'kaiku.sqlite'}",
    }


@pytest.fixture
def production_environment(monkeypatch, tmp_path) -> dict[str, str]:
    """The production environment in this process, for the application and the servers it starts."""
    environment = production_environment_in(tmp_path)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return dict(os.environ)
