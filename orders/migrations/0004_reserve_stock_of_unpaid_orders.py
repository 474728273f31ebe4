from django.db import migrations
from django.utils import timezone


def reserve(apps, schema_editor):
    """Until now an unpaid order held its stock by its status alone; from now on it holds it
    with reservation rows (stock.Reservation). Give every order still holding stock its rows,
    so nothing held before the upgrade is sold to someone else after it."""
    Order = apps.get_model("orders", "Order")
    OrderLine = apps.get_model("orders", "OrderLine")
    Reservation = apps.get_model("stock", "Reservation")
    live = Order.objects.filter(
        payment_status__in=["awaiting_payment", "payment_pending"],
        reserved_until__gt=timezone.now(),
    )
    rows = [
        Reservation(
            variant_id=line.variant_id,
            quantity=line.quantity,
            owner=f"order:{line.order_id}",
            holder=f"cart:{line.order.cart_id}" if line.order.cart_id else "",
            expires_at=line.order.reserved_until,
        )
        for line in OrderLine.objects.filter(order__in=live).select_related("order")
    ]
    Reservation.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_payment_and_delivery_status"),
        ("stock", "0001_initial"),
    ]

    operations = [migrations.RunPython(reserve, migrations.RunPython.noop)]
