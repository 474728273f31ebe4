from urllib.parse import urlsplit

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language_from_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from . import selectors, services
from .forms import AddressForm, ProfileForm, taken_emails_are_hidden


def _own_address(request, pk):
    address = selectors.address_of(user=request.user, pk=pk)
    if address is None:
        raise Http404("No such address")
    return address


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your details were saved."))
        return redirect("accounts:profile")
    context = {"form": form, "addresses": selectors.addresses_for(user=request.user)}
    return render(request, "accounts/profile.html", context)


@login_required
@require_http_methods(["GET"])
def address_list(request):
    return render(
        request,
        "accounts/address_list.html",
        {"addresses": selectors.addresses_for(user=request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def address_create(request):
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.address_create(user=request.user, data=form.cleaned_data)
        messages.success(request, _("Address saved."))
        return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": None})


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request, pk):
    address = _own_address(request, pk)
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        try:
            services.address_update(user=request.user, pk=pk, data=form.cleaned_data)
        except services.AddressNotFound:
            raise Http404("No such address") from None
        messages.success(request, _("Address saved."))
        return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": address})


@login_required
@require_POST
def address_delete(request, pk):
    try:
        services.address_delete(user=request.user, pk=pk)
    except services.AddressNotFound:
        raise Http404("No such address") from None
    messages.success(request, _("Address deleted."))
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_set_default(request, pk):
    try:
        services.address_set_default(user=request.user, pk=pk)
    except services.AddressNotFound:
        raise Http404("No such address") from None
    messages.success(request, _("Default address changed."))
    return redirect("accounts:addresses")


# allauth's sign-up and e-mail pages, answered by the store (accounts/allauth_urls.py, under
# allauth's own URL names): each change is one transaction under the account's row lock.


class SignupView(allauth_views.SignupView):
    """allauth's sign-up in one transaction. Two sign-ups racing for one e-mail both pass the
    form's check; the loser's insert breaks the unique e-mail, and gets the answer the form
    gives a taken address instead of a server error."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except IntegrityError:
            email = form.cleaned_data.get("email")
            if not email or not selectors.email_in_use_elsewhere(email=email):
                raise
        if taken_emails_are_hidden():
            form.account_already_exists = True  # as the form sets it for a taken address
            return super().form_valid(form)
        form.add_error("email", get_adapter().validation_error("email_taken"))
        return self.form_invalid(form)


class EmailView(allauth_views.EmailView):
    """allauth's e-mail page (add, remove, re-send, make primary), each change one transaction
    under the account's row lock, re-reading the address under it. Only a verified address
    that no other account uses can become primary: allauth lets an unverified one through
    while the account has no verified address, and the account's e-mail would follow it."""

    def post(self, request, *args, **kwargs):
        with services.account_change(user_id=request.user.pk):
            return super().post(request, *args, **kwargs)

    def _action_primary(self, request, *args, **kwargs):
        email_address = self._get_email_address(request)
        if email_address is not None and not email_address.primary:
            try:
                services.email_check_primary(email_address=email_address)
            except services.EmailChangeRefused as refusal:
                messages.error(request, refusal.message)
                return None
        return super()._action_primary(request, *args, **kwargs)


@require_POST
def language_set(request):
    """The language switcher's target: Django's set_language (validates the language and
    `next`, sets the language cookie, sends the shopper to the same page in the new
    language), and the choice saved on the account of a signed-in shopper."""
    # Django's set_language translates `next` with the active language's URLs; the page the
    # switcher was on says which language that is (its prefix), not this unprefixed URL.
    next_url = request.POST.get("next", "")
    page_language = get_language_from_path(urlsplit(next_url).path) or settings.LANGUAGE_CODE
    with translation.override(page_language):
        response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.language_save(user=request.user, language=language)
    return response
