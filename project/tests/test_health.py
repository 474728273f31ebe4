import pytest
from django.urls import reverse


def test_liveness_needs_no_database(client):
    # No django_db mark: pytest-django makes any database access here an error.
    response = client.get(reverse("live"))

    assert response.status_code == 200 and response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_checks_the_database(client):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_readiness_reports_an_unreachable_database(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def down(self, sql, params=None):
        raise RuntimeError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", down)

    response = client.get(reverse("health"))

    assert response.status_code == 503 and response.json()["database"] == "unreachable"


@pytest.mark.django_db
def test_readiness_reports_an_unreachable_cache(client, settings):
    # Sessions live in the cache in production: a store without it cannot serve shoppers.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        },
    }

    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "unreachable"}


def test_health_endpoints_refuse_post(client):
    assert client.post(reverse("live")).status_code == 405
