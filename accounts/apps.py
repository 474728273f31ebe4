from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from project.sites import site_sync_after_migrate

        # django.contrib.sites' record (allauth's "current site") follows SITE_URL and
        # STORE_NAME: rewritten by every migrate, so by each release (docs/deploy.md).
        post_migrate.connect(
            site_sync_after_migrate, sender=self, dispatch_uid="accounts.site_sync"
        )
