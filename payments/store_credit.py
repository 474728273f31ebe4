"""Store credit: tokens (a UUID with a balance and an expiry date) and their ledger. The balance
changes only through `_ledger`, so every change has its entry (who, when, why, how much, the
balance after). Paying a checkout with a token is coordinated by checkout.services."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from orders.models import Order
from project.errors import ShopError
from store.money import format_money

from .models import StoreCreditEntry, StoreCreditToken


class StoreCreditError(ShopError):
    """A store-credit payment or adjustment that was refused; nothing was written."""


def _ledger(
    *, token: StoreCreditToken, amount: Decimal, actor, reason: str, order=None
) -> StoreCreditEntry:
    """Change a locked token's balance by `amount` and record why. Never below zero."""
    new_balance = token.balance + amount
    if new_balance < 0:
        raise StoreCreditError(_("That would take the token's balance below zero."))
    token.balance = new_balance
    token.save(update_fields=["balance"])
    return StoreCreditEntry.objects.create(
        token=token,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason[:200],
        amount=amount,
        balance_after=new_balance,
        order=order,
    )


@transaction.atomic
def token_adjust(
    *, token: StoreCreditToken, amount: Decimal, actor, reason: str
) -> StoreCreditEntry:
    """Staff add (or, with a negative amount, take back) credit; recorded in the ledger."""
    locked = StoreCreditToken.objects.select_for_update().get(pk=token.pk)
    entry = _ledger(token=locked, amount=amount, actor=actor, reason=reason)
    token.balance = locked.balance
    return entry


@transaction.atomic
def token_issue(
    *, amount: Decimal, expires_on, actor, owner=None, note: str = "", token=None
) -> StoreCreditToken:
    fields = {"token": token} if token is not None else {}
    issued = StoreCreditToken.objects.create(
        owner=owner, expires_on=expires_on, note=note, **fields
    )
    if amount:
        token_adjust(token=issued, amount=amount, actor=actor, reason=_("Issued"))
        issued.refresh_from_db()
    return issued


def token_masked(token: StoreCreditToken) -> str:
    """How a token is named on invoices and pages: never in full."""
    return _("store credit …%(end)s") % {"end": str(token.token)[-6:]}


def token_lock_for_payment(*, code: str, user) -> StoreCreditToken:
    """Lock the token a shopper typed and check that they may spend it now: it exists, is
    theirs (or nobody's), active and unexpired. Call inside a transaction, before any other
    lock (stock.services gives the lock order). Raises StoreCreditError."""
    try:
        token_id = uuid.UUID(str(code).strip())
    except (ValueError, AttributeError, TypeError):
        raise StoreCreditError(_("That is not a valid store-credit token.")) from None
    token = StoreCreditToken.objects.select_for_update().filter(token=token_id).first()
    if token is None:
        raise StoreCreditError(_("We do not know this store-credit token."))
    if token.owner_id is not None and (not user.is_authenticated or user.pk != token.owner_id):
        raise StoreCreditError(_("This store-credit token belongs to another account."))
    if not token.is_active:
        raise StoreCreditError(_("This store-credit token has been deactivated."))
    if token.is_expired:
        raise StoreCreditError(
            _("This store-credit token expired on %(date)s.")
            % {"date": formats.date_format(token.expires_on)}
        )
    return token


def token_charge(*, token: StoreCreditToken, order: Order, actor) -> StoreCreditEntry:
    """Take the order's total from a locked token's balance, with its ledger entry. Raises
    StoreCreditError, changing nothing, when the balance does not cover it."""
    if token.balance < order.total:
        raise StoreCreditError(
            _("Insufficient balance: the token has %(balance)s and the order costs %(total)s.")
            % {"balance": format_money(token.balance), "total": format_money(order.total)}
        )
    return _ledger(
        token=token,
        amount=-order.total,
        actor=actor,
        reason=_("Payment of order %(number)s") % {"number": order.reference},
        order=order,
    )
