"""Address-book and profile writes: what another tab did meanwhile is respected."""

import pytest

from accounts import services
from accounts.models import Address

from .test_views import VALID

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")


def test_an_address_deleted_in_another_tab_is_not_found(ana):
    address = services.address_create(user=ana, data=dict(VALID))
    services.address_delete(user=ana, pk=address.pk)

    for change in (
        lambda: services.address_update(user=ana, pk=address.pk, data=dict(VALID)),
        lambda: services.address_set_default(user=ana, pk=address.pk),
        lambda: services.address_delete(user=ana, pk=address.pk),
    ):
        with pytest.raises(services.AddressNotFound):
            change()
    assert not Address.objects.exists()


def test_another_shoppers_address_is_not_found(ana, django_user_model):
    bruno = django_user_model.objects.create_user(email="bruno@example.com", password="pw-1234!")
    theirs = services.address_create(user=bruno, data=dict(VALID))

    with pytest.raises(services.AddressNotFound):
        services.address_set_default(user=ana, pk=theirs.pk)


def test_saving_the_profile_keeps_a_password_changed_meanwhile(ana, django_user_model):
    stale = django_user_model.objects.get(pk=ana.pk)  # read by the profile tab
    ana.set_password("changed-in-another-tab-1!")
    ana.save()

    services.profile_update(user=stale, first_name="Ana", last_name="Souza")

    ana.refresh_from_db()
    assert ana.check_password("changed-in-another-tab-1!")
    assert (ana.first_name, ana.last_name) == ("Ana", "Souza")
