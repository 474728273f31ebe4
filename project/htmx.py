"""How views choose between a whole page and one of its partials."""

from django.http import HttpRequest


def page_or_partial(request: HttpRequest, template: str, partial: str) -> str:
    """`template#partial` for an htmx request that swaps a fragment, else the whole page.

    Boosted requests and history restores need the whole page, so they never get a fragment.
    Views using this must vary on the HX-Request header.
    """
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        return f"{template}#{partial}"
    return template
