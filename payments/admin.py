from django.contrib import admin

from .models import MercadoPagoPayment


@admin.register(MercadoPagoPayment)
class MercadoPagoPaymentAdmin(admin.ModelAdmin):
    list_display = ("order", "status", "payment_id", "refund_status", "created_at")
    list_filter = ("status", "refund_status")
    search_fields = ("preference_id", "payment_id", "order__email")
    list_select_related = ("order",)
    readonly_fields = [field.name for field in MercadoPagoPayment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
