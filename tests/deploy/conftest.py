"""The files of deploy/, and the production environment they describe: the sample config.toml
with a signing key from the environment, as /etc/kaiku/env gives it."""

import secrets
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture
def production_environment(monkeypatch, tmp_path) -> dict[str, str]:
    """KAIKU_* as the systemd units set them, with a database of the test's own."""
    environment = {
        "KAIKU_CONFIG": str(DEPLOY / "config.toml"),
        "KAIKU_SECRET_KEY": secrets.token_hex(32),
        "KAIKU_DATABASE_URL": f"sqlite:///{tmp_path / 'kaiku.sqlite'}",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return environment
