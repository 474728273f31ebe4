from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from . import views

# Staff log in through the store's login page, where allauth limits failed attempts; the
# admin's own login form has no such limit and would let a staff password be guessed freely.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", views.health, name="health"),
    path("healthz/live", views.live, name="live"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("accounts.allauth_urls")),  # before allauth's: sign-up, e-mails
    path("accounts/", include("allauth.urls")),
    path("cart/", include("cart.urls")),
    path("orders/", include("storefront.order_urls")),
    path("checkout/", include("checkout.urls")),
    path("", include("payments.urls")),
    path("", include("storefront.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]
