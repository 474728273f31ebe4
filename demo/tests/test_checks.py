"""`check --deploy` and the demo's public credentials."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

from accounts.models import User
from demo import seed as demo
from payments.models import StoreCreditToken

ROOT = Path(__file__).resolve().parents[2]
DEMO_IDS = {"reserva.W010", "reserva.W011"}


def demo_warnings() -> dict[str, str]:
    issues = run_checks(include_deployment_checks=True)
    return {issue.id: issue.msg for issue in issues if issue.id in DEMO_IDS}


@pytest.mark.django_db
def test_no_warning_without_the_demo_data():
    assert demo_warnings() == {}


@pytest.mark.django_db
def test_warns_while_the_demo_accounts_and_token_work():
    demo.ensure_users()
    demo.ensure_demo_token()

    warnings = demo_warnings()

    assert demo.STAFF_EMAIL in warnings["reserva.W010"]
    assert demo.SHOPPER_EMAIL in warnings["reserva.W010"]
    assert demo.DEMO_TOKEN in warnings["reserva.W011"]


@pytest.mark.django_db
def test_no_warning_once_the_demo_accounts_and_token_are_made_harmless():
    demo.ensure_users()
    demo.ensure_demo_token()
    staff = User.objects.get(email=demo.STAFF_EMAIL)
    staff.set_password("a-new-password-nobody-published")
    staff.save()
    User.objects.filter(email=demo.SHOPPER_EMAIL).update(is_active=False)
    StoreCreditToken.objects.filter(token=demo.DEMO_TOKEN).update(is_active=False)

    assert demo_warnings() == {}


def test_a_database_without_tables_is_no_error(tmp_path):
    """`check --deploy` before the first migrate (a fresh database) runs and says nothing of
    the demo."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert not any(id_ in result.stdout + result.stderr for id_ in DEMO_IDS), result.stderr
