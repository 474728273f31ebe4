from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from . import views

# Staff log in through the store's login page, where allauth limits failed attempts; the
# admin's own login form has no such limit and would let a staff password be guessed freely.
admin.site.login = secure_admin_login(admin.site.login)

# Outside the languages: the admin, health checks, Mercado Pago's return and webhook (links
# already handed to Mercado Pago must keep working) and the language switch itself.
urlpatterns = [
    path("healthz", views.health, name="health"),
    path("healthz/live", views.live, name="live"),
    path("admin/", admin.site.urls),
    path("i18n/", include("accounts.language_urls")),
    path("", include("payments.urls")),
]

# The shop, in each language: Portuguese at /, English under /en/, Spanish under /es/.
urlpatterns += i18n_patterns(
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("accounts.allauth_urls")),  # before allauth's: sign-up, e-mails
    path("accounts/", include("allauth.urls")),
    path("cart/", include("cart.urls")),
    path("orders/", include("storefront.order_urls")),
    path("checkout/", include("checkout.urls")),
    path("", include("storefront.urls")),
    prefix_default_language=False,
)

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]
