"""The language switcher's target, outside the languages' URL prefixes (project/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [path("setlang/", views.language_set, name="set_language")]
