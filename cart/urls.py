from django.urls import path

from . import views

app_name = "cart"

urlpatterns = [
    path("", views.detail, name="detail"),
    path("add/", views.add, name="add"),
    path("lines/<int:line_id>/<slug:action>/", views.line, name="line"),
]
