import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "key", ["abcdefghijkl\x00", "abcdefgh\x00ijkl", "../../../../etc/passwd", "séssionkeyé1234"]
)
def test_a_forged_session_cookie_gets_a_fresh_session(client, key):
    client.cookies[settings.SESSION_COOKIE_NAME] = key

    response = client.get("/cart/")

    assert response.status_code == 200


def test_an_issued_session_key_still_signs_the_shopper_in(client, django_user_model):
    ana = django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")
    client.force_login(ana)

    response = client.get("/accounts/profile/")

    assert response.status_code == 200 and "ana@example.com" in response.content.decode()
