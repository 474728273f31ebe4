from django.apps import AppConfig


class ThemeConfig(AppConfig):
    """Holds only the Tailwind sources (static_src/) and the CSS built from them."""

    name = "theme"
