"""What the benchmark (bench/run.py) and the load test (bench/load/run.py) share: a fresh
PostgreSQL database, a flushed Redis database, production settings in the environment,
manage.py, gunicorn serving the store, and a description of the machine.

Standard library only at import time, so both scripts start before Django is set up.
"""

from __future__ import annotations

import os
import platform
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
CSS = ROOT / "theme" / "static" / "css" / "dist" / "styles.css"


def reset_redis(url: str) -> str:
    """Flush the Redis database the run will use; "" (no shared cache) when it is unreachable."""
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2).flushdb()
    except Exception as error:
        print(f"  no Redis at {url} ({error}): running without the shared cache", flush=True)
        return ""
    return url


def production_env(*, database_url: str, port: int, redis_url: str, **extra: str) -> dict:
    """The store's environment with DEBUG off, as in production, except TLS: the clients talk
    plain HTTP over loopback, so the HTTPS redirect and secure-only cookies are off."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DEBUG": "False",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "False",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(RESULTS / "media"),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def fresh_postgres(url: str, name: str) -> str:
    """Drop and create database `name` on the server of `url`; returns its URL."""
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin.replace("postgresql://", "postgres://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def manage(env: dict, *args: str) -> float:
    """Run a manage.py command with this environment; returns the seconds it took."""
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def ensure_css() -> None:
    """The production static storage refuses to render a page whose CSS was never built."""
    if not CSS.exists():
        subprocess.run(["make", "css"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def wait_for(url: str, what: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


class Server:
    """gunicorn serving project.wsgi with sync workers on a loopback port."""

    def __init__(self, env: dict, port: int, workers: int, log: Path | None = None):
        self.port = port
        self.log = open(log, "ab") if log else None  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "project.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--worker-tmp-dir",
                "/dev/shm",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        wait_for(f"http://127.0.0.1:{port}/healthz/live", "gunicorn")

    def worker_pids(self) -> list[int]:
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        return [int(pid) for pid in children]

    def worker_peak_rss_kb(self) -> list[int]:
        peaks = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)))
        return peaks

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        if self.log:
            self.log.close()


def _proc_field(path: str, name: str) -> str:
    return next(
        (
            line.split(":", 1)[1].strip()
            for line in Path(path).read_text().splitlines()
            if line.startswith(name)
        ),
        "",
    )


def machine(database: str) -> dict:
    """The machine and the versions the figures were measured with."""
    import django

    gunicorn_version = subprocess.run(
        [PYTHON, "-m", "gunicorn", "--version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": _proc_field("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory": _proc_field("/proc/meminfo", "MemTotal"),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn_version,
        "database": database,
    }
