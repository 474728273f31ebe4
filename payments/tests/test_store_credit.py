"""Store credit: the seed-000 shop's token payment, all or nothing, plus its pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cart.models import CartLine
from checkout.tests.buyer import GUEST
from orders.models import Invoice, InvoiceDetail, Order, PaymentMethod, PaymentStatus
from payments import store_credit
from payments.models import PaymentSettings, StoreCreditEntry, StoreCreditToken

pytestmark = pytest.mark.django_db(transaction=True)

PAY = reverse("checkout:pay_with_credit")


def issue(amount="1000.00", **fields):
    defaults = {"expires_on": timezone.localdate() + timedelta(days=30), "actor": None}
    return store_credit.token_issue(amount=Decimal(amount), **{**defaults, **fields})


@pytest.fixture
def cart_with_two_products(buyer, catalogue):
    shirt = catalogue.product("Shirt", price="150.00", stock={("Navy", "M"): 5}).variants.get()
    tote = catalogue.product("Tote", price="49.90", stock=3).variants.get()
    buyer.add(shirt, 2)
    buyer.add(tote, 1)
    return shirt, tote


def snapshot(*variants):
    """Everything a token payment may touch."""
    return {
        "stock": [v.__class__.objects.get(pk=v.pk).quantity for v in variants],
        "balances": list(StoreCreditToken.objects.order_by("pk").values_list("balance", flat=True)),
        "ledger": StoreCreditEntry.objects.count(),
        "orders": Order.objects.count(),
        "invoices": Invoice.objects.count(),
        "cart": list(CartLine.objects.order_by("pk").values_list("quantity", flat=True)),
    }


def pay(buyer, token, **extra):
    return buyer.client.post(PAY, {**GUEST, "token": str(token), **extra})


class TestSuccess:
    def test_step_12_balance_cart_and_stock(self, buyer, cart_with_two_products):
        shirt, tote = cart_with_two_products
        token = issue("1000.00")

        response = pay(buyer, token.token)

        assert response.status_code == 302
        token.refresh_from_db()
        assert token.balance == Decimal("1000.00") - Decimal("349.90")  # fell by exactly the total
        assert not CartLine.objects.exists()  # the cart is empty
        shirt.refresh_from_db()
        tote.refresh_from_db()
        assert (shirt.quantity, tote.quantity) == (3, 2)  # each stock fell by its quantity

    def test_the_order_is_paid_with_an_invoice_and_a_ledger_entry(
        self, buyer, cart_with_two_products
    ):
        token = issue("1000.00")

        pay(buyer, token.token)

        order = Order.objects.get()
        assert (
            order.payment_status == PaymentStatus.PAID
            and order.payment_method == PaymentMethod.STORE_CREDIT
        )
        invoice = order.invoice
        details = list(invoice.details.order_by("id"))
        assert [(d.description, d.quantity, d.unit_price, d.amount) for d in details] == [
            ("Shirt (Navy / M)", 2, Decimal("150.00"), Decimal("300.00")),
            ("Tote", 1, Decimal("49.90"), Decimal("49.90")),
        ]
        assert invoice.total == sum(d.amount for d in details) == order.total == Decimal("349.90")
        assert invoice.payment_method == PaymentMethod.STORE_CREDIT
        assert str(token.token) not in invoice.payment_reference  # the secret is not printed
        entry = StoreCreditEntry.objects.get(order=order)
        assert entry.amount == Decimal("-349.90") and entry.balance_after == Decimal("650.10")
        assert [m.to for m in mail.outbox if "confirmed" in m.subject] == [["guest@example.com"]]

    def test_the_success_page_shows_the_amount_paid_and_the_remaining_balance(
        self, buyer, cart_with_two_products
    ):
        token = issue("1000.00")

        response = pay(buyer, token.token)
        html = buyer.client.get(response["Location"]).content.decode()

        assert 'data-testid="amount-paid">R$349.90<' in html
        assert 'data-testid="remaining-balance">R$650.10<' in html
        assert 'data-testid="see-invoice"' in html

    def test_htmx_gets_hx_redirect(self, buyer, cart_with_two_products):
        token = issue()

        response = buyer.client.post(
            PAY, {**GUEST, "token": str(token.token)}, HTTP_HX_REQUEST="true"
        )

        assert (
            response.status_code == 200
            and "/checkout/store-credit/done/" in response["HX-Redirect"]
        )

    def test_a_token_may_pay_the_exact_balance(self, buyer, cart_with_two_products):
        token = issue("349.90")

        pay(buyer, token.token)

        token.refresh_from_db()
        assert (
            token.balance == Decimal("0.00")
            and Order.objects.get().payment_status == PaymentStatus.PAID
        )

    def test_an_owned_token_pays_for_its_owner(self, client, buyer, catalogue, django_user_model):
        from accounts.models import Address

        ana = django_user_model.objects.create_user(email="ana@example.com", password="pw-123456!")
        address = Address.objects.create(
            user=ana, recipient="Ana", street="Rua A", number="1", district="Centro", city="Rio",
            state="RJ", postal_code="20000-000", phone="(21) 99999-0000", is_default=True,
        )  # fmt: skip
        client.force_login(ana)
        buyer.add(catalogue.product(stock=3, price="10.00").variants.get())
        token = issue(owner=ana)

        client.post(PAY, {"address": address.pk, "token": str(token.token)})

        order = Order.objects.get()
        assert order.payment_status == PaymentStatus.PAID and order.user == ana
        assert StoreCreditEntry.objects.get(order=order).actor == ana


class TestRefusals:
    @pytest.mark.parametrize(
        ("code", "reason"),
        [
            ("not-a-token", "That is not a valid store-credit token."),
            ("", "That is not a valid store-credit token."),
            (
                "'; drop table payments_storecredittoken; --",
                "That is not a valid store-credit token.",
            ),
            ("00000000-0000-0000-0000-000000000000", "We do not know this store-credit token."),
        ],
    )
    def test_malformed_and_unknown_tokens(self, buyer, cart_with_two_products, code, reason):
        issue()
        before = snapshot(*cart_with_two_products)

        response = pay(buyer, code)

        assert response["Location"] == reverse("checkout:credit_failed")
        page = buyer.client.get(response["Location"])
        html = page.content.decode()
        assert page.status_code == 400 and reason in html
        assert 'data-testid="back-to-cart"' in html and reverse("cart:detail") in html
        assert snapshot(*cart_with_two_products) == before

    @pytest.mark.parametrize(
        ("token_fields", "reason"),
        [
            ({"expires_on": timezone.localdate() - timedelta(days=1)}, "expired on"),
            (
                {"amount": "349.89"},
                "Insufficient balance: the token has R$349.89 and the order costs R$349.90.",
            ),
        ],
    )
    def test_expired_and_insufficient(self, buyer, cart_with_two_products, token_fields, reason):
        token = issue(**token_fields)
        before = snapshot(*cart_with_two_products)

        page = buyer.client.get(pay(buyer, token.token)["Location"])

        assert reason in page.content.decode()
        assert snapshot(*cart_with_two_products) == before

    def test_inactive(self, buyer, cart_with_two_products):
        token = issue()
        StoreCreditToken.objects.filter(pk=token.pk).update(is_active=False)
        before = snapshot(*cart_with_two_products)

        page = buyer.client.get(pay(buyer, token.token)["Location"])

        assert "This store-credit token has been deactivated." in page.content.decode()
        assert snapshot(*cart_with_two_products) == before

    def test_another_shoppers_token(self, buyer, cart_with_two_products, django_user_model):
        bruno = django_user_model.objects.create_user(
            email="bruno@example.com", password="x-123456!"
        )
        token = issue(owner=bruno)
        before = snapshot(*cart_with_two_products)

        page = buyer.client.get(pay(buyer, token.token)["Location"])

        assert "This store-credit token belongs to another account." in page.content.decode()
        assert snapshot(*cart_with_two_products) == before

    def test_stock_that_ran_out_between_cart_and_payment(self, buyer, cart_with_two_products):
        """The page-level check sends the shopper to the cart; the service refuses on its own
        under row locks too."""
        shirt, tote = cart_with_two_products
        token = issue()
        tote.quantity = 0
        tote.save()
        before = snapshot(shirt, tote)

        response = pay(buyer, token.token)

        assert response["Location"] == reverse("cart:detail")
        token.refresh_from_db()
        assert token.balance == Decimal("1000.00") and not Order.objects.exists()
        assert snapshot(shirt, tote)["stock"] == before["stock"]

    def test_the_service_refuses_stock_that_ran_out_with_nothing_written(
        self, buyer, cart_with_two_products
    ):
        from cart.models import Cart
        from checkout.services import checkout_pay_with_token
        from checkout.tests.buyer import guest_address
        from orders.services import NotEnoughStock

        shirt, tote = cart_with_two_products
        token = issue()
        tote.quantity = 0
        tote.save()
        before = snapshot(shirt, tote)

        with pytest.raises(NotEnoughStock):
            checkout_pay_with_token(
                cart=Cart.objects.get(),
                user=None,
                email=GUEST["email"],
                address=guest_address(),
                code=str(token.token),
            )

        assert snapshot(shirt, tote) == before

    def test_a_tampered_total_in_the_form_changes_nothing(self, buyer, cart_with_two_products):
        token = issue("1000.00")

        pay(buyer, token.token, amount="0.01", total="0.01", price="0.01")

        token.refresh_from_db()
        assert token.balance == Decimal("650.10")
        assert Order.objects.get().total == Decimal("349.90")

    def test_a_failure_after_the_deduction_rolls_everything_back(
        self, buyer, cart_with_two_products, monkeypatch
    ):
        import orders.services

        token = issue("1000.00")
        before = snapshot(*cart_with_two_products)

        def broken_invoice(**kwargs):
            assert StoreCreditToken.objects.get(pk=token.pk).balance == Decimal(
                "650.10"
            )  # deducted
            raise RuntimeError("the disk is full")

        monkeypatch.setattr(orders.services, "invoice_record", broken_invoice)

        page = buyer.client.get(pay(buyer, token.token)["Location"])

        assert "nothing was charged" in page.content.decode()
        assert snapshot(*cart_with_two_products) == before
        assert not mail.outbox

    def test_the_failure_page_without_a_failure_goes_to_the_cart(self, client):
        response = client.get(reverse("checkout:credit_failed"))

        assert response.status_code == 302 and response["Location"] == reverse("cart:detail")

    def test_get_is_refused(self, client):
        assert client.get(PAY).status_code == 405

    def test_post_without_csrf_token_is_refused(self, cart_with_two_products):
        token = issue()

        response = Client(enforce_csrf_checks=True).post(PAY, {**GUEST, "token": str(token.token)})

        assert response.status_code == 403
        token.refresh_from_db()
        assert token.balance == Decimal("1000.00")


class TestPaymentSettings:
    def test_checkout_offers_only_enabled_methods(self, buyer, cart_with_two_products):
        html = buyer.client.get(reverse("checkout:checkout")).content.decode()
        assert (
            'data-testid="method-mercadopago"' in html
            and 'data-testid="method-store-credit"' in html
        )

        PaymentSettings.objects.update_or_create(pk=1, defaults={"store_credit_enabled": False})
        html = buyer.client.get(reverse("checkout:checkout")).content.decode()
        assert (
            'data-testid="method-mercadopago"' in html
            and 'data-testid="method-store-credit"' not in html
        )

        PaymentSettings.objects.update_or_create(pk=1, defaults={"mercadopago_enabled": False})
        html = buyer.client.get(reverse("checkout:checkout")).content.decode()
        assert (
            'data-testid="confirm-order"' not in html and 'data-testid="no-payment-methods"' in html
        )

    def test_a_disabled_store_credit_refuses_a_direct_post(self, buyer, cart_with_two_products):
        PaymentSettings.objects.update_or_create(pk=1, defaults={"store_credit_enabled": False})
        token = issue()
        before = snapshot(*cart_with_two_products)

        response = pay(buyer, token.token)

        assert response.status_code == 403
        assert "This payment method is not available right now." in response.content.decode()
        assert snapshot(*cart_with_two_products) == before

    def test_a_disabled_mercado_pago_refuses_a_direct_post(
        self, buyer, cart_with_two_products, sandbox
    ):
        PaymentSettings.objects.update_or_create(pk=1, defaults={"mercadopago_enabled": False})

        response = buyer.confirm()

        assert response.status_code == 403
        assert not Order.objects.exists() and not sandbox.state.preferences

    def test_staff_switch_methods_in_the_admin(self, client, django_user_model):
        staff = django_user_model.objects.create_superuser(
            email="boss@example.com", password="pw-123456!"
        )
        client.force_login(staff)
        PaymentSettings.objects.get_or_create(pk=1)

        response = client.post(
            reverse("admin:payments_paymentsettings_change", args=[1]),
            {"mercadopago_enabled": "on"},
        )

        assert response.status_code == 302
        assert PaymentSettings.objects.get().store_credit_enabled is False


class TestInvoices:
    def test_a_mercado_pago_order_gets_its_invoice_too(
        self, buyer, cart_with_two_products, sandbox
    ):
        back = buyer.pay(buyer.pay_link(), "approve")
        buyer.come_back(back)

        invoice = Invoice.objects.get()
        assert invoice.payment_method == PaymentMethod.MERCADO_PAGO
        assert invoice.payment_reference == Order.objects.get().mercadopago.approved_payment_id
        assert invoice.total == sum(d.amount for d in invoice.details.all()) == Decimal("349.90")
        [payment] = sandbox.state.payments.values()
        assert Decimal(str(payment["transaction_amount"])) == invoice.total  # the amount charged

    def test_duplicate_notifications_make_one_invoice(self, buyer, cart_with_two_products, sandbox):
        sandbox.state.behaviour.webhook_copies = 3
        buyer.come_back(buyer.pay(buyer.pay_link(), "approve"))

        for webhook in sandbox.state.take_held():
            buyer.deliver(webhook)

        assert Invoice.objects.count() == 1 and InvoiceDetail.objects.count() == 2

    def test_the_printable_invoice(self, buyer, cart_with_two_products):
        token = issue()
        pay(buyer, token.token)
        order = Order.objects.get()

        response = buyer.client.get(reverse("orders:invoice", args=[order.pk]))

        html = response.content.decode()
        assert response.status_code == 200
        assert html.count('data-testid="invoice-detail"') == 2
        assert 'data-testid="invoice-total">R$349.90<' in html
        assert "<script" not in html and "print:hidden" in html
        assert Client().get(order.signed_invoice_url()).status_code == 200

    def test_strangers_and_unpaid_orders_have_no_invoice(
        self, buyer, cart_with_two_products, sandbox, django_user_model
    ):
        token = issue()
        pay(buyer, token.token)
        paid = Order.objects.get()
        stranger = Client()
        assert stranger.get(reverse("orders:invoice", args=[paid.pk])).status_code == 404
        stranger.force_login(
            django_user_model.objects.create_user(email="s@example.com", password="x-123456!")
        )
        assert stranger.get(reverse("orders:invoice", args=[paid.pk])).status_code == 404

        other = type(buyer)(Client(), sandbox)
        other.add(paid.lines.first().variant, 1)
        other.pay_link(email="other@example.com")
        unpaid = Order.objects.get(email="other@example.com")
        assert other.client.get(reverse("orders:invoice", args=[unpaid.pk])).status_code == 404

    def test_staff_read_invoices_but_cannot_change_them(
        self, buyer, cart_with_two_products, django_user_model
    ):
        pay(buyer, issue().token)
        staff = django_user_model.objects.create_superuser(
            email="boss@example.com", password="pw-123456!"
        )
        admin = Client()
        admin.force_login(staff)
        invoice = Invoice.objects.get()

        assert admin.get(reverse("admin:orders_invoice_changelist")).status_code == 200
        page = admin.get(reverse("admin:orders_invoice_change", args=[invoice.pk]))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        admin.post(reverse("admin:orders_invoice_change", args=[invoice.pk]), {"total": "1.00"})
        invoice.refresh_from_db()
        assert invoice.total == Decimal("349.90")


class TestTokenAdmin:
    @pytest.fixture
    def admin_client(self, client, django_user_model):
        staff = django_user_model.objects.create_superuser(
            email="boss@example.com", password="pw-123456!"
        )
        client.force_login(staff)
        return client, staff

    def test_create_top_up_and_deactivate_with_a_ledger(self, admin_client):
        client, staff = admin_client
        expires = (timezone.localdate() + timedelta(days=90)).isoformat()
        form = {
            "expires_on": expires,
            "is_active": "on",
            "note": "Gift",
            "credit": "200.00",
            "reason": "",
        }
        inline = {"entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0"}

        assert (
            client.post(
                reverse("admin:payments_storecredittoken_add"), {**form, **inline}
            ).status_code
            == 302
        )
        token = StoreCreditToken.objects.get()
        assert token.balance == Decimal("200.00")

        change = reverse("admin:payments_storecredittoken_change", args=[token.pk])
        refused = client.post(change, {**form, "credit": "50.00", **inline})
        assert (
            refused.status_code == 200
            and "Say why the balance changes." in refused.content.decode()
        )
        client.post(
            change, {**form, "credit": "50.00", "reason": "Apology for a late delivery", **inline}
        )
        token.refresh_from_db()
        assert token.balance == Decimal("250.00")

        client.post(
            reverse("admin:payments_storecredittoken_changelist"),
            {"action": "deactivate", "_selected_action": [token.pk]},
        )
        token.refresh_from_db()
        assert not token.is_active
        entries = list(
            StoreCreditEntry.objects.order_by("id").values_list(
                "actor", "reason", "amount", "balance_after"
            )
        )
        assert entries == [
            (staff.pk, "Issued", Decimal("200.00"), Decimal("200.00")),
            (staff.pk, "Apology for a late delivery", Decimal("50.00"), Decimal("250.00")),
        ]

    def test_the_balance_cannot_be_edited_directly(self, admin_client):
        client, _staff = admin_client
        token = issue("0.00")  # no ledger entries yet
        change = reverse("admin:payments_storecredittoken_change", args=[token.pk])

        response = client.post(
            change,
            {
                "expires_on": token.expires_on.isoformat(),
                "is_active": "on",
                "note": "edited",
                "balance": "999999",
                "entries-TOTAL_FORMS": "0",
                "entries-INITIAL_FORMS": "0",
            },
        )

        assert response.status_code == 302
        token.refresh_from_db()
        assert token.note == "edited" and token.balance == Decimal("0.00")
