from django.urls import path

from .mercado_pago import views

app_name = "payments"

urlpatterns = [
    path("payments/finalize/", views.finalize, name="finalize"),
    path("payments/webhooks/mercadopago/", views.webhook, name="webhook"),
]
