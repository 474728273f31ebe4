"""Settings for the store.

Everything comes from environment variables (see README.md, "Configuration") with
development defaults that are safe on a laptop. With DEBUG off the store refuses to start
unless SECRET_KEY and ALLOWED_HOSTS are set, and the security settings default to the
strict values `manage.py check --deploy` expects.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

if not DEBUG:
    missing = [
        name
        for name, value in (("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS))
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            f"DEBUG is off: set {' and '.join(missing)} in the environment "
            "before starting the store."
        )
else:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

# Absolute address of the store, used in e-mails and in the URLs handed to Mercado Pago.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "modeltranslation",  # before the admin: catalogue content in three languages
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "django_htmx",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "tailwind",
    "allauth",
    "allauth.account",
    "theme",
    # The store's own apps, from the bottom layer up (docs/architecture.md).
    "accounts",
    "store",
    "stock",
    "cart",
    "orders",
    "payments",
    "checkout",
    "storefront",
    "demo",
]

MIDDLEWARE = [
    "project.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "store.cache.CatalogueVersionMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "project.caching.PrivatePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "project.i18n.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "checkout.middleware.GuestCartMergeMiddleware",
    "cart.middleware.CartMiddleware",
]

ROOT_URLCONF = "project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "project.i18n.languages",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "store.context_processors.store",
                "cart.context_processors.cart",
            ],
        },
    },
]

WSGI_APPLICATION = "project.wsgi.application"

# Database: SQLite by default, PostgreSQL (production, CI) through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take SQLite's write lock when a transaction starts, so read-then-write services
    # serialize instead of failing with "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by several processes), else per-process memory.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "store",
        }
    }
    SESSION_ENGINE = "project.sessions.cached_db"
else:
    SESSION_ENGINE = "project.sessions.db"
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Versioned catalogue fragments, kept in each process (see store/cache.py).
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Refuses e-mail addresses no message can be sent to (accounts/adapter.py).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Rate limits count per client address; behind N load balancers or proxies that append to
# X-Forwarded-For, set TRUSTED_PROXY_COUNT=N so the real client is counted (docs/deploy.md).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# RATE_LIMITS=False turns allauth's login, signup and reset limits off (for a load test whose
# simulated shoppers all come from one address); never in production.
if not env.bool("RATE_LIMITS", default=True):
    ACCOUNT_RATE_LIMITS = False

# E-mail: EMAIL_URL (smtp://user:password@host:587/?tls=True), console in development.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Reserva <shop@example.com>")

# Brazilian Portuguese first (unprefixed URLs), English under /en/ and Spanish under /es/.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="pt-br")
LANGUAGES = [("pt-br", _("Portuguese (Brazil)")), ("en", _("English")), ("es", _("Spanish"))]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]

# Catalogue content in three languages: django-modeltranslation adds one column per language
# to the catalogue's tables (store/translation.py); a missing translation shows Portuguese.
MODELTRANSLATION_DEFAULT_LANGUAGE = "pt-br"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("pt-br",)
# Rows created in code with a plain `name=` (tests, scripts) fill the Portuguese column too.
MODELTRANSLATION_AUTO_POPULATE = "required"
FORMAT_MODULE_PATH = ["project.formats"]  # dates per language (money: store/money.py)
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploaded and generated product images are served by Django itself when SERVE_MEDIA is on
# (development and the single-machine demo); production puts them behind a web server or CDN.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

TAILWIND_APP_NAME = "theme"

# Security: strict unless DEBUG is on; each can be relaxed from the environment (for example
# SECURE_SSL_REDIRECT=False behind a proxy that already redirects, or for a local benchmark).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# The shop.
STORE_NAME = env.str("STORE_NAME", default="Reserva")
STORE_CURRENCY = "BRL"
STORE_PAGE_SIZE = 24
STORE_LOW_STOCK = 3
# Seconds catalogue fragments stay cached (see store/cache.py); only with a shared cache.
CATALOGUE_CACHE_SECONDS = env.int("CATALOGUE_CACHE_SECONDS", default=600 if REDIS_URL else 0)

# Checkout and Mercado Pago (see README.md, "Payments").
CHECKOUT_RESERVATION_SECONDS = 60 * 60  # stock held for an unpaid order = the payment link's life
CHECKOUT_MAX_UNFINISHED = 5  # unpaid orders per shopper (cart or account); more cancel the oldest
# Stock hoarding (docs/deploy.md): units of one variant that one client (an account, an
# e-mail, or an address as counted behind TRUSTED_PROXY_COUNT proxies) may hold in unpaid
# orders at once: CHECKOUT_HOLD_SHARE percent of the units on hand (at least 1), at most
# CHECKOUT_HOLD_LIMIT (0 switches either off); and new checkouts holding stock that one
# address may start per hour.
CHECKOUT_HOLD_SHARE = env.int("CHECKOUT_HOLD_SHARE", default=50)
CHECKOUT_HOLD_LIMIT = env.int("CHECKOUT_HOLD_LIMIT", default=10)
CHECKOUT_HOLDS_PER_HOUR = env.int("CHECKOUT_HOLDS_PER_HOUR", default=20)
CHECKOUT_DUPLICATE_WINDOW = 120  # seconds in which a second "confirm" reuses the first order
MERCADOPAGO_ACCESS_TOKEN = env.str("MERCADOPAGO_ACCESS_TOKEN", default="")
MERCADOPAGO_USES_SANDBOX = not MERCADOPAGO_ACCESS_TOKEN
if MERCADOPAGO_USES_SANDBOX:
    # No credentials: talk to the offline sandbox (`python -m payments.mercado_pago.sandbox`).
    MERCADOPAGO_ACCESS_TOKEN = "TEST-offline-sandbox"  # noqa: S105 (not a secret)
    MERCADOPAGO_API_BASE_URL = env.str("MERCADOPAGO_API_BASE_URL", default="http://127.0.0.1:8001")
    MERCADOPAGO_WEBHOOK_SECRET = env.str(
        "MERCADOPAGO_WEBHOOK_SECRET", default="sandbox-webhook-secret"
    )
else:
    MERCADOPAGO_API_BASE_URL = env.str("MERCADOPAGO_API_BASE_URL", default="")
    MERCADOPAGO_WEBHOOK_SECRET = env.str("MERCADOPAGO_WEBHOOK_SECRET", default="")
# Buyer's returns from Mercado Pago per client and minute (each asks Mercado Pago); 0: no limit.
PAYMENT_RETURN_RATE_LIMIT = env.int("PAYMENT_RETURN_RATE_LIMIT", default=30)
MERCADOPAGO_TIMEOUT = env.float("MERCADOPAGO_TIMEOUT", default=8.0)  # seconds per API call
MERCADOPAGO_WEBHOOK_TOLERANCE = 300  # seconds a webhook's signature timestamp may be off
MERCADOPAGO_STATEMENT_DESCRIPTOR = "RESERVA"

# Background work (e-mails, refunds after a webhook, housekeeping) goes through django-tasks.
# "immediate" runs each task in the process that enqueued it, after the transaction commits
# (development, tests, a single machine); "database" stores tasks in PostgreSQL for
# `manage.py db_worker` processes on any number of machines (docs/deploy.md).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate")
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}

# Content Security Policy (django-csp): nothing inline, nothing from elsewhere. htmx runs from
# our own static files with its indicator styles in the stylesheet (templates/base.html turns
# its injected <style> off), and forms may only post to the store, which redirects to
# Mercado Pago's checkout.
_checkout_origins = (
    [MERCADOPAGO_API_BASE_URL]
    if MERCADOPAGO_USES_SANDBOX
    else env.list(
        "MERCADOPAGO_CHECKOUT_ORIGINS",
        default=["https://www.mercadopago.com.br", "https://sandbox.mercadopago.com.br"],
    )
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *_checkout_origins],
    }
}

# Logs go to standard output, one JSON object per line in production (LOG_FORMAT=json, the
# default with DEBUG off) for the log collector, plain text on a laptop.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
# One line per request from the store itself (runserver already prints its own on a laptop).
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=not DEBUG)
if not LOG_REQUESTS:
    MIDDLEWARE.remove("project.logging.RequestLogMiddleware")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Issue 12: accounts
# allauth's form adding an e-mail address, refusing one that another account uses.
ACCOUNT_FORMS = {"add_email": "accounts.forms.AddEmailForm"}
