from django.urls import path

from . import order_views as views

# The order pages keep the "orders" namespace (orders:detail...) that e-mails and links use.
app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/invoice/", views.invoice, name="invoice"),
    path("view/<str:token>/", views.order_signed, name="signed"),
    path("view/<str:token>/invoice/", views.invoice_signed, name="signed_invoice"),
]
