from django.urls import path

from . import views

app_name = "checkout"

urlpatterns = [
    path("", views.checkout, name="checkout"),
    path("confirm/", views.confirm, name="confirm"),
    path("address/", views.address_add, name="address_add"),
    path("store-credit/", views.pay_with_credit, name="pay_with_credit"),
    path("store-credit/done/<str:token>/", views.credit_done, name="credit_done"),
    path("store-credit/failed/", views.credit_failed, name="credit_failed"),
]
