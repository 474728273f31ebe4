from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from project.admin import ReadOnlyAdmin

from . import store_credit
from .models import MercadoPagoPayment, PaymentSettings, StoreCreditEntry, StoreCreditToken


@admin.register(MercadoPagoPayment)
class MercadoPagoPaymentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("order", "status", "payment_id", "refund_status", "created_at")
    list_filter = ("status", "refund_status")
    search_fields = ("preference_id", "payment_id", "order__email")
    list_select_related = ("order",)
    readonly_fields = [field.name for field in MercadoPagoPayment._meta.fields]


class StoreCreditEntryInline(ReadOnlyAdmin, admin.TabularInline):
    model = StoreCreditEntry
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "reason", "amount", "balance_after", "order")
    readonly_fields = fields


class StoreCreditTokenForm(forms.ModelForm):
    """Balance changes go through the ledger: staff give an amount and a reason."""

    credit = forms.DecimalField(
        label=_("Add credit (R$)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Added to the balance and recorded in the ledger."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    class Meta:
        model = StoreCreditToken
        fields = ["owner", "expires_on", "is_active", "note"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("credit") and self.instance.pk and not cleaned.get("reason"):
            self.add_error("reason", _("Say why the balance changes."))
        return cleaned


@admin.register(StoreCreditToken)
class StoreCreditTokenAdmin(admin.ModelAdmin):
    form = StoreCreditTokenForm
    list_display = ("__str__", "owner", "balance", "expires_on", "is_active", "created_at")
    list_filter = ("is_active", "expires_on")
    search_fields = ("token", "owner__email", "note")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("token", "balance", "created_at")
    inlines = [StoreCreditEntryInline]
    actions = ["deactivate"]

    def get_fields(self, request, obj=None):
        fields = ["owner", "expires_on", "is_active", "note", "credit", "reason"]
        return (["token", "balance", *fields, "created_at"]) if obj else fields

    def save_model(self, request, obj, form, change):
        credit = form.cleaned_data.get("credit")
        obj.save()
        if credit:
            reason = form.cleaned_data.get("reason") or (_("Top-up") if change else _("Issued"))
            store_credit.token_adjust(token=obj, amount=credit, actor=request.user, reason=reason)

    def has_delete_permission(self, request, obj=None):
        return False  # the ledger must keep explaining every balance

    @admin.action(description=_("Deactivate selected tokens"))
    def deactivate(self, request, queryset):
        updated = queryset.update(is_active=False)
        self.message_user(request, _("%(count)d tokens deactivated.") % {"count": updated})


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "mercadopago_enabled", "store_credit_enabled")

    def has_add_permission(self, request):
        return not PaymentSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
