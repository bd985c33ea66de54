"""The systemd units pass `systemd-analyze verify`: every key known, every value parsed. Their
programs are looked for in this virtualenv instead of /opt/kaiku/venv."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.conftest import DEPLOY

UNITS = ("kaiku-web.service", "kaiku-worker.service")
INSTALLED_VENV_BIN = "/opt/kaiku/venv/bin"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not on this machine")
@pytest.mark.parametrize("unit", UNITS)
def test_the_systemd_unit_verifies_without_a_warning(unit, tmp_path):
    text = (DEPLOY / unit).read_text()
    assert INSTALLED_VENV_BIN in text
    copy = tmp_path / unit
    copy.write_text(text.replace(INSTALLED_VENV_BIN, str(Path(sys.executable).parent)))
    verified = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert (verified.returncode, verified.stderr) == (0, "")
