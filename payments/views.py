from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@require_GET
def checkout(request):
    # Placeholder until issue 4's checkout lands.
    return redirect("cart:detail")
