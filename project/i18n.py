"""The store's languages around Django's: which language a visitor gets, and the links
between one page's versions.

Brazilian Portuguese is served at unprefixed URLs (`/`), English under `/en/` and Spanish
under `/es/` (i18n_patterns in project/urls.py; LocaleMiddleware reads the prefix). Django
serves an unprefixed URL in the default language whatever the visitor prefers, so
`PreferredLanguageMiddleware` sends a visitor who prefers another language there: their
choice (the language cookie set by the switcher, or restored from their account at login)
or, on a first visit, their browser's Accept-Language. An explicit prefix is never
overridden, and only plain page loads (GET and HEAD, not htmx) are redirected.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import translate_url
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, get_language_from_request, get_language_info
from django.utils.translation.trans_real import get_supported_language_variant

RESTORE_ATTRIBUTE = "restore_language"  # set on the request at login (accounts.apps)


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return None


class PreferredLanguageMiddleware:
    """After LocaleMiddleware: redirect an unprefixed page to the visitor's language, and set
    the language cookie after a login restored the account's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        redirect = self._redirect(request)
        response = redirect or self.get_response(request)
        restored = getattr(request, RESTORE_ATTRIBUTE, None)
        if restored:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                restored,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    def _redirect(self, request) -> HttpResponseRedirect | None:
        if request.method not in ("GET", "HEAD") or request.headers.get("HX-Request"):
            return None
        default = settings.LANGUAGE_CODE
        if get_language() != default:  # a prefixed URL: the visitor asked for that language
            return None
        wanted = _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        if wanted is None:
            wanted = _supported(get_language_from_request(request))
        if wanted is None or wanted == default:
            return None
        target = translate_url(request.get_full_path(), wanted)
        if target == request.get_full_path():  # not a page of the shop (admin, webhooks...)
            return None
        return HttpResponseRedirect(target)


@dataclass(frozen=True)
class LanguageLink:
    code: str  # "pt-br"
    name: str  # in its own language: "Português (Brasil)"
    url: str  # this page in that language, with its query string
    absolute: str  # this page in that language on SITE_URL, without the query (hreflang)
    current: bool


def languages(request) -> dict:
    """Context processor: `language_links` (the switcher and hreflang alternates) and
    `canonical_url`, computed only when a template uses them."""

    def links() -> list[LanguageLink]:
        here, current = request.get_full_path(), get_language()
        found = []
        for code, _name in settings.LANGUAGES:
            url = translate_url(here, code)
            found.append(
                LanguageLink(
                    code=code,
                    name=get_language_info(code)["name_local"],
                    url=url,
                    absolute=settings.SITE_URL + urlsplit(url).path,
                    current=code == current,
                )
            )
        return found

    language_links = SimpleLazyObject(links)

    def canonical() -> str:
        return next((link.absolute for link in language_links if link.current), "")

    return {"language_links": language_links, "canonical_url": SimpleLazyObject(canonical)}
