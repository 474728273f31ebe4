from django.contrib import admin

from .models import Cart, CartLine


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    raw_id_fields = ("variant",)
    readonly_fields = ("added_at",)


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "created_at", "updated_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    readonly_fields = ("token", "created_at", "updated_at")
    raw_id_fields = ("user",)
    inlines = [CartLineInline]
