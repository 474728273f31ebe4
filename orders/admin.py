from django.contrib import admin

from project.admin import ReadOnlyAdmin

from .models import Invoice, InvoiceDetail, Order, OrderLine


class OrderLineInline(ReadOnlyAdmin, admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("product_name", "variant_label", "unit_price", "quantity", "line_total")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Orders are history: read-only here; their state changes only through payments."""

    list_display = ("number", "email", "status", "payment_method", "total", "created_at", "paid_at")
    list_filter = ("status", "payment_method", "created_at")
    search_fields = ("id", "email", "recipient", "user__email")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    inlines = [OrderLineInline]
    readonly_fields = [field.name for field in Order._meta.fields]


class InvoiceDetailInline(ReadOnlyAdmin, admin.TabularInline):
    model = InvoiceDetail
    extra = 0
    can_delete = False
    fields = ("description", "quantity", "unit_price", "amount")
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
