"""Measure the app as it runs in production: gunicorn workers, loaded by wrk over loopback,
always as a ratio to the trivial /healthz route measured in the same run."""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from kaiku_training import create_app
from kaiku_training.extensions import db
from tests.conftest import free_port, test_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def benchmark_app(database_url: str, smtp_port: int, **settings):
    """The app on empty tables; the tables are dropped again afterwards."""
    app = create_app(test_settings(database_url, smtp_port, **settings))
    with app.app_context():
        db.session.remove()  # its open transaction would block DROP on PostgreSQL
        db.drop_all()
        db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("the benchmarks need wrk: apt-get install wrk")
    return wrk


@contextmanager
def gunicorn(env: dict, workers: int = 2):
    """Serve wsgi:app with gunicorn on a free loopback port; yield its base URL."""
    with gunicorn_process(env, workers) as (_process, base_url):
        yield base_url


@contextmanager
def gunicorn_process(env: dict, workers: int = 2):
    """The same, yielding the master process too (its children are the workers)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base_url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(process.stderr.read1().decode())
        yield process, base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def requests_per_second(url: str, headers: dict | None = None, seconds: int = 8, connections: int = 8) -> float:
    """wrk's requests/second, failing if any response was not 2xx/3xx."""
    command = [require_wrk(), "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    assert "Non-2xx or 3xx responses" not in output, output
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def record(name: str, **figures) -> None:
    """Print a result line that the README's performance section quotes."""
    shown = ", ".join(
        f"{key}={value:.3g}" if isinstance(value, float) else f"{key}={value}" for key, value in figures.items()
    )
    print(f"\nBENCHMARK {name}: {shown}")
