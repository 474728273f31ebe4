from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/confirm/", views.confirm, name="confirm"),
    path("checkout/address/", views.address_add, name="address_add"),
    path("payments/finalize/", views.finalize, name="finalize"),
    path("payments/webhooks/mercadopago/", views.webhook, name="webhook"),
]
