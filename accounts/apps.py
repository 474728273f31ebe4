from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from project.sites import site_sync_after_migrate

        from . import checks  # noqa: F401 (registers the deploy checks)

        # django.contrib.sites' record (allauth's "current site") follows SITE_URL and
        # STORE_NAME: rewritten by every migrate, so by each release (docs/deploy.md).
        post_migrate.connect(
            site_sync_after_migrate, sender=self, dispatch_uid="accounts.site_sync"
        )
        user_logged_in.connect(language_restore, dispatch_uid="accounts.language_restore")


def language_restore(sender, *, request, user, **kwargs):
    """At login, the language the shopper chose before (on any device) comes back: the
    language cookie is set on the login's response (project.i18n), and their next page is
    served in it."""
    from project.i18n import RESTORE_ATTRIBUTE

    if request is not None and user.language:
        setattr(request, RESTORE_ATTRIBUTE, user.language)
