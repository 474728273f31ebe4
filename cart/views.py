from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import AddToCartForm


@require_POST
def add(request):
    form = AddToCartForm(request.POST)
    valid = form.is_valid()
    if form.product is None:
        raise Http404("No such product")
    selection = {}
    if form.choice is not None:
        if form.choice.color:
            selection["color"] = form.choice.color.slug
        if form.choice.size:
            selection["size"] = form.choice.size.name
    back = form.product.get_absolute_url() + (f"?{urlencode(selection)}" if selection else "")
    if not valid:
        for error in form.non_field_errors() or [
            e for errors in form.errors.values() for e in errors
        ]:
            messages.error(request, error)
        return redirect(back)
    # Issue #3 turns this into a real cart line; until then the choice is only validated.
    messages.info(
        request,
        _("%(variant)s is in stock. The cart arrives in the next release.")
        % {"variant": form.choice.variant},
    )
    return redirect(back)
