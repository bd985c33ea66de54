"""Real servers for the deployment tests: gunicorn with deploy/gunicorn.conf.py, and nginx with
deploy/nginx.conf in front of it, each on free ports of 127.0.0.1."""

import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kaiku_training import PACKAGE_DIR
from tests.conftest import free_port
from tests.deploy.conftest import DEPLOY

GUNICORN = [str(Path(sys.executable).with_name("gunicorn")), "-c", str(DEPLOY / "gunicorn.conf.py")]
# NGINX_BIN=path: one not on the PATH; .ci/system-packages unpacks Debian's into .cache/nginx
UNPACKED_NGINX = Path(__file__).resolve().parents[2] / ".cache" / "nginx" / "usr" / "sbin" / "nginx"
NGINX = (
    os.environ.get("NGINX_BIN") or shutil.which("nginx") or (str(UNPACKED_NGINX) if UNPACKED_NGINX.is_file() else None)
)
SELF_SIGNED = ssl._create_unverified_context()  # the test's own certificate, for 127.0.0.1
INSTALLED_STATIC = "/opt/kaiku/venv/lib/python3.11/site-packages/kaiku_training/static/kaiku/"


@dataclass
class Served:
    port: int
    folder: Path  # where its logs are written

    def log(self, name: str, until: Callable[[list[str]], bool] = bool) -> list[str]:
        """The lines of a log, once `until` holds of them (servers write a line just after answering)."""
        deadline = time.monotonic() + 10
        while True:
            path = self.folder / name
            lines = path.read_text().splitlines() if path.exists() else []
            if until(lines) or time.monotonic() > deadline:
                return lines
            time.sleep(0.1)


@contextmanager
def gunicorn_serving(folder: Path, environment: dict[str, str]):
    """gunicorn on a free port with two workers; its logs are access.log (stdout) and error.log."""
    served = Served(free_port(), folder)
    with (folder / "access.log").open("w") as stdout, (folder / "error.log").open("w") as stderr:
        command = [*GUNICORN, "--bind", f"127.0.0.1:{served.port}", "--workers", "2"]
        server = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=environment)
    try:
        _wait_for(f"http://127.0.0.1:{served.port}/healthz", server, folder / "error.log")
        yield served
    finally:
        server.terminate()
        server.wait(timeout=40)


@contextmanager
def nginx_serving(folder: Path, upstream_port: int):
    """nginx with deploy/nginx.conf, its ports, certificate, logs and static folder moved to
    what this machine has; serves HTTPS on its port, and writes kaiku.access.log."""
    assert NGINX, "no nginx"
    served = Served(free_port(), folder)
    (folder / "site.conf").write_text(_site_config(folder, served.port, upstream_port))
    (folder / "nginx.conf").write_text(_main_config(folder))
    command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "nginx-error.log")]
    server = subprocess.Popen(command)
    try:
        _wait_for(f"https://127.0.0.1:{served.port}/healthz", server, folder / "nginx-error.log")
        yield served
    finally:
        server.terminate()
        server.wait(timeout=20)


def _site_config(folder: Path, https_port: int, upstream_port: int) -> str:
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=training.example.org"]
        + ["-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx.conf").read_text()
    assert INSTALLED_STATIC in site
    for installed, here in (
        (INSTALLED_STATIC, f"{PACKAGE_DIR / 'static' / 'kaiku'}/"),
        ("/etc/letsencrypt/live/training.example.org/fullchain.pem", str(certificate)),
        ("/etc/letsencrypt/live/training.example.org/privkey.pem", str(key)),
        ("/var/log/nginx/", f"{folder}/"),
        ("127.0.0.1:8000", f"127.0.0.1:{upstream_port}"),
        ("listen [::]:80;", ""),  # this machine's IPv6 may be off
        ("listen [::]:443 ssl http2;", ""),
        ("listen 80;", f"listen 127.0.0.1:{free_port()};"),
        ("listen 443 ", f"listen 127.0.0.1:{https_port} "),
    ):
        assert installed in site, installed
        site = site.replace(installed, here)
    return site


def _main_config(folder: Path) -> str:
    """What /etc/nginx/nginx.conf gives a Debian site, here in the foreground, as this user."""
    temporary = "".join(
        f"{kind}_temp_path {folder}/{kind}; " for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"daemon off; master_process off; pid {folder}/nginx.pid; error_log {folder}/nginx-error.log;\n"
        f"events {{}}\nhttp {{\n{temporary}\naccess_log {folder}/other.access.log;\n"
        "types { text/html html; text/css css; image/svg+xml svg; }\n"
        f"include {folder}/site.conf;\n}}\n"
    )


def _wait_for(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=1, context=SELF_SIGNED)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer (exit code {server.poll()}); {log}:\n{log.read_text()[-2000:]}")
