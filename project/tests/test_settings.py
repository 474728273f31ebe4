"""Settings read from the environment; run in fresh interpreters so each sees its own env."""

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


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_debug_off_refuses_to_start_without_secret_key_or_allowed_hosts(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_check_deploy_warns_when_payments_would_go_to_the_sandbox():
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("MERCADOPAGO")}

    result = manage("check", "--deploy", **env)

    assert "payments.W001" in result.stderr + result.stdout


def test_development_defaults_start_without_any_configuration():
    result = manage("check")

    assert result.returncode == 0, result.stderr
