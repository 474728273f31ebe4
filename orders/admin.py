from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from project.admin import ReadOnlyAdmin

from . import services
from .models import DeliveryStatus, Invoice, InvoiceDetail, Order, OrderLine


class OrderLineInline(ReadOnlyAdmin, admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("product_name", "variant_label", "unit_price", "quantity", "discount", "line_total")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Orders are history: read-only here. Their payment status changes only through
    payments; staff move the delivery along with the actions."""

    list_display = (
        "order_number",
        "email",
        "payment_status",
        "delivery_status",
        "payment_method",
        "total",
        "created_at",
        "paid_at",
    )
    list_filter = ("payment_status", "delivery_status", "payment_method", "created_at")
    search_fields = ("id", "email", "recipient", "user__email")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    inlines = [OrderLineInline]
    readonly_fields = [field.name for field in Order._meta.fields]
    actions = ["mark_shipped", "mark_delivered"]

    @admin.display(description=_("number"), ordering="id")
    def order_number(self, order):
        return order.reference

    def has_fulfil_permission(self, request):
        """Moving a parcel along needs the order change permission (the form stays read-only)."""
        return request.user.has_perm("orders.change_order")

    def _advance(self, request, queryset, to):
        moved = 0
        for order in queryset.order_by("pk"):
            try:
                services.order_advance_delivery(order=order, to=to)
            except services.IllegalTransition as refused:
                self.message_user(request, f"{order.reference}: {refused.message}", messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(request, _("%(count)d orders updated.") % {"count": moved})

    @admin.action(description=_("Mark selected orders as shipped"), permissions=["fulfil"])
    def mark_shipped(self, request, queryset):
        self._advance(request, queryset, DeliveryStatus.SHIPPED)

    @admin.action(description=_("Mark selected orders as delivered"), permissions=["fulfil"])
    def mark_delivered(self, request, queryset):
        self._advance(request, queryset, DeliveryStatus.DELIVERED)


class InvoiceDetailInline(ReadOnlyAdmin, admin.TabularInline):
    model = InvoiceDetail
    extra = 0
    can_delete = False
    fields = ("description", "quantity", "unit_price", "discount", "amount")
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Invoices are records: staff read them, nobody edits them."""

    list_display = ("number", "order", "buyer_email", "payment_method", "total", "issued_at")
    list_filter = ("payment_method", "issued_at")
    search_fields = ("id", "buyer_email", "buyer_name", "payment_reference", "order__id")
    list_select_related = ("order",)
    date_hierarchy = "issued_at"
    inlines = [InvoiceDetailInline]
    readonly_fields = [field.name for field in Invoice._meta.fields]
