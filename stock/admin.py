from django.contrib import admin

from project.admin import ReadOnlyAdmin

from .models import Reservation


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """What unpaid orders hold right now (an expired row holds nothing; housekeeping deletes
    it). Staff read it; orders and payments write it."""

    list_display = ("variant", "quantity", "owner", "holder", "expires_at")
    list_select_related = ("variant__product", "variant__color", "variant__size")
    search_fields = ("owner", "holder", "variant__product__name", "variant__sku")
    date_hierarchy = "expires_at"
    readonly_fields = [field.name for field in Reservation._meta.fields]
