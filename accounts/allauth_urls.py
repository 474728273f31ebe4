"""allauth's pages that the store answers itself (accounts/views.py), under allauth's own URL
names: project/urls.py includes these before allauth's URLs, so the store's views win and
allauth's templates and reverse() keep working."""

from django.urls import path

from . import views

urlpatterns = [
    path("signup/", views.SignupView.as_view(), name="account_signup"),
    path("email/", views.EmailView.as_view(), name="account_email"),
]
