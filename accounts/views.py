from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import AddressForm, ProfileForm


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
        form.save()
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
        services.address_update(address=address, data=form.cleaned_data)
        messages.success(request, _("Address saved."))
        return redirect("accounts:addresses")
    return render(request, "accounts/address_form.html", {"form": form, "address": address})


@login_required
@require_POST
def address_delete(request, pk):
    services.address_delete(address=_own_address(request, pk))
    messages.success(request, _("Address deleted."))
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_set_default(request, pk):
    services.address_set_default(address=_own_address(request, pk))
    messages.success(request, _("Default address changed."))
    return redirect("accounts:addresses")
