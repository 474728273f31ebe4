"""Settings read from the environment; run in fresh interpreters so each sees its own env."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "a-long-random-production-secret-key-for-the-check-0123456789abcdef",
    "ALLOWED_HOSTS": "shop.example.com",
    "SITE_URL": "https://shop.example.com",
    "TRUSTED_PROXY_COUNT": "1",
    "MERCADOPAGO_ACCESS_TOKEN": "APP_USR-0000000000000000-000000-00000000000000000000000000000000-000000000",
    "MERCADOPAGO_WEBHOOK_SECRET": "a-webhook-secret",
}


def manage(*args, **env):
    # The browser journeys' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into a "production" process.
    unset = (
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "MERCADOPAGO_ACCESS_TOKEN",
    )
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # An empty database of its own: the developer's may hold the demo accounts, which the
    # deploy checks rightly warn about (demo/checks.py).
    empty = f"sqlite:///{tmp_path}/empty.sqlite3"
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DATABASE_URL=empty, **PRODUCTION
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_debug_off_refuses_to_start_without_secret_key_or_allowed_hosts(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_check_deploy_warns_when_no_proxy_is_trusted():
    env = {**PRODUCTION, "TRUSTED_PROXY_COUNT": "0"}

    result = manage("check", "--deploy", **env)

    assert "reserva.W001" in result.stderr + result.stdout


def test_check_deploy_warns_when_payments_would_go_to_the_sandbox():
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("MERCADOPAGO")}

    result = manage("check", "--deploy", **env)

    assert "payments.W001" in result.stderr + result.stdout


def test_development_defaults_start_without_any_configuration():
    result = manage("check")

    assert result.returncode == 0, result.stderr


def test_production_logs_one_json_object_per_line_with_a_line_per_request():
    script = (
        "import django, json, logging; django.setup();"
        "from django.test import Client;"
        "Client().get('/healthz/live', secure=True)"
    )
    env = {
        **PRODUCTION,
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "project.settings",
    }
    unset = ("DEBUG", "LOG_FORMAT", "LOG_REQUESTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-W", "ignore", "-c", script],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    [line] = [json.loads(line) for line in result.stderr.splitlines()]
    assert line["logger"] == "store.request" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz/live", 200)
    assert line["time"].endswith("+00:00") and isinstance(line["duration_ms"], float)


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy_without_inline_code(client, settings):
    response = client.get("/")

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["form-action"].split() == ["'self'", settings.MERCADOPAGO_API_BASE_URL]
    page = response.content.decode()
    assert "style=" not in page and "<style" not in page
    script_tags = [tail.split(">", 1)[0] for tail in page.split("<script")[1:]]
    assert script_tags and all(" src=" in tag for tag in script_tags)  # no inline scripts


def test_every_apps_tests_are_collected_by_default():
    """`make test` runs pytest's testpaths: a tests/ folder missing from them never runs."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    configured = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"
    ]["testpaths"]
    apps_with_tests = {path.parent.parent.name for path in root.glob("*/tests/__init__.py")}
    assert {"orders", "checkout", "stock"} <= apps_with_tests  # the scan sees them
    assert apps_with_tests | {"e2e"} <= set(configured)
