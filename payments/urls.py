from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/confirm/", views.confirm, name="confirm"),
    path("checkout/address/", views.address_add, name="address_add"),
    path("checkout/store-credit/", views.pay_with_credit, name="pay_with_credit"),
    path("checkout/store-credit/done/<str:token>/", views.credit_done, name="credit_done"),
    path("checkout/store-credit/failed/", views.credit_failed, name="credit_failed"),
    path("payments/finalize/", views.finalize, name="finalize"),
    path("payments/webhooks/mercadopago/", views.webhook, name="webhook"),
]
